"""Permissions (item 4), bounded reads (item 9) and the smaller findings (item 10) of issue 14."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time

import pytest
from click.testing import CliRunner
from leads.helpers import csv_bytes
from openpyxl import Workbook

from callscript.cli.main import cli
from callscript.core.phones import PhoneError, parse_phone
from callscript.core.reading import FileTooBig, read_bounded
from callscript.leads import readers
from callscript.storage import SCHEMA_VERSION, Store
from cli.test_options_and_files import ROOT, _without_root_override, assert_usage_error


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def as_user(*args, cwd=ROOT) -> subprocess.CompletedProcess:
    """``callscript ARGS`` in a child process for which file permissions apply (even as root)."""
    prefix = _without_root_override()
    if prefix is None:
        pytest.skip("running as root without setpriv: permissions cannot be tested")
    return subprocess.run(
        [*prefix, sys.executable, "-m", "callscript", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def assert_child_error(result: subprocess.CompletedProcess, words: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert words in result.stderr, result.stderr


# --------------------------------------------------------------------------- item 4: permissions


def test_db_init_in_an_unwritable_directory(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        result = as_user("db", "init", "--db", locked / "new.db")
    finally:
        locked.chmod(0o700)
    assert_child_error(result, f"cannot create {locked / 'new.db'}: permission denied ({locked} is not writable")
    assert not (locked / "new.db").exists()


def test_an_existing_database_in_a_read_only_directory_says_sqlite_needs_its_wal_files(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "calls.db"
    Store.open(db).close()  # closed cleanly: no -wal/-shm left beside it
    assert not (folder / "calls.db-wal").exists()
    folder.chmod(0o500)
    try:
        results = [
            as_user("leads", "list", "--db", db),
            as_user("leads", "dnc", "13812345678", "--db", db),
            as_user("report", "daily", "--db", db),
        ]
    finally:
        folder.chmod(0o700)
    for result in results:
        assert_child_error(result, "SQLite needs to create calls.db-wal and calls.db-shm beside the database")
        assert f"{folder} is not writable" in result.stderr


def test_a_read_only_database_file_is_read_but_not_written(tmp_path):
    db = tmp_path / "calls.db"
    with Store.open(db) as store:
        store.add_lead("甲公司", "13812345678")
    db.chmod(0o400)
    try:
        listed = as_user("leads", "list", "--db", db)
        marked = as_user("leads", "dnc", "13812345678", "--db", db)
    finally:
        db.chmod(0o600)
    assert listed.returncode == 0 and "甲公司" in listed.stdout, listed.stderr
    assert_child_error(marked, f"{db} cannot be written: the file is read-only (mode 0400)")
    with Store.open(db) as store:
        assert not store.list_leads()[0].do_not_call


# --------------------------------------------------------------------------- item 9: bounded reads


def test_import_of_dev_zero_stops_at_once(tmp_path):
    started = time.monotonic()
    result = run("leads", "import", "/dev/zero", "--dry-run", "--db", str(tmp_path / "fresh-dir" / "never.db"))
    assert_usage_error(result, "is not a text file (it contains NUL bytes)")
    assert time.monotonic() - started < 5


def test_validate_of_dev_zero_reads_at_most_the_limit():
    started = time.monotonic()
    result = run("validate", "/dev/zero")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "more than 64 MB" in result.output
    assert time.monotonic() - started < 10


def test_answers_and_facts_files_are_bounded():
    assert_usage_error(run("grade", "--facts", "/dev/zero"), "more than 64 MB")


def test_a_pipe_is_read_within_the_limit(tmp_path, monkeypatch):
    """``leads import <(…)``: a FIFO is fine while it is small; one that never ends stops at the cap."""
    fifo = tmp_path / "list.fifo"
    os.mkfifo(fifo)
    payload = csv_bytes([["公司", "电话"], ["甲公司", "13812345678"]])

    def feed(data: bytes, forever: bool = False) -> None:
        try:
            with open(fifo, "wb") as pipe:
                pipe.write(data)
                while forever:
                    pipe.write(b"x" * 65536)
        except BrokenPipeError:
            pass

    writer = threading.Thread(target=feed, args=(payload,))
    writer.start()
    result = run("leads", "import", fifo, "--db", tmp_path / "a.db")
    writer.join()
    assert result.exit_code == 0 and "imported 1" in result.output, result.output
    monkeypatch.setattr(readers, "MAX_FILE_BYTES", 1_000_000)
    writer = threading.Thread(target=feed, args=(payload, True))
    writer.start()
    result = run("leads", "import", fifo, "--db", tmp_path / "a.db")
    writer.join(timeout=10)
    assert_usage_error(result, "more than 0 MB is too big to import at once (split it); read stopped there")


def test_read_bounded_never_reads_past_its_limit(tmp_path):
    big = tmp_path / "big"
    big.write_bytes(b"a" * 5000)
    assert read_bounded(big, 5000) == b"a" * 5000
    with pytest.raises(FileTooBig) as too_big:
        read_bounded(big, 4999)
    assert too_big.value.limit == 4999
    with pytest.raises(IsADirectoryError):
        read_bounded(tmp_path, 10)


# --------------------------------------------------------------------------- item 10


def test_a_huge_csv_cell_rejects_its_row_not_the_file(tmp_path):
    source = tmp_path / "list.csv"
    source.write_bytes(
        csv_bytes(
            [
                ["公司", "电话", "网址"],
                ["甲公司", "13812345678", ""],
                ["乙公司", "13912345678", "x" * 140_000],
                ["丙公司", "13712345678", ""],
            ]
        )
    )
    result = run("leads", "import", source, "--db", tmp_path / "a.db")
    assert result.exit_code == 0, result.output
    assert "row 3: rejected: 网址: a cell of 140,000 characters (at most 131,072)" in result.output
    assert "imported 2" in result.output


def test_search_takes_wildcards_literally(tmp_path):
    db = tmp_path / "a.db"
    with Store.open(db) as store:
        store.add_lead("百分之百%公司", "13812345678")
        store.add_lead("普通公司", "13912345678")
        store.add_lead("下划线_公司", "13712345678")
    for term, expected in (("%", ["百分之百%公司"]), ("_", ["下划线_公司"]), ("公司", None)):
        result = run("leads", "list", "--db", db, "--search", term, "--json")
        assert result.exit_code == 0
        names = sorted(row["company"] for row in json.loads(result.output))
        assert names == (sorted(expected) if expected else sorted(["百分之百%公司", "普通公司", "下划线_公司"]))
    with Store.open(db) as store:
        assert [lead.company for lead in store.list_leads(search="%")] == ["百分之百%公司"]
        assert store.count_leads(search="_") == 1


def test_an_xlsx_whose_first_sheet_is_empty_reads_the_first_with_rows(tmp_path):
    book = Workbook()
    book.active.title = "说明"
    data = book.create_sheet("数据")
    data.append(["公司", "电话"])
    data.append(["甲公司", 13812345678])
    buffer = io.BytesIO()
    book.save(buffer)
    source = tmp_path / "list.xlsx"
    source.write_bytes(buffer.getvalue())
    result = run("leads", "import", source, "--db", tmp_path / "a.db")
    assert result.exit_code == 0, result.output
    assert "read sheet '数据', the first with rows ('说明' is empty)" in result.output
    assert "imported 1" in result.output
    result = run("leads", "import", source, "--sheet", "说明", "--dry-run", "--db", tmp_path / "a.db")
    assert_usage_error(result, "the file is empty")


def test_a_00_prefixed_number_too_short_says_why():
    with pytest.raises(PhoneError) as short:
        parse_phone("00138052")
    assert "starts with 00, the international prefix" in str(short.value)
    assert "too short for US" in str(short.value) and "does not start with 00" in str(short.value)
    assert "以 00 开头是国际长途" in short.value.zh
    with pytest.raises(PhoneError) as mobile:
        parse_phone("0086138")
    assert "00, the international prefix" not in str(mobile.value)  # +86 is China's own code


def test_the_docs_say_the_schema_version_files_have():
    assert f"## Schema (version {SCHEMA_VERSION})" in (ROOT / "docs" / "storage.md").read_text(encoding="utf-8")
