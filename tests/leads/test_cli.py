"""callscript leads import|list|dnc and export mailings|calls, through click."""

from __future__ import annotations

import codecs
import csv
import io
import json
from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from callscript.cli.main import cli
from callscript.storage import Store
from leads import sample_data
from leads.helpers import csv_bytes, shipped_script


@pytest.fixture
def db(db_location):
    """Where the commands write: a file not made yet, or a PostgreSQL database (tests/conftest.py)."""
    return db_location


def run(*args, input=None):
    result = CliRunner().invoke(cli, list(map(str, args)), input=input, catch_exceptions=False)
    return result


def test_import_the_sample(db):
    result = run("leads", "import", sample_data.CSV_PATH, "--db", db)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "CSV, UTF-8 with BOM, header on row 1, 42 rows" in out
    assert "row 37: rejected: no phone number" in out
    assert "row 40: duplicate: duplicate of row 3 (+8613823456701)" in out
    assert "imported 35 · duplicates skipped 2 (2 within the file, 0 already in the database) · rejected 5" in out
    again = run("leads", "import", sample_data.XLSX_PATH, "--db", db, "--dry-run")
    assert again.exit_code == 0
    assert "would import 0 · duplicates skipped 37" in again.output and "dry run: nothing was written" in again.output


def test_import_json_problems_file_and_map(db, tmp_path):
    source = tmp_path / "list.csv"
    source.write_bytes(csv_bytes([["单位", "联系方式"], ["甲公司", "13812345678"], ["乙公司", "123"]], encoding="gbk"))
    problems = tmp_path / "problems.csv"
    result = run(
        "leads",
        "import",
        source,
        "--db",
        db,
        "--map",
        "单位=company",
        "--map",
        "联系方式=phone",
        "--json",
        "--problems",
        problems,
        "--source",
        "广交会",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["encoding"], data["imported"], data["rejected"][0]["row"]) == ("GBK", 1, 3)
    rows = list(csv.reader(io.StringIO(problems.read_bytes().decode("utf-8-sig"))))
    assert rows[0] == ["row", "status", "reason"] and rows[1][:2] == ["3", "rejected"]
    with Store.open(db) as store:
        assert store.list_leads()[0].source == "广交会"


@pytest.mark.parametrize(
    "args, words",
    [
        (["--map", "单位"], "write COLUMN=FIELD"),
        (["--map", "单位=nonsense"], "not a lead field"),
        (["--region", "XX"], "unknown phone region"),
    ],
)
def test_import_bad_options_exit_2(db, args, words):
    result = run("leads", "import", sample_data.CSV_PATH, "--db", db, *args)
    assert result.exit_code == 2 and words in result.output


def test_import_bad_file_exit_2(db, tmp_path):
    result = run("leads", "import", tmp_path / "missing.csv", "--db", db)
    assert result.exit_code == 2 and "error:" in result.output and "cannot read" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    result = run("leads", "import", bad, "--db", db, "--strict")
    assert result.exit_code == 2 and "no phone column" in result.output


def test_list_and_dnc(db):
    run("leads", "import", sample_data.CSV_PATH, "--db", db)
    result = run("leads", "dnc", "+86 138-2345-6701", "--reason", "客户要求", "--db", db, "--agent", "王芳")
    assert result.exit_code == 0 and "marked do-not-call" in result.output
    listed = json.loads(run("leads", "list", "--db", db, "--json", "--limit", "1000").output)
    assert len(listed) == 34 and all(r["stage"] == "new" for r in listed)
    assert "138 2345 6701" not in {r["phone"] for r in listed}
    dnc = run("leads", "list", "--dnc", "--db", db, "--mask-phones")
    assert "138 **** 6701" in dnc.output and "不再拨打" in dnc.output and "王芳" in dnc.output
    table = run("leads", "list", "--db", db, "--limit", "3")
    assert table.exit_code == 0 and "新客户" in table.output and "3 lead(s) (limit 3)" in table.output
    assert run("leads", "dnc", "12", "--db", db).exit_code == 2
    undo = run("leads", "dnc", "13823456701", "--undo", "--db", db)
    assert undo.exit_code == 0 and "may be called again" in undo.output
    assert run("leads", "list", "--stage", "nonsense", "--db", db).exit_code == 2


def test_exports(db, tmp_path):
    with Store.open(db) as store:
        script = shipped_script()
        lead = store.add_lead("广州恒信贸易有限公司", "020-3888 1234", contact="王建华", title="采购部经理")
        call_id = store.start_call(lead.id, "王芳", store.store_script_version(script))
        store.finish_call(call_id, "mailed", {"address": "广州市天河区"}, None)
    today = date.today().isoformat()
    out = tmp_path / "mail.csv"
    result = run("export", "mailings", "--db", db, "--out", out, "--mask-phones")
    assert result.exit_code == 0 and "wrote 1 mailings row(s)" in result.output
    data = out.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    (row,) = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
    assert (row["联系人"], row["地址"], row["电话"], row["寄出日期"]) == (
        "王建华",
        "广州市天河区",
        "020 **** 1234",
        today,
    )
    xlsx = tmp_path / "calls.xlsx"
    result = run("export", "calls", "--db", db, "--from", "yesterday", "--to", "today", "--out", xlsx, "--lang", "en")
    assert result.exit_code == 0 and xlsx.exists()
    result = run("export", "calls", "--db", db, "--date", today, "--out", "-")
    assert "通话编号" in result.output
    old = (date.today() - timedelta(days=30)).isoformat()
    result = run("export", "mailings", "--db", db, "--date", old, "--out", tmp_path / "none.csv")
    assert "wrote 0 mailings row(s)" in result.output
    assert run("export", "mailings", "--db", db, "--date", "x").exit_code == 2
    assert run("export", "mailings", "--db", db, "--date", today, "--from", today).exit_code == 2
    assert run("export", "mailings", "--db", tmp_path / "nope.db").exit_code == 2
