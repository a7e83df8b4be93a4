"""`callscript diff`: renames, re-routes, rule changes and the rest, in words; files and stored versions."""

from __future__ import annotations

import json

from callscript.script.loader import load_script, load_script_text
from callscript.workshop.diff import describe_test, diff_scripts
from workshop.conftest import CTRIP, LOOP

BASE = LOOP.read_text(encoding="utf-8")


def edited(*replacements: tuple[str, str]) -> str:
    text = BASE
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    return text


def diff(*replacements: tuple[str, str]):
    return diff_scripts(load_script_text(BASE, "old.yaml"), load_script_text(edited(*replacements), "new.yaml"))


def texts(result, section=None):
    return [c.text for c in result.changes if section is None or c.section == section]


def test_identical_scripts_have_no_differences():
    result = diff()
    assert result.empty
    assert result.lines() == ["no differences: the two scripts walk and grade the same way"]


def test_renamed_node_is_one_rename():
    # id changed, every reference to it updated, content the same
    result = diff(("  confirm:\n", "  check_address:\n"), ("next: confirm", "next: check_address"))
    assert result.renames == {"confirm": "check_address"}
    assert [(c.section, c.kind) for c in result.changes] == [("nodes", "renamed")]
    assert texts(result) == ["node 核对地址 renamed: confirm → check_address; references to it were updated"]


def test_renamed_and_edited_node():
    result = diff(
        ("  confirm:\n", "  check_address:\n"),
        ("next: confirm", "next: check_address"),
        ("say: 地址是{address},对吗?", "say: 我核对一下:{address},对吗?"),
    )
    assert result.renames == {"confirm": "check_address"}
    assert ("nodes", "renamed") in result.kinds() and ("nodes", "added") not in result.kinds()
    assert any("line 1 changed: 「地址是{address},对吗?」 → 「我核对一下:{address},对吗?」" in t for t in texts(result))


def test_rerouted_option():
    result = diff(
        ("        label: 不对,重新问\n        next: address", "        label: 不对,重新问\n        next: star")
    )
    assert texts(result) == [
        "option 2 「不对,重新问」 of 核对地址 (confirm) now goes to 星级 (star) instead of 地址 (address)"
    ]
    assert [c.kind for c in result.changes] == ["rerouted"]
    skip = diff(("      label: 问不到\n      next: accept", "      label: 问不到\n      next: bye_no"))
    assert texts(skip) == ["skipping 星级 (star) (「问不到」) now goes to 道别 (bye_no) instead of 是否接受 (accept)"]


def test_rule_changed_added_removed_reordered():
    changed = diff(("{fact: hotel_star, ge: 3}", "{fact: hotel_star, ge: 4}"))
    assert texts(changed, "grading") == [
        "rule 「愿意接受三星以上」: 好 when accepts = yes and hotel_star ≥ 3 → 好 when accepts = yes and hotel_star ≥ 4"
    ]
    rules_old = BASE[BASE.index("    - grade: 好") :]
    first, second = rules_old.split("    - grade: 勉强")
    swapped = diff((rules_old, "    - grade: 勉强" + second.rstrip("\n") + "\n" + first))
    assert [c.kind for c in swapped.changes] == ["reordered"]
    assert "moved from position" in swapped.changes[0].text
    relabelled = diff(("label: 问不到消费标准", "label: 问不到消费能力"))
    assert texts(relabelled) == ["rule 2 now reads 「问不到消费能力」 (was 「问不到消费标准」)"]
    added = diff(
        ("  rules:\n", "  rules:\n    - grade: 勉强\n      label: 寄过来再说\n      when: {fact: accepts, is: later}\n")
    )
    assert texts(added) == ["rule 「寄过来再说」 added as rule 1: 勉强 when accepts = later"]
    removed = diff((rules_old, first))
    assert [c.kind for c in removed.changes] == ["removed"] and "问不到消费标准" in removed.changes[0].text


def test_options_nodes_endings_and_facts():
    result = diff(
        (
            "        label: 没听清,再说一遍\n        next: hello",
            '        label: 没听清,再说一遍\n        next: hello\n      - key: "4"\n        label: 占线\n        next: bye_busy',
        ),
        ("  bye_no:\n", "  bye_busy:\n    title: 占线\n    say: (占线)\n    end: busy\n  bye_no:\n"),
        (
            "    title: 道别\n    say: 谢谢,再见!\n    end: refused",
            "    title: 道别\n    say: 谢谢,再见!\n    end: not_qualified",
        ),
        (
            "        label: 本人\n        set: {reached: true}",
            "        label: 本人接听\n        set: {reached: true, via_receptionist: false}",
        ),
        ("  title: 循环测试", "  title: 循环测试二"),
    )
    all_texts = texts(result)
    assert "script title: 「循环测试」 → 「循环测试二」" in all_texts
    assert any(
        t.startswith("node 占线 (bye_busy) added (an ending (busy)") and "reached from 开场白 (hello)" in t
        for t in all_texts
    )
    assert "option 4 「占线」 added to 开场白 (hello): goes to 占线 (bye_busy)" in all_texts
    assert "道别 (bye_no): the call now ends as not_qualified (was refused)" in all_texts
    assert "option 1 of 开场白 (hello) now reads 「本人接听」 (was 「本人」)" in all_texts
    assert (
        "option 1 「本人接听」 of 开场白 (hello) now sets reached=true, via_receptionist=false (was reached=true)"
        in all_texts
    )
    assert "via_receptionist is now learned in calls (set at hello)" in all_texts


def test_removed_node_and_option():
    result = diff(
        ('      - key: "2"\n        label: 空号\n        next: bye_invalid\n', ""),
        ("  bye_invalid:\n    title: 空号\n    say: 打错了,再见。\n    end: invalid_number\n", ""),
    )
    assert "option 2 「空号」 removed from 开场白 (hello) (it went to 空号 (bye_invalid))" in texts(result)
    assert any(t.startswith("node 空号 (bye_invalid) removed") for t in texts(result))


def test_describe_test():
    assert describe_test(
        {
            "all": [
                {"condition": "travel_or_host"},
                {"any": [{"fact": "travel", "is": "often"}, {"fact": "needs", "in": ["hotel_only", "flight_only"]}]},
                {"not": {"fact": "hotel_star", "known": True}},
            ]
        }
    ) == (
        "condition travel_or_host and (travel = often or needs in [hotel_only, flight_only]) and not (hotel_star known)"
    )


def test_ctrip_against_itself_and_a_rename():
    ctrip = load_script(CTRIP)
    assert diff_scripts(ctrip, ctrip).empty
    text = ctrip.source_text.replace("bye_busy", "bye_line_busy")
    result = diff_scripts(ctrip, load_script_text(text))
    assert result.renames == {"bye_busy": "bye_line_busy"} and len(result.changes) == 1


def test_cli_diff_files_and_bad_input(run_cli, tmp_path):
    new = tmp_path / "new.yaml"
    new.write_text(edited(("{fact: hotel_star, ge: 3}", "{fact: hotel_star, ge: 4}")), encoding="utf-8")
    result = run_cli("diff", LOOP, new)
    assert result.exit_code == 0, result.output
    assert "评级 Grading (1)" in result.stdout and "hotel_star ≥ 4" in result.stdout
    data = json.loads(run_cli("diff", LOOP, new, "--json").stdout)
    assert data["changes"][0]["section"] == "grading"
    bad = tmp_path / "bad.yaml"
    bad.write_text(BASE.replace("next: closing", "next: nowhere"), encoding="utf-8")
    result = run_cli("diff", LOOP, bad)
    assert result.exit_code == 2 and "bad.yaml:" in result.stderr and "nowhere" in result.stderr
    result = run_cli("diff", LOOP, tmp_path / "missing.yaml", "--db", tmp_path / "none.db")
    assert result.exit_code == 2 and "no such file" in result.stderr


def test_cli_diff_stored_versions(run_cli, tmp_path):
    from callscript.storage import Store

    db = tmp_path / "calls.db"
    old = load_script(LOOP)
    new = load_script_text(
        edited(("  confirm:\n", "  check:\n"), ("next: confirm", "next: check")), "scripts/loop.yaml"
    )
    with Store.open(db) as store:
        store.store_script_version(old)
        store.store_script_version(new)
    result = run_cli("diff", old.sha256[:8], new.sha256[:10], "--db", db)
    assert result.exit_code == 0, result.output
    assert f"version {old.sha256[:12]}" in result.stdout
    assert "renamed: confirm → check" in result.stdout
    # a stored version against a file
    result = run_cli("diff", old.sha256[:6], LOOP, "--db", db)
    assert result.exit_code == 0 and "no differences" in result.stdout
    missing = next(p for p in ("abcdef12", "12345678") if not any(s.startswith(p) for s in (old.sha256, new.sha256)))
    result = run_cli("diff", missing, LOOP, "--db", db)
    assert result.exit_code == 2 and "no stored script version" in result.stderr


def test_cli_diff_ambiguous_prefix(run_cli, tmp_path):
    import hashlib

    from callscript.storage import Store

    seen: dict[str, str] = {}
    for i in range(100_000):  # two variants whose hashes share 4 leading hex digits (birthday: ~300 tries)
        text = BASE.replace("title: 循环测试", f"title: 循环测试{i}", 1)
        prefix = hashlib.sha256(text.encode("utf-8")).hexdigest()[:4]
        if prefix in seen:
            break
        seen[prefix] = text
    db = tmp_path / "calls.db"
    with Store.open(db) as store:
        store.store_script_version(load_script_text(seen[prefix]))
        store.store_script_version(load_script_text(text))
    result = run_cli("diff", prefix, LOOP, "--db", db)
    assert result.exit_code == 2 and "several stored versions match" in result.stderr


def test_a_fact_that_stops_carrying_is_a_change():
    old = BASE.replace("nodes:\n", "facts:\n  seen: {type: bool, label: 看过}\nnodes:\n", 1)
    new = old.replace("seen: {type: bool, label: 看过}", "seen: {type: bool, label: 看过, carry: false}")
    result = diff_scripts(load_script_text(old, "old.yaml"), load_script_text(new, "new.yaml"))
    assert texts(result, "facts") == ["fact seen: bool 「看过」 → bool 「看过」, not carried to later calls"]
