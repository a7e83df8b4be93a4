"""Every CLI value that could crash is a usage error (exit 2, no traceback), and every file the
CLI writes is private, atomic, never over an existing file without --force and never over
the database in use (issue 14, items 1, 2, 4, 5, 6)."""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from leads import sample_data
from leads.helpers import csv_bytes
from openpyxl import load_workbook
from reports.conftest import D1, build_known_db, read_csv

from callscript.cli.main import cli
from callscript.storage import Store

ROOT = Path(__file__).resolve().parents[2]


def run(*args, env=None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


def assert_usage_error(result, words: str = "") -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "error" in result.output.lower()
    assert words in result.output


@pytest.fixture
def known(tmp_path) -> Path:
    return build_known_db(tmp_path / "known.db")


def integrity(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


# --------------------------------------------------------------------------- option values

BAD_VALUES = [
    (["report", "daily", "--date", "-99999999"], "超出范围"),
    (["report", "daily", "--date", "9999-12-31"], "超出范围"),
    (["report", "daily", "--date", "明年"], "看不懂日期"),
    (["report", "range", "--from", "0001-01-01"], "超出范围"),
    (["report", "range", "--from", "2025-03-01", "--to", "x"], "--to"),
    (["report", "yield", "--min-leads", "99999999999999999999"], "--min-leads"),
    (["report", "due", "--at", "9999-12-31T23:59"], "超出范围"),
    (["report", "due", "--at", "nonsense"], "看不懂时间"),
    (["report", "due", "--overdue-days", "999999999"], "--overdue-days"),
    (["report", "due", "--overdue-days", "-1"], "--overdue-days"),
    (["report", "remark", "--agent", "王芳", "--date", "+99999999"], "超出范围"),
    (["demo-data", "--end", "0001-01-01"], "超出范围"),
    (["demo-data", "--days", "99999999999999999999"], "--days"),
    (["demo-data", "--agents", "0"], "--agents"),
    (["demo-data", "--seed", "-1"], "--seed"),
    (["demo-data", "--seed", "9" * 5000], "--seed"),
    (["leads", "list", "--limit", "99999999999999999999"], "--limit"),
    (["leads", "list", "--limit", "-1"], "--limit"),
    (["leads", "list", "--limit", "0"], "--limit"),
    (["leads", "list", "--limit", "nan"], "--limit"),
    (["db", "check", "--stale-hours", "nan"], "--stale-hours"),
    (["db", "check", "--stale-hours", "inf"], "--stale-hours"),
    (["db", "check", "--stale-hours", "-1"], "--stale-hours"),
    (["db", "stale", "--hours", "inf"], "--hours"),
    (["db", "stale", "--hours", "-inf"], "--hours"),
    (["db", "stale", "--hours", "1e400"], "--hours"),
    (["db", "close-call", "99999999999999999999", "--outcome", "busy"], "CALL_ID"),
    (["db", "close-call", "0", "--outcome", "busy"], "CALL_ID"),
    (["db", "close-call", "1", "--outcome", "callback", "--due", "0:30"], "不在上班时间"),
    (["export", "calls", "--date", "-99999999"], "超出范围"),
    (["export", "mailings", "--from", "2025-13-01"], "没有这一天"),
    (["export", "mailings", "--to", "\x1b]0;PWNED\x07"], "看不懂日期"),
    (["show", "scripts/ctrip.yaml", "--width", "99999999999"], "--width"),
    (["paths", "scripts/ctrip.yaml", "--limit", "0"], "--limit"),
    (["paths", "scripts/ctrip.yaml", "--rows", "99999999999999999999"], "--rows"),
]


@pytest.mark.parametrize("args, words", BAD_VALUES, ids=[" ".join(a)[:60] for a, _ in BAD_VALUES])
def test_bad_option_values_are_usage_errors(known, args, words, monkeypatch):
    monkeypatch.chdir(ROOT)
    before = known.read_bytes()
    result = run(*args, "--db", known) if args[0] not in ("show", "paths") else run(*args)
    assert_usage_error(result, words)
    assert known.read_bytes() == before


def test_good_values_still_work(known, monkeypatch):
    assert run("report", "daily", "--db", known, "--date", "2025-03-03").exit_code == 0
    assert run("report", "due", "--db", known, "--at", "2025-03-11 10:00").exit_code == 0
    assert run("report", "due", "--db", known, "--at", "2025-03-11T10:00:00+08:00").exit_code == 0
    assert run("db", "check", "--db", known, "--stale-hours", "0.5").exit_code in (0, 1)
    result = run("leads", "list", "--db", known, "--limit", "100000", "--json")
    assert result.exit_code == 0, result.output


def test_business_hours_from_the_environment(known, monkeypatch):
    from datetime import datetime

    from callscript.cli.params import MomentParam

    result = run("db", "close-call", "12", "--outcome", "callback", "--due", "2030-01-02 08:00", "--db", known)
    assert_usage_error(result, "08:00 不在上班时间 (08:30–21:00)")
    due = MomentParam(business_hours=True)
    monkeypatch.setenv("CALLSCRIPT_BUSINESS_HOURS", "07:30-20:00")
    assert due.convert("2030-01-02 08:00", None, None) == datetime(2030, 1, 2, 8).astimezone()
    monkeypatch.setenv("CALLSCRIPT_BUSINESS_HOURS", "x")
    result = run("db", "close-call", "12", "--outcome", "callback", "--due", "2030-01-02 10:00", "--db", known)
    assert_usage_error(result, "看不懂上班时间")


# --------------------------------------------------------------------------- output files


def test_an_export_never_replaces_the_database_in_use(known, monkeypatch):
    before = known.read_bytes()
    for out in (known, Path(f"{known}-wal"), Path(f"{known}-shm"), Path(f"{known}-journal")):
        for force in ([], ["--force"]):
            result = run("export", "calls", "--db", known, "--date", "2025-03-03", "--out", out, *force)
            assert_usage_error(result, "database in use")
            result = run("report", "daily", "--db", known, "--date", "2025-03-03", "--out", out, *force)
            assert_usage_error(result, "database in use")
    monkeypatch.chdir(known.parent)  # the same file named relatively
    assert_usage_error(run("export", "calls", "--db", known, "--out", "known.db", "--force"), "database in use")
    assert known.read_bytes() == before and integrity(known) == "ok"


def test_problems_file_over_the_database_is_refused_before_importing(tmp_path):
    db = tmp_path / "self.db"
    assert run("leads", "import", sample_data.CSV_PATH, "--db", db).exit_code == 0
    with Store.open(db) as store:
        count = len(store.list_leads())
    source = tmp_path / "more.csv"
    source.write_bytes(csv_bytes([["公司", "电话"], ["新公司", "13912345678"], ["坏", "1"]]))
    result = run("leads", "import", source, "--db", db, "--problems", db, "--force")
    assert_usage_error(result, "database in use")
    with Store.open(db) as store:
        assert len(store.list_leads()) == count  # refused before the import, not after
    assert integrity(db) == "ok"


def test_files_are_0600_and_not_replaced_without_force(known, tmp_path, monkeypatch):
    monkeypatch.delenv("CALLSCRIPT_FILE_MODE", raising=False)
    old = os.umask(0o022)
    try:
        outputs = {
            "daily.csv": ["report", "daily", "--date", "2025-03-03"],
            "daily.xlsx": ["report", "daily", "--date", "2025-03-03"],
            "due.json": ["report", "due", "--at", "2025-03-11 10:00"],
            "calls.csv": ["export", "calls", "--from", "2025-03-01", "--to", "2025-03-05"],
            "mail.xlsx": ["export", "mailings", "--from", "2025-03-01", "--to", "2025-03-05"],
        }
        for name, args in outputs.items():
            out = tmp_path / name
            result = run(*args, "--db", known, "--out", out)
            assert result.exit_code == 0, result.output
            assert stat.S_IMODE(out.stat().st_mode) == 0o600, name
            written = out.read_bytes()
            assert_usage_error(run(*args, "--db", known, "--out", out), "already exists; use --force")
            assert out.read_bytes() == written
            assert run(*args, "--db", known, "--out", out, "--force").exit_code == 0
            assert stat.S_IMODE(out.stat().st_mode) == 0o600
        out = tmp_path / "shared.csv"
        result = run(*outputs["daily.csv"], "--db", known, "--out", out, env={"CALLSCRIPT_FILE_MODE": "0640"})
        assert result.exit_code == 0 and stat.S_IMODE(out.stat().st_mode) == 0o640
        result = run(
            *outputs["daily.csv"], "--db", known, "--out", tmp_path / "x.csv", env={"CALLSCRIPT_FILE_MODE": "777"}
        )
        assert_usage_error(result, "CALLSCRIPT_FILE_MODE")
        # xlsx without --out goes to a named file here, under the same rules
        monkeypatch.chdir(tmp_path)
        assert run("report", "daily", "--db", known, "--date", "2025-03-03", "--format", "xlsx").exit_code == 0
        assert stat.S_IMODE((tmp_path / "日分析表-2025-03-03.xlsx").stat().st_mode) == 0o600
        result = run("report", "daily", "--db", known, "--date", "2025-03-03", "--format", "xlsx")
        assert_usage_error(result, "already exists")
    finally:
        os.umask(old)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_the_problems_file_is_checked_before_the_import_commits(tmp_path):
    db = tmp_path / "leads.db"
    source = tmp_path / "list.csv"
    source.write_bytes(csv_bytes([["公司", "电话"], ["甲公司", "13812345678"], ["乙公司", "123"]]))
    existing = tmp_path / "problems.csv"
    existing.write_text("keep")
    assert_usage_error(run("leads", "import", source, "--db", db, "--problems", existing), "already exists")
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    assert_usage_error(run("leads", "import", source, "--db", db, "--problems", blocker / "p.csv"), "not a directory")
    with Store.open(db) as store:
        assert store.list_leads() == []  # nothing imported
    assert existing.read_text() == "keep"
    result = run("leads", "import", source, "--db", db, "--problems", existing, "--force")
    assert result.exit_code == 0, result.output
    assert read_csv(existing.read_bytes().decode("utf-8"))[1][:2] == ["3", "rejected"]
    assert stat.S_IMODE(existing.stat().st_mode) == 0o600


def test_a_problems_file_that_fails_after_the_commit_says_what_was_committed(tmp_path, monkeypatch):
    import callscript.files.output as output

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output, "write_atomically", full_disk)
    db = tmp_path / "leads.db"
    source = tmp_path / "list.csv"
    source.write_bytes(csv_bytes([["公司", "电话"], ["甲公司", "13812345678"], ["乙公司", "123"]]))
    result = run("leads", "import", source, "--db", db, "--problems", tmp_path / "p.csv")
    assert_usage_error(result, "1 lead(s) imported and committed; not written:")
    assert "No space left on device" in result.output
    with Store.open(db) as store:
        assert len(store.list_leads()) == 1


def _without_root_override() -> list[str] | None:
    """A command prefix under which file permissions apply (root ignores them otherwise)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    probe = subprocess.run(
        [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--", "true"], capture_output=True, check=False
    )
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"] if probe.returncode == 0 else None


def test_an_unwritable_directory_is_refused_before_the_import_commits(tmp_path):
    prefix = _without_root_override()
    if prefix is None:
        pytest.skip("running as root without setpriv: permissions cannot be tested")
    db = tmp_path / "leads.db"
    source = tmp_path / "list.csv"
    source.write_bytes(csv_bytes([["公司", "电话"], ["甲公司", "13812345678"], ["乙公司", "123"]]))
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        result = subprocess.run(
            [
                *prefix,
                sys.executable,
                "-m",
                "callscript",
                "leads",
                "import",
                str(source),
                "--db",
                str(db),
                "--problems",
                str(locked / "problems.csv"),
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )
    finally:
        locked.chmod(0o700)
    assert result.returncode == 2, result.stderr
    assert "cannot write in" in result.stderr and "Traceback" not in result.stderr
    with Store.open(db) as store:
        assert store.list_leads() == []


# --------------------------------------------------------------------------- formulas in reports


def test_report_cells_never_run_as_formulas(known, tmp_path):
    hyperlink = '=HYPERLINK("http://r","x")'
    result = run("report", "remark", "--db", known, "--agent", "王芳", "--date", D1, "--优点", hyperlink)
    assert result.exit_code == 0, result.output
    with Store.open(known) as store:
        store.conn.execute("UPDATE leads SET industry = '=1+1' WHERE industry = '金融业'")
    assert run("report", "rebuild", "--db", known).exit_code == 0
    cases = [
        (["report", "daily", "--date", D1, "--by", "agent"], "王芳", hyperlink),
        (["report", "daily", "--date", D1], "=1+1", None),
        (["report", "yield"], "=1+1", None),
    ]
    for args, key, remark in cases:
        csv_file, xlsx_file = tmp_path / f"{args[1]}-{key[:2]}.csv", tmp_path / f"{args[1]}-{key[:2]}.xlsx"
        assert run(*args, "--db", known, "--out", csv_file, "--force").exit_code == 0
        rows = read_csv(csv_file.read_bytes().decode("utf-8"))
        row = next(r for r in rows if r[0].lstrip("'") == key)
        if key.startswith("="):
            assert row[0] == "'=1+1"
        if remark:
            assert "'" + remark in row
        assert run(*args, "--db", known, "--out", xlsx_file, "--force").exit_code == 0
        book = load_workbook(io.BytesIO(xlsx_file.read_bytes()))
        cells = [c for ws in book.worksheets for r in ws.iter_rows() for c in r]
        assert all(c.data_type != "f" for c in cells)
        values = {c.value for c in cells}
        assert key in values and (remark is None or remark in values)
