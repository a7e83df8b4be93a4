"""A long file is read and checked by a forked child while the parent stages (importer._stage_rows):
the result is the one the parent alone gives, row numbers and all; errors in the child reach the
parent; the child never outlives the import; short files never fork."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from pathlib import Path

import pytest
from backends import temporary_tables

from callscript.leads import importer
from callscript.leads.importer import ImportFileError, import_leads
from callscript.storage import StagedLeads, Store
from leads.helpers import csv_bytes, mobile

CHUNK = 40
AFTER = 100
"""A chunk of 40 rows, the child forked once 100 rows are done: a few hundred rows cross the fork."""

LEAD_FIELDS = ("company", "contact", "title", "department", "phone", "phone_norm", "phone_kind")
LEAD_FIELDS += ("industry", "source", "notes", "do_not_call")


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(importer, "CHUNK_ROWS", CHUNK)
    monkeypatch.setattr(importer, "PIPELINE_AFTER_ROWS", AFTER)


@pytest.fixture
def forks(monkeypatch) -> list[int]:
    """How many times the import started its child (and checks none is left running)."""
    started: list[int] = []
    real = importer._in_child

    def counting(*args, **kwargs):
        started.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(importer, "_in_child", counting)
    yield started
    assert multiprocessing.active_children() == []


def _mixed_rows(count: int) -> list[list[str]]:
    """Every kind of row the checking tells apart, spread over the whole file (both sides of the fork)."""
    rows = [["公司名称", "联系人", "电话", "座机", "备注", "来源"]]
    for i in range(count):
        kind = i % 11
        if kind == 1:
            rows.append([f"公司{i}", "张三", "1381234567", "", "", ""])  # too short: rejected
        elif kind == 2:
            rows.append([f"公司{i}", "", "", "", "", ""])  # no phone
        elif kind == 3:
            rows.append(["", "", "", "", "", ""])  # blank
        elif kind == 4:
            rows.append(["", "李四", mobile(i), "", "", ""])  # no company
        elif kind == 5:
            rows.append([f"重复{i}", "", f"+86 {mobile(i - 5)}", "", "", ""])  # the row five above, respelled
        elif kind == 6:
            rows.append([f"公司{i}", "", mobile(7), "", "", ""])  # a number stored before the import
        elif kind == 7:
            rows.append([f"公司{i}", "王五", f"{mobile(i)} / 010-8888 {i % 10000:04d}", "", "下午打", "展会"])
        elif kind == 8:
            rows.append([f"公司{i}", "", "电话待补", f"0755-2688 {i % 10000:04d}", "", ""])
        elif kind == 9:
            rows.append([f"公司{i}", "", mobile(i), "", "", "", "多余"])  # too many cells
        else:
            rows.append([f"公司\t{i}", "赵六", mobile(i), "", "备注\n两行", ""])  # a control character
    rows.append([f"最后{count}", "", mobile(0), "", "", ""])  # the first row's number, at the very end
    return rows


def _import(tmp_path: Path, name: str, data: bytes, **options) -> tuple[importer.ImportResult, list[tuple]]:
    with Store.open(tmp_path / f"{name}.db") as store:
        known = store.add_lead("早就有了", mobile(7))
        store.mark_do_not_call(known.id, "客户要求")
        result = import_leads(store, name, data=data, **options)
        leads = [tuple(getattr(lead, f) for f in LEAD_FIELDS) for lead in store.list_leads()]
    return result, leads


def _xlsx(rows: list[list[str]]) -> bytes:
    import io

    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("dry_run", [False, True])
def test_the_pipeline_gives_what_one_process_gives(tmp_path, small_chunks, forks, monkeypatch, kind, dry_run):
    rows = _mixed_rows(600)
    data = csv_bytes(rows) if kind == "csv" else _xlsx(rows)
    name = f"list.{kind}"
    piped, piped_leads = _import(tmp_path, name, data, dry_run=dry_run, default_source="官网")
    assert forks == [1]
    monkeypatch.setattr(importer, "PIPELINE_AFTER_ROWS", 10**9)
    alone, alone_leads = _import(tmp_path, "alone-" + name, data, dry_run=dry_run, default_source="官网")
    assert forks == [1]  # the second import did not fork
    assert piped_leads == alone_leads
    assert piped.problems() == alone.problems()
    assert piped.rejected == alone.rejected and piped.duplicates == alone.duplicates
    for count in ("rows_read", "blank_rows", "imported", "header_row", "duplicates_in_file", "duplicates_in_db"):
        assert getattr(piped, count) == getattr(alone, count), count
    assert piped.do_not_call_kept == alone.do_not_call_kept > 0
    # the rows after the fork were checked too: their problems carry their own row numbers
    assert max(p.row for p in piped.rejected) > AFTER * 5
    assert next(d for d in piped.duplicates if d.row == len(rows)).first_row == 2


def test_the_csv_child_leaves_every_fourth_chunk_for_the_parent_to_check(small_chunks):
    """What the child sends (:func:`importer._checked_in_part`): checked chunks, and every
    ``PARENT_CHECKS_EVERY``-th chunk as read; checked where it lands, that is what checking every
    chunk in one place gives — blank rows, problems and row numbers included."""
    data = csv_bytes(_mixed_rows(600))

    def opened() -> importer._OpenedFile:
        return importer._open_file("list.csv", mapping=None, encoding=None, sheet=None, region=None, data=data)

    sent_from = opened()
    sent = list(
        importer._checked_in_part(
            sent_from.rows, sent_from.layout, sent_from.region, "官网", sent_from.result.header_row
        )
    )
    every = importer.PARENT_CHECKS_EVERY
    assert [type(item) is list for item in sent] == [i % every == every - 1 for i in range(len(sent))]
    assert sum(type(item) is list for item in sent) >= 3
    checked_here, last = [], sent_from.result.header_row
    for item in sent:
        chunk = (
            importer._check_batch_chunk(item, sent_from.layout, sent_from.region, "官网", last)
            if type(item) is list
            else item
        )
        checked_here.append(chunk)
        last = chunk[4]
    one_place = opened()
    assert checked_here == list(
        importer._check_rows(one_place.rows, one_place.layout, one_place.region, "官网", one_place.result.header_row)
    )


def test_a_file_shorter_than_the_threshold_is_done_in_one_process(store, small_chunks, forks):
    rows = [["公司", "电话"]] + [[f"公司{i}", mobile(i)] for i in range(AFTER - 1)]
    result = import_leads(store, "short.csv", data=csv_bytes(rows))
    assert result.imported == AFTER - 1
    assert forks == []


def test_no_fork_while_another_thread_runs(store, small_chunks, forks):
    rows = [["公司", "电话"]] + [[f"公司{i}", mobile(i)] for i in range(AFTER * 3)]
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        result = import_leads(store, "threads.csv", data=csv_bytes(rows))
    finally:
        stop.set()
        other.join()
    assert result.imported == AFTER * 3
    assert forks == []


def _failing_in_child(monkeypatch, row: int, fail) -> None:
    parent = os.getpid()
    real = importer.check_batch

    def check(batch, *args, **kwargs):
        if any(number == row for number, _ in batch):
            assert os.getpid() != parent, "the row was to be checked by the child"
            fail()
        return real(batch, *args, **kwargs)

    monkeypatch.setattr(importer, "check_batch", check)


def _nothing_left(store) -> None:
    assert store.count_leads() == 0
    assert temporary_tables(store) == []


def test_an_import_error_in_the_child_reaches_the_parent_as_it_was(store, small_chunks, forks, monkeypatch):
    def fail():
        raise ImportFileError("list.csv: row 300: cannot read the CSV: bad", importer.ImportErrorCode.BAD_CSV)

    _failing_in_child(monkeypatch, 300, fail)
    rows = [["公司", "电话"]] + [[f"公司{i}", mobile(i)] for i in range(500)]
    with pytest.raises(ImportFileError) as failed:
        import_leads(store, "list.csv", data=csv_bytes(rows))
    assert forks == [1]
    assert str(failed.value) == "list.csv: row 300: cannot read the CSV: bad"
    assert failed.value.code == "bad_csv"
    _nothing_left(store)


def test_any_error_in_the_child_reaches_the_parent(store, small_chunks, forks, monkeypatch):
    def fail():
        raise RuntimeError("the machine is on fire")

    _failing_in_child(monkeypatch, 300, fail)
    rows = [["公司", "电话"]] + [[f"公司{i}", mobile(i)] for i in range(500)]
    with pytest.raises(RuntimeError, match="the machine is on fire"):
        import_leads(store, "list.csv", data=csv_bytes(rows))
    _nothing_left(store)


def test_a_child_killed_half_way_imports_nothing(store, small_chunks, forks, monkeypatch):
    _failing_in_child(monkeypatch, 300, lambda: os.kill(os.getpid(), signal.SIGKILL))
    rows = [["公司", "电话"]] + [[f"公司{i}", mobile(i)] for i in range(500)]
    with pytest.raises(ImportFileError) as failed:
        import_leads(store, "list.csv", data=csv_bytes(rows))
    assert failed.value.code == "file_unreadable"
    assert "the process reading the file stopped (exit code -9)" in str(failed.value)
    _nothing_left(store)


def test_the_parent_failing_while_staging_stops_the_child(store, small_chunks, forks, monkeypatch):
    real_add = StagedLeads.add
    calls = {"n": 0}

    def failing_add(self, chunk):
        calls["n"] += 1
        if calls["n"] == 5:  # after the fork (100 rows = the first three chunks)
            raise OSError(28, "No space left on device")
        return real_add(self, chunk)

    monkeypatch.setattr(StagedLeads, "add", failing_add)
    rows = [["公司", "电话"]] + [[f"公司{i}", mobile(i)] for i in range(2000)]
    with pytest.raises(OSError, match="No space left"):
        import_leads(store, "list.csv", data=csv_bytes(rows))
    assert forks == [1]  # and the fixture checks the child is gone
    _nothing_left(store)


def test_strict_sees_a_row_rejected_in_the_child(store, small_chunks, forks):
    rows = [["公司", "电话"]] + [[f"公司{i}", mobile(i)] for i in range(400)]
    rows[350][1] = "1381234567"
    with pytest.raises(ImportFileError) as failed:
        import_leads(store, "list.csv", data=csv_bytes(rows), strict=True)
    assert failed.value.code == "rows_rejected"
    assert "first: row 351:" in str(failed.value)
    assert forks == [1]
    _nothing_left(store)


def test_a_workbook_damaged_past_the_fork_is_reported_by_the_parent(store, small_chunks, forks):
    """A workbook's rows are read by the child (and checked by the parent): the reader's error,
    found by the child, is the parent's ``ImportFileError``."""
    import io
    import zipfile

    # past the first 256 KB of XML the reader unzips at once, so that the child is the one to find it
    data = _xlsx([["公司", "电话"]] + [[f"公司{i}", mobile(i)] for i in range(8000)])
    source = zipfile.ZipFile(io.BytesIO(data))
    damaged = io.BytesIO()
    with zipfile.ZipFile(damaged, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                cut = content.find(b'<row r="7000"')
                assert cut > 300_000
                content = content[:cut] + b"<row><c><v>1</c></row>" + content[cut:]
            target.writestr(item.filename, content)
    with pytest.raises(ImportFileError) as failed:
        import_leads(store, "damaged.xlsx", data=damaged.getvalue())
    assert failed.value.code == "bad_xlsx"
    assert forks == [1]
    _nothing_left(store)


def test_the_command_line_import_uses_the_pipeline(tmp_path, small_chunks, forks, monkeypatch):
    """``callscript leads import`` runs no other thread (a progress bar's, say) that would keep it
    to one core, and reports what the import found on both sides of the fork."""
    from click.testing import CliRunner

    from callscript.cli.main import cli

    path = tmp_path / "list.csv"
    path.write_bytes(csv_bytes(_mixed_rows(600)))
    db = tmp_path / "cli.db"
    done = CliRunner().invoke(
        cli, ["leads", "import", str(path), "--db", str(db), "--all-problems"], catch_exceptions=False
    )
    assert done.exit_code == 0, done.output
    assert forks == [1]
    monkeypatch.setattr(importer, "PIPELINE_AFTER_ROWS", 10**9)
    with Store.open(tmp_path / "alone.db") as store:
        alone = import_leads(store, path)
    assert forks == [1]
    assert alone.summary() in done.output
    assert f"row {alone.rejected[-1].row}: rejected: {alone.rejected[-1].reason}" in done.output


def test_the_cycle_collector_is_off_while_staging_and_on_after(store, small_chunks, forks, monkeypatch):
    import gc

    seen: list[bool] = []
    real_add = StagedLeads.add

    def watching_add(self, rows):
        seen.append(gc.isenabled())
        return real_add(self, rows)

    monkeypatch.setattr(StagedLeads, "add", watching_add)
    rows = [["公司", "电话"]] + [[f"公司{i}", mobile(i)] for i in range(AFTER * 3)]
    assert import_leads(store, "gc.csv", data=csv_bytes(rows)).imported == AFTER * 3
    assert seen and not any(seen)
    assert gc.isenabled()
    seen.clear()
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        import_leads(store, "gc2.csv", data=csv_bytes(rows), dry_run=True)
    finally:
        stop.set()
        other.join()
    assert seen and all(seen)  # another thread runs: its cycles are collected as usual
    assert gc.isenabled()
