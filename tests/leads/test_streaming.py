"""The import streams: rows are checked and staged a chunk at a time while the file is still
being read, nothing is written to the database before the one transaction, and a duplicate in
the file is found through the staged rows' index however far apart the two rows are."""

from __future__ import annotations

import io

import pytest
from backends import temporary_tables

from callscript.leads import importer, readers
from callscript.leads.importer import CHUNK_ROWS, ImportFileError, import_leads
from callscript.storage import StagedLeads
from leads.helpers import csv_bytes, mobile


def _rows(count: int) -> list[list[str]]:
    return [["公司", "电话"]] + [[f"公司{i}", mobile(i)] for i in range(count)]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_rows_are_staged_while_the_file_is_still_being_read(store, tmp_path, monkeypatch, kind):
    count = CHUNK_ROWS * 2 + 123
    rows = _rows(count)
    path = tmp_path / f"list.{kind}"
    if kind == "csv":
        path.write_bytes(csv_bytes(rows))
    else:
        from openpyxl import Workbook

        book = Workbook()
        for row in rows:
            book.active.append(row)
        book.save(path)
    read = {"rows": 0}
    staged_at: list[tuple[int, int]] = []  # (rows read so far, rows in the chunk) at each add
    real_table = readers.read_table

    def counting_table(*args, **kwargs):
        table = real_table(*args, **kwargs)
        inner = table.rows

        def counted():
            for item in inner:
                read["rows"] += 1
                yield item

        table.rows = counted()
        return table

    real_add = StagedLeads.add

    def watching_add(self, chunk):
        staged_at.append((read["rows"], len(chunk)))
        assert store.count_leads() == 0  # staged aside: the database has none of them yet
        return real_add(self, chunk)

    monkeypatch.setattr(importer, "read_table", counting_table)
    monkeypatch.setattr(StagedLeads, "add", watching_add)
    result = import_leads(store, path)
    assert result.imported == count
    assert all(size <= CHUNK_ROWS for _, size in staged_at)
    first_read, first_size = staged_at[0]
    assert first_size == CHUNK_ROWS and first_read < count  # the first chunk went before the file was read


def test_a_duplicate_far_from_its_first_row_is_found(store):
    rows = _rows(CHUNK_ROWS * 3)
    rows.append(["又一家", "+86 139-0000-0007"])  # row 7 + 1 (the header) spelled otherwise, three chunks later
    result = import_leads(store, "far.csv", data=csv_bytes(rows))
    assert result.imported == CHUNK_ROWS * 3
    [dup] = result.duplicates
    assert (dup.row, dup.first_row, dup.phone_norm) == (len(rows), 9, "+8613900000007")


def test_a_failure_after_chunks_were_staged_leaves_nothing_staged_or_written(store, monkeypatch):
    rows = _rows(CHUNK_ROWS * 2 + 10)
    real = importer.check_batch

    def failing(batch, *args, **kwargs):
        if any(row == CHUNK_ROWS * 2 for row, _ in batch):
            raise RuntimeError("the machine is on fire")
        return real(batch, *args, **kwargs)

    monkeypatch.setattr(importer, "check_batch", failing)
    with pytest.raises(RuntimeError):
        import_leads(store, "late.csv", data=csv_bytes(rows))
    assert store.count_leads() == 0
    assert temporary_tables(store) == []  # staging dropped


def test_a_damaged_workbook_found_half_way_imports_nothing(store, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    for row in _rows(CHUNK_ROWS + 50):
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    data = bytearray(out.getvalue())
    # the worksheet's XML broken near its end: found only after the first chunk is staged
    sheet = data.find(b"xl/worksheets/sheet1.xml")
    assert sheet > 0
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(bytes(data)))
    damaged = io.BytesIO()
    with zipfile.ZipFile(damaged, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                cut = content.rfind(b"</row>", 0, len(content) - 2000)
                content = content[:cut] + b"<row><c><v>1</c></row>" + content[cut:]
            target.writestr(item.filename, content)
    with pytest.raises(ImportFileError) as failed:
        import_leads(store, "damaged.xlsx", data=damaged.getvalue())
    assert failed.value.code == "bad_xlsx"
    assert store.count_leads() == 0
    assert temporary_tables(store) == []


def test_a_dry_run_streams_the_same_way_and_tells_what_the_import_then_does(store, monkeypatch):
    """The dry run stages chunk by chunk like the import, writes nothing, and its counts (new rows,
    duplicates within the file across chunks, numbers already stored) are what the import does."""
    import_leads(store, "earlier.csv", data=csv_bytes(_rows(10)))  # rows 0..9 already stored
    rows = _rows(CHUNK_ROWS * 2 + 40)
    rows.append(["又一家", "139 0000 0012"])  # a number from the first chunk, two chunks later
    data = csv_bytes(rows)
    chunk_sizes: list[int] = []
    real_add = StagedLeads.add

    def watching_add(self, chunk):
        chunk_sizes.append(len(chunk))
        return real_add(self, chunk)

    monkeypatch.setattr(StagedLeads, "add", watching_add)
    before = store.count_leads()
    dry = import_leads(store, "list.csv", data=data, dry_run=True)
    assert store.count_leads() == before
    assert len(chunk_sizes) == 3 and max(chunk_sizes) == CHUNK_ROWS
    assert (dry.imported, dry.duplicates_in_file, dry.duplicates_in_db) == (CHUNK_ROWS * 2 + 30, 1, 10)
    real = import_leads(store, "list.csv", data=data)
    assert (real.imported, real.duplicates_in_file, real.duplicates_in_db) == (
        dry.imported,
        dry.duplicates_in_file,
        dry.duplicates_in_db,
    )
    assert store.count_leads() == before + real.imported
