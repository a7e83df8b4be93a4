"""``callscript report …`` and ``callscript demo-data`` end to end (click's runner, tmp files)."""

from __future__ import annotations

import json

from backends import copy_of
from click.testing import CliRunner

from callscript.cli.main import cli
from reports.conftest import read_csv, read_xlsx


def run(*args: str, ok: bool = True):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def test_daily_table_json_csv_xlsx(known_db, tmp_path):
    db = ["--db", str(known_db)]
    out = run("report", "daily", *db, "--date", "2025-03-03").output
    assert out.startswith("数据情况日分析表  2025-03-03  按行业") and "金融业" in out and "合计" in out
    data = json.loads(run("report", "daily", *db, "--date", "2025-03-03", "--by", "agent", "--format", "json").output)
    assert [r["agent"] for r in data["rows"]] == ["张伟", "李娜", "王芳"]
    csv_file = tmp_path / "d.csv"
    run("report", "daily", *db, "--date", "2025-03-03", "--out", str(csv_file))  # format from the extension
    raw = csv_file.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Chinese as UTF-8
    rows = read_csv(raw.decode("utf-8"))
    assert rows[0][:4] == ["行业", "总个数", "有效数", "寄卡量"] and rows[-1][0] == "合计"
    xlsx = tmp_path / "d.xlsx"
    result = run("report", "daily", *db, "--date", "2025-03-03", "--format", "xlsx", "--out", str(xlsx))
    assert "wrote" in result.output
    assert read_xlsx(xlsx.read_bytes())["日分析表 2025-03-03"][1][0] == "金融业"


def test_range_yield_due(known_db):
    db = ["--db", str(known_db)]
    data = json.loads(
        run("report", "range", *db, "--from", "2025-03-03", "--to", "2025-03-05", "--format", "json").output
    )
    assert data["total"]["leads"] == 9 and data["total"]["mail_rate"] == 0.4444
    data = json.loads(run("report", "yield", *db, "--min-leads", "2", "--format", "json").output)
    assert [r["industry"] for r in data["rows"]] == ["金融业", "医药保健业", "临时组织", "学校", "未分类"]
    data = json.loads(
        run("report", "due", *db, "--at", "2025-03-11 10:00", "--agent", "李娜", "--format", "json").output
    )
    assert [r["kind"] for r in data["rows"]] == ["回电", "回访", "回访"]
    assert "回访时段" in run("report", "due", *db, "--at", "2025-03-11 10:00").output


def test_remark_write_update_and_show(known_db, tmp_path):
    path = copy_of(known_db, tmp_path / "r.db")
    db = ["--db", str(path)]
    run("report", "remark", *db, "--agent", "李娜", "--date", "2025-03-03", "--优点", "回电及时", "--缺点", "话太多")
    run("report", "remark", *db, "--agent", "李娜", "--date", "2025-03-03", "--suggestions", "少说多问")
    shown = run("report", "remark", *db, "--agent", "李娜", "--date", "2025-03-03").output
    assert "优点: 回电及时" in shown and "缺点: 话太多" in shown and "建议: 少说多问" in shown
    run("report", "remark", *db, "--agent", "李娜", "--date", "2025-03-03", "--缺点", "")
    data = json.loads(run("report", "daily", *db, "--date", "2025-03-03", "--by", "agent", "--format", "json").output)
    row = next(r for r in data["rows"] if r["agent"] == "李娜")
    assert (row["strengths"], row["weaknesses"], row["suggestions"]) == ("回电及时", None, "少说多问")
    bad = run("report", "remark", *db, "--agent", "无名", "--优点", "x", ok=False)
    assert bad.exit_code == 2 and "no agent named" in bad.output


def test_bad_input_exits_2(known_db, tmp_path):
    assert run("report", "daily", "--db", str(known_db), "--date", "明年", ok=False).exit_code == 2
    assert (
        run("report", "range", "--db", str(known_db), "--from", "2025-03-05", "--to", "2025-03-01", ok=False).exit_code
        == 2
    )
    missing = run("report", "daily", "--db", str(tmp_path / "none.db"), ok=False)
    assert missing.exit_code == 2 and "no database" in missing.output
    assert not (tmp_path / "none.db").exists()


def test_demo_data_then_reports(tmp_path):
    path = tmp_path / "demo.db"
    out = run("demo-data", "--db", str(path), "--days", "10", "--agents", "3", "--end", "2025-03-07").output
    assert "3 agents" in out and "2025-02-26 to 2025-03-07" in out
    again = run("demo-data", "--db", str(path), "--days", "2", "--end", "2025-03-07", ok=False)
    assert again.exit_code == 2 and "--append" in again.output
    data = json.loads(run("report", "daily", "--db", str(path), "--date", "2025-03-07", "--format", "json").output)
    assert data["total"]["leads"] > 100 and data["total"]["mailed"] > 0
    assert run("report", "rebuild", "--db", str(path)).output.startswith("report tables rebuilt")


def test_maintenance_kind_daily_and_range(known_db, tmp_path):
    """客户维护日表 per agent (tests/reports/test_maintenance.py has every cell)."""
    db = ["--db", str(known_db)]
    data = json.loads(
        run("report", "daily", *db, "--date", "2025-03-03", "--kind", "maintenance", "--format", "json").output
    )
    assert data["report"] == "maintenance" and data["kind"] == "maintenance"
    assert [(r["agent"], r["done"], r["done_in_slot"], r["booked_on_call"]) for r in data["rows"]] == [
        ("李娜", 1, 1, 1)
    ]
    text = run("report", "range", *db, "--from", "2025-02-24", "--to", "2025-03-05", "--kind", "maintenance").output
    assert text.startswith("客户维护总表  2025-02-24 至 2025-03-05  按业务员")
    xlsx = tmp_path / "m.xlsx"
    run("report", "daily", *db, "--date", "2025-03-05", "--kind", "maintenance", "--out", str(xlsx))
    assert read_xlsx(xlsx.read_bytes())["客户维护日表 2025-03-05"][1][0] == "王芳"
    csv_rows = read_csv(
        run("report", "daily", *db, "--date", "2025-03-05", "--kind", "maintenance", "--format", "csv").output
    )
    assert csv_rows[0][:3] == ["业务员", "应回访", "已回访"] and csv_rows[-1][0] == "合计"
    bad = run("report", "daily", *db, "--kind", "maintenance", "--by", "industry", ok=False)
    assert bad.exit_code == 2 and "per agent" in bad.output
    dev = json.loads(run("report", "daily", *db, "--date", "2025-03-05", "--format", "json").output)
    assert dev["kind"] == "development" and dev["total"]["calls"] == 3  # c11, c14, c17 are maintenance
