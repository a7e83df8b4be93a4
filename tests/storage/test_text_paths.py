"""Every path by which text enters the database strips control characters and bounds lengths,
and stored text never reaches a terminal with its escapes (issue 14, item 8)."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner

from callscript.cli.main import cli
from callscript.core.cleantext import TextTooLong
from callscript.script.session import CallSession
from callscript.storage import Store
from storage.helpers import mini_script

PWNED = "\x1b]0;PWNED\x07\x1b[2J"
HOSTILE = [PWNED, "\x00", "a\nb", "x" * 5000]
MONDAY = datetime(2025, 3, 3, 10, 0).astimezone()
CONTROL_BYTES = set(range(0x00, 0x20)) | {0x7F} | set(range(0x80, 0xA0))


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def assert_clean(text: str | None, *, newlines: bool = False) -> None:
    if text is None:
        return
    allowed = {0x0A} if newlines else set()
    bad = [hex(ord(ch)) for ch in text if ord(ch) in CONTROL_BYTES - allowed]
    assert not bad, f"{text!r} keeps {bad}"


def every_stored_text(db) -> list[tuple[str, str, str]]:
    """(table, column, value) for every text in the file."""
    found = []
    with sqlite3.connect(db) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            if table == "scripts":  # script text is validated by the script loader
                continue
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            for row in conn.execute(f"SELECT * FROM {table}"):
                found += [(table, c, v) for c, v in zip(columns, row) if isinstance(v, str)]
    return found


def assert_nothing_stored_with_controls(db) -> None:
    for table, column, value in every_stored_text(db):
        newlines = (table, column) in {
            ("leads", "notes"),
            ("call_events", "value"),  # notes keep their lines (typed answers are one line)
            ("agent_day_reviews", "strengths"),
            ("agent_day_reviews", "weaknesses"),
            ("agent_day_reviews", "suggestions"),
        }
        assert_clean(value, newlines=newlines)


@pytest.mark.parametrize("hostile", HOSTILE, ids=["escapes", "nul", "newline", "5000 chars"])
def test_storage_write_paths(tmp_path, hostile):
    db = tmp_path / "t.db"
    script = mini_script()
    too_long = len(hostile) > 1000
    with Store.open(db) as store:
        # agent names
        if too_long:
            with pytest.raises(TextTooLong):
                store.ensure_agent(hostile)
        else:
            agent = store.ensure_agent(f"王{hostile}芳")
            assert_clean(agent.name)
        # leads by hand: every text field
        fields = dict(contact=hostile, title=hostile, industry=hostile, source=hostile, notes=hostile)
        if too_long:
            with pytest.raises(ValueError, match="too long"):
                store.add_lead(f"甲{hostile}", "13812345678", **fields)
            lead = store.add_lead("甲公司", "13812345678", notes="x" * 2000)
        else:
            lead = store.add_lead(f"甲{hostile}", "13812345678", **fields)
        for value in (lead.company, lead.contact, lead.title, lead.industry, lead.source):
            assert_clean(value)
        # edits
        if too_long:
            with pytest.raises(ValueError, match="too long"):
                store.update_lead(lead.id, company=hostile)
        else:
            store.update_lead(lead.id, contact=hostile, title=f"经理{hostile}")
        # do-not-call by number, with a company and a reason
        if too_long:
            with pytest.raises(ValueError, match="too long"):
                store.mark_do_not_call_by_phone("13912345678", hostile, company="乙公司")
        store.mark_do_not_call_by_phone("13912345678", "客户要求" + hostile[:50], company="乙" + hostile[:50])
        # a call: a typed answer, a note, the facts, the address, a callback reason
        script_id = store.store_script_version(script)
        call_id = store.start_call(lead.id, "王芳", script_id, now=MONDAY)
        session = CallSession(script)
        store.record_event(call_id, session.choose(session.node.options[0].key))
        if too_long:
            with pytest.raises(ValueError, match="too long"):
                store.add_note(call_id, hostile)
            with pytest.raises(ValueError, match="too long"):
                store.record_event(call_id, {"kind": "enter", "node": "x", "value": hostile})
        else:
            store.add_note(call_id, f"记得{hostile}回电", important=True)
            store.record_event(call_id, {"kind": "enter", "node": session.node_id, "value": hostile})
        facts = {"other_center_name": hostile[:400], "address": "上海" + hostile[:400]}
        store.finish_call(
            call_id,
            "callback",
            facts,
            callback_due=MONDAY + timedelta(days=1),
            callback_reason=hostile[:400],
            now=MONDAY,
        )
        # the day's remarks
        if too_long:
            with pytest.raises(ValueError, match="too long"):
                store.set_day_review("王芳", "2025-03-03", strengths=hostile)
        else:
            store.set_day_review("王芳", "2025-03-03", strengths=f"好{hostile}", weaknesses=hostile)
    assert_nothing_stored_with_controls(db)


def test_import_paths(tmp_path):
    source = tmp_path / "list.csv"
    source.write_text(
        "公司,联系人,电话,备注\n"
        f'"甲{PWNED}公司","张\x7f三",13812345678,"第一行\n第二行{PWNED}"\n'
        f'"{"乙" * 250}",李四,13912345678,\n'
        f"丙公司,{'王' * 101},13712345678,\n",
        encoding="utf-8",
    )
    db = tmp_path / "t.db"
    result = run("leads", "import", source, "--db", db)
    assert result.exit_code == 0, result.output
    assert "row 3: rejected: 公司: too long (250 characters, at most 200)" in result.output
    assert "row 4: rejected: 联系人: too long (101 characters, at most 100)" in result.output
    with Store.open(db) as store:
        (lead,) = store.list_leads()
    assert lead.company == "甲]0;PWNED[2J公司" and lead.contact == "张三"
    assert lead.notes == "第一行\n第二行]0;PWNED[2J"
    assert_nothing_stored_with_controls(db)


def test_cli_paths(tmp_path):
    db = tmp_path / "t.db"
    result = run("leads", "dnc", "13812345678", "--company", PWNED, "--reason", f"不要{PWNED}", "--agent", f"王{PWNED}")
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output
    result = run("leads", "dnc", "13812345679", "--company", "x" * 5000, "--db", db)
    assert result.exit_code == 2 and "company: too long (5,000 characters, at most 200)" in result.output
    run("leads", "dnc", "13812345670", "--company", PWNED, "--db", db)
    with Store.open(db) as store:
        store.ensure_agent("王芳")
    result = run("report", "remark", "--db", db, "--agent", "王芳", "--优点", f"好{PWNED}", "--建议", "a\nb")
    assert result.exit_code == 0 and "\x1b" not in result.output
    result = run("report", "remark", "--db", db, "--agent", "王芳", "--缺点", "x" * 5000)
    assert result.exit_code == 2 and "remark: too long" in result.output
    result = run("report", "remark", "--db", db, "--agent", "王" * 65, "--优点", "x")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert_nothing_stored_with_controls(db)


def test_stored_escapes_never_reach_the_terminal(tmp_path):
    """A file written before the rule (or by another program) still holds escapes: what the CLI
    prints and what the app reads from it has none."""
    db = tmp_path / "old.db"
    with Store.open(db) as store:
        lead = store.add_lead("甲公司", "13812345678", industry="电子")
        store.mark_do_not_call_by_phone("13912345678", "不要再打")
        agent = store.ensure_agent("王芳")
        store.set_day_review(agent, "2025-03-03", strengths="好")
    with sqlite3.connect(db) as conn:  # as an old release or another tool would have written it
        conn.execute("UPDATE leads SET company = ?, contact = ?, industry = ?", (f"甲{PWNED}", PWNED, f"电子{PWNED}"))
        conn.execute("UPDATE leads SET notes = notes || ? WHERE do_not_call = 1", (PWNED,))
        conn.execute("UPDATE agent_day_reviews SET strengths = ?", (PWNED,))
        conn.execute("UPDATE agents SET name = ?", (f"王芳{PWNED}",))
    outputs = [
        run("leads", "list", "--db", db),
        run("leads", "list", "--db", db, "--dnc"),
        run("leads", "list", "--db", db, "--json"),
        run("report", "remark", "--db", db, "--agent", f"王芳{PWNED}", "--date", "2025-03-03"),
        run("report", "daily", "--db", db, "--date", "2025-03-03"),
        run("export", "calls", "--db", db, "--date", "2025-03-03", "--out", "-"),
    ]
    for result in outputs:
        assert result.exit_code == 0, result.output
        assert "\x1b" not in result.output and "\x07" not in result.output, result.output
    with Store.open(db) as store:
        shown = store.get_lead(lead.id)
        assert shown.company == "甲]0;PWNED[2J" and shown.contact == "]0;PWNED[2J"
        assert all("\x1b" not in a.name for a in store.agents())
