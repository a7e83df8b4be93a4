"""``callscript report funnel | versions | market | coaching`` and ``db check --derived`` end to end."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from callscript.cli.main import cli
from reports.conftest import read_csv, read_xlsx
from reports.test_funnel import build


def run(*args: str, code: int = 0):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


@pytest.fixture(scope="module")
def db_path(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("cli") / "funnel.db")


def test_funnel_table_json_csv_xlsx(db_path, tmp_path):
    db = ["--db", str(db_path)]
    out = run("report", "funnel", *db).output
    assert out.startswith("话术漏斗  漏斗测试脚本 版本 #1") and "流失最多的地方:" in out
    assert "1. 「询问」: 到达 5 次, 2 次在这里流失" in out
    data = json.loads(run("report", "funnel", *db, "--agent", "王芳", "--format", "json").output)
    assert data["calls"] == 4 and data["agent"] == "王芳"
    assert {r["node_id"]: r["arrivals"] for r in data["rows"]} == {"greet": 4, "ask": 3, "star": 3, "confirm": 3}
    csv_file = tmp_path / "f.csv"
    run("report", "funnel", *db, "--industry", "金融业", "--out", str(csv_file))
    assert csv_file.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = read_csv(csv_file.read_text(encoding="utf-8-sig"))
    assert rows[0][:5] == ["节点", "节点id", "到达", "继续", "结束"] and rows[1][:3] == ["开场", "greet", "3"]
    xlsx = tmp_path / "f.xlsx"
    run("report", "funnel", *db, "--script-version", "1", "--out", str(xlsx))
    book = read_xlsx(xlsx.read_bytes())
    assert set(book) == {"话术漏斗", "流失最多的地方", "各选项占比"}
    run("report", "funnel", *db, "--out", str(xlsx), code=2)  # exists: --force to replace it
    run("report", "funnel", *db, "--out", str(xlsx), "--force")


def test_bad_input_exits_2_without_a_traceback(db_path, tmp_path):
    db = ["--db", str(db_path)]
    for args, says in (
        (("--script-version", "99"), "no script version '99'"),
        (("--agent", "nobody"), "no agent named 'nobody'"),
        (("--from", "2025-03-05", "--to", "2025-03-01"), "before --from"),
        (("--from", "2026-01-01"), "没有通话记录"),
    ):
        result = run("report", "funnel", *db, *args, code=2)
        assert says in result.output and "Traceback" not in result.output
    run("report", "coaching", *db, "--agent", "nobody", code=2)
    bad = tmp_path / "aliases.yaml"
    bad.write_text("centres:\n  艺龙: [eLong]\n  易龙: [elong]\n", encoding="utf-8")
    result = run("report", "market", *db, "--aliases", str(bad), code=2)
    assert f"{bad}:3:" in result.output and "already a spelling" in result.output


def test_versions_market_coaching(db_path):
    db = ["--db", str(db_path)]
    data = json.loads(run("report", "versions", *db, "--format", "json").output)
    assert [(r["script_version"], r["rate_name"], r["calls"]) for r in data["rows"]] == [
        (1, "有效率", 6),
        (1, "寄卡率", 6),
        (1, "好客户率", 6),
    ]
    assert data["changes"] == []
    assert "市场情况" in run("report", "market", *db).output
    out = run("report", "coaching", *db, "--agent", "王芳").output
    assert out.startswith("业务员辅导  王芳") and "流失率差" in out


def test_db_check_derived_finds_a_damaged_table_and_rebuild_repairs_it(db_path, tmp_path):
    path = tmp_path / "damaged.db"
    shutil.copy(db_path, path)
    db = ["--db", str(path)]
    assert "ok" in run("db", "check", *db, "--derived").output
    from callscript.storage import connect

    conn = connect(path)
    conn.conn.execute("UPDATE funnel_day SET n = n + 1 WHERE node = 'ask' AND kind = 'go'")
    conn.conn.execute("DELETE FROM market_day")
    conn.close()
    result = run("db", "check", *db, "--derived", code=1)
    assert "funnel_day" in result.output and "market_day" in result.output and "report rebuild" in result.output
    assert "ok" in run("db", "check", *db).output  # without --derived: the quick check does not recompute
    run("report", "rebuild", *db)
    assert "ok" in run("db", "check", *db, "--derived").output
