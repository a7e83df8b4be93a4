"""Lead import benchmarks (issues 7 and 14).

(a) Import 100,000 CSV rows (UTF-8 with BOM, Chinese text, mobiles and landlines
    in mixed spellings, 1% duplicates within the file) into an empty database:
    rows/s end to end (read, decode, parse and check every number, stage, dedupe, one
    BEGIN IMMEDIATE transaction, commit at synchronous=FULL). Budget: >= 60,000 rows/s
    (issue 14; it was 20,000 in issue 7).
(b) The same kind of file, half of whose numbers are already stored, against a
    database that already holds 1,000,000 leads: time to dedupe (the dry run:
    every number looked up in the phone_norm index) and to import.
(c) XLSX, 100,000 and 1,000,000 rows (issue 14), written as Excel writes them (shared strings,
    phones as text and as number cells): the import's own streaming reader beside
    python-calamine and openpyxl read-only (reading the rows: rows/s and peak memory), and the
    whole import, rows/s (budget >= 50,000) and peak memory (budget: the same for both sizes).
    Each measurement runs in its own process; peak memory is its maximum RSS less that of a
    process that only loaded the same modules (or of the import's reading child, if higher).
    ``--xlsx-rows 100000,1000000``;
    ``--skip-openpyxl-over N`` leaves openpyxl out above N rows (1,000,000 rows take minutes).
(d) CSV, the same sizes: the whole import's rows/s and peak memory, in its own process.

    uv run python bench/bench_leads.py              # all
    uv run python bench/bench_leads.py --rows 20000 --db-leads 100000 --xlsx-rows 20000   # quicker
    uv run python bench/bench_leads.py --json

The 1,000,000-lead database is built once per run in a temp directory with plain
``executemany`` at synchronous=OFF (set-up, not measured). The machine is shared: run it when
``uptime`` shows a load average under 1, and read the CPU figures (of the import's process and
its reading child together) beside the wall-clock ones; each figure is printed with the load.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from callscript.leads.importer import import_leads  # noqa: E402
from callscript.storage import Store  # noqa: E402

AREAS = [
    "010",
    "020",
    "021",
    "022",
    "023",
    "024",
    "025",
    "027",
    "028",
    "029",
    "0571",
    "0755",
    "0512",
    "0532",
    "0591",
    "0731",
    "0769",
    "0757",
    "0551",
    "0871",
]
MOBILE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "156",
    "158",
    "159",
    "166",
    "170",
    "176",
    "177",
    "180",
    "181",
    "182",
    "185",
    "186",
    "187",
    "188",
    "189",
    "198",
    "199",
]
INDUSTRIES = ["IT/软件", "贸易", "制药", "建筑", "广告", "物流", "机械制造", "电子", "家具", "金融"]
CITIES = ["广州", "深圳", "上海", "北京", "杭州", "苏州", "成都", "武汉", "南京", "天津"]


def number(i: int, rng: random.Random) -> str:
    """A valid, made-up number for index ``i``, unique per ``i``, in a random spelling."""
    if i % 3:
        digits = f"{MOBILE_PREFIXES[i % len(MOBILE_PREFIXES)]}{i // len(MOBILE_PREFIXES):08d}"
        return rng.choice(
            [
                digits,
                f"{digits[:3]} {digits[3:7]} {digits[7:]}",
                f"{digits[:3]}-{digits[3:7]}-{digits[7:]}",
                f"+86 {digits}",
            ]
        )
    area = AREAS[i % len(AREAS)]
    local = f"6{i // len(AREAS):07d}"
    return rng.choice([f"{area}-{local}", f"({area}){local}", f"{area} {local[:4]} {local[4:]}"])


def make_rows(start: int, count: int, rng: random.Random, dup_rate: float = 0.01) -> list[list[str]]:
    rows = []
    for k in range(count):
        i = start + k
        if k and rng.random() < dup_rate:
            i = start + rng.randrange(k)  # the same number again, maybe spelled differently
        city = CITIES[i % len(CITIES)]
        rows.append(
            [
                f"{city}市测试{i}有限公司",
                f"联系人{i % 997}",
                "经理",
                number(i, rng),
                INDUSTRIES[i % len(INDUSTRIES)],
                "商务网站",
                "",
            ]
        )
    return rows


HEADER = ["公司名称", "联系人", "职位", "电话", "行业", "来源", "备注"]


def write_csv(path: Path, rows: list[list[str]]) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    path.write_bytes(out.getvalue().encode("utf-8-sig"))


def fill_db(path: Path, leads: int) -> float:
    """Insert ``leads`` leads with E.164 numbers straight into a fresh database (set-up)."""
    from callscript.core.phones import parse_phone

    with Store.open(path):
        pass
    started = time.perf_counter()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    rng = random.Random(1)
    conn.execute("BEGIN")
    batch = []
    stamp = "2026-01-05T09:00:00+08:00"
    for i in range(leads):
        phone = number(i, rng)
        parsed = parse_phone(phone)
        batch.append((f"已有公司{i}", phone, parsed.norm, parsed.kind, INDUSTRIES[i % len(INDUSTRIES)], stamp, stamp))
        if len(batch) == 50_000:
            conn.executemany(
                "INSERT INTO leads (company, phone, phone_norm, phone_kind, industry, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                batch,
            )
            batch.clear()
    if batch:
        conn.executemany(
            "INSERT INTO leads (company, phone, phone_norm, phone_kind, industry, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            batch,
        )
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return time.perf_counter() - started


def bench_empty(tmp: Path, rows: int) -> dict:
    source = tmp / "leads.csv"
    data = make_rows(0, rows, random.Random(2))
    write_csv(source, data)
    db = tmp / "empty.db"
    with Store.open(db) as store:
        started, cpu = time.perf_counter(), all_cpu()
        result = import_leads(store, source)
        seconds, cpu = time.perf_counter() - started, all_cpu() - cpu
    return {
        "load": load(),
        "rows": result.rows_read,
        "imported": result.imported,
        "duplicates": len(result.duplicates),
        "rejected": len(result.rejected),
        "seconds": round(seconds, 3),
        "cpu_s": round(cpu, 3),
        "rows_per_s": round(result.rows_read / seconds),
        "rows_per_cpu_s": round(result.rows_read / cpu),
        "write_lock_s": round(result.locked_seconds, 3),
        "file_mb": round(source.stat().st_size / 1e6, 1),
    }


def bench_against_big_db(tmp: Path, rows: int, db_leads: int) -> dict:
    db = tmp / "big.db"
    setup = fill_db(db, db_leads)
    # half the file's numbers are already stored (spelled differently), half are new
    rng = random.Random(3)
    old = make_rows(rng.randrange(db_leads - rows // 2), rows // 2, rng, dup_rate=0)
    new = make_rows(db_leads, rows - rows // 2, rng, dup_rate=0)
    data = old + new
    rng.shuffle(data)
    source = tmp / "half_known.csv"
    write_csv(source, data)
    with Store.open(db) as store:
        started = time.perf_counter()
        import_leads(store, source, dry_run=True)
        dry_s = time.perf_counter() - started
        started = time.perf_counter()
        result = import_leads(store, source)
        real_s = time.perf_counter() - started
        total = store.count_leads()
    return {
        "db_leads": db_leads,
        "setup_s": round(setup, 1),
        "rows": result.rows_read,
        "known": result.duplicates_in_db,
        "imported": result.imported,
        "dry_run_s": round(dry_s, 3),
        "import_s": round(real_s, 3),
        "rows_per_s": round(result.rows_read / real_s),
        "write_lock_s": round(result.locked_seconds, 3),
        "leads_after": total,
    }


def write_xlsx(path: Path, rows: int) -> float:
    """A workbook as Excel and WPS save the data team's lists (set-up, not measured): every text
    in the shared strings table, a third of the mobiles typed into number cells. Written here,
    part by part, because the libraries that write shared strings hold the whole sheet in
    memory first. Its size in MB."""
    import zipfile
    from xml.sax.saxutils import escape

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    package = "http://schemas.openxmlformats.org/package/2006/relationships"
    strings: dict[str, int] = {}
    rng = random.Random(4)
    columns = "ABCDEFG"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            "</Types>",
        )
        book.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{package}"><Relationship Id="rId1" '
            f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        book.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
            '<sheet name="数据录入模板" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        book.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{package}">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>",
        )

        def cell(ref: str, value: str) -> str:
            if value.isdigit() and len(value) == 11 and rng.random() < 0.33:
                return f'<c r="{ref}"><v>{value}</v></c>'  # a mobile typed into a number cell
            index = strings.setdefault(value, len(strings))
            return f'<c r="{ref}" t="s"><v>{index}</v></c>'

        with book.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{main}" '
                f'xmlns:r="{rel}"><dimension ref="A1:G{rows + 1}"/><sheetData>'.encode()
            )
            number = 1
            lines = [[*HEADER]]
            for start in range(0, rows, 50_000):
                lines += make_rows(start, min(50_000, rows - start), rng)
                out = []
                for values in lines:
                    cells = "".join(cell(f"{col}{number}", v) for col, v in zip(columns, values) if v)
                    out.append(f'<row r="{number}" spans="1:7">{cells}</row>')
                    number += 1
                sheet.write("".join(out).encode())
                lines = []
            sheet.write(b"</sheetData></worksheet>")
        with book.open("xl/sharedStrings.xml", "w") as table:
            table.write(
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{main}" '
                f'count="{len(strings)}" uniqueCount="{len(strings)}">'.encode()
            )
            batch = []
            for text in strings:
                batch.append(f"<si><t>{escape(text)}</t></si>")
                if len(batch) == 50_000:
                    table.write("".join(batch).encode())
                    batch = []
            table.write(("".join(batch) + "</sst>").encode())
    return round(path.stat().st_size / 1e6, 1)


def all_cpu() -> float:
    """CPU seconds of this process and of its children that have ended (the import's reading child)."""
    used = os.times()
    return used.user + used.system + used.children_user + used.children_system


def load() -> float:
    """The 1-minute load average: the machine is shared (2 cores), so every figure is printed beside it."""
    return round(os.getloadavg()[0], 2)


def child_measure(kind: str, path: str) -> dict:
    """Runs in a child process: one measurement, its rows, seconds, CPU seconds and peak RSS (MB).

    An import goes into a database created before the clock starts (``db init``'s work, ~0.1 s,
    is no part of an import: at 20,000 rows it was a fifth of the figure); opening it is timed."""
    rows = 0
    if kind in ("import", "import-one-process"):
        with Store.open(Path(path).with_suffix(f".{kind}.db")):
            pass
    started, cpu = time.perf_counter(), all_cpu()
    if kind == "read":
        from callscript.leads.readers import read_table

        for _ in read_table(path).rows:
            rows += 1
    elif kind == "calamine-read":
        from python_calamine import CalamineWorkbook

        with CalamineWorkbook.from_path(path) as workbook:
            for row in workbook.get_sheet_by_index(0).iter_rows():
                if any(v != "" for v in row):
                    rows += 1
    elif kind == "openpyxl-read":
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=True)
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            if any(v is not None for v in row):
                rows += 1
        workbook.close()
    elif kind in ("import", "import-one-process"):
        if kind == "import-one-process":  # the pipeline off: what the import does without a second core
            from callscript.leads import importer

            importer.PIPELINE_AFTER_ROWS = sys.maxsize
        with Store.open(Path(path).with_suffix(f".{kind}.db")) as store:
            rows = import_leads(store, path).rows_read
    elif kind == "baseline":
        import openpyxl  # noqa: F401
        import python_calamine  # noqa: F401

        from callscript.leads import readers  # noqa: F401
    seconds, cpu = time.perf_counter() - started, all_cpu() - cpu
    return {
        "rows": rows,
        "seconds": round(seconds, 3),
        "cpu_s": round(cpu, 3),
        "peak_mb": round(peak_rss_mb(), 1),
        "load": load(),
    }


def peak_rss_mb() -> float:
    """This process's RSS high-water mark (``VmHWM``), or its reading child's if that was higher (the
    child is forked, so its figure counts what it shares with this process too: an upper bound). Not
    ``ru_maxrss`` for this process: after fork and exec, Linux reports there at least the parent's RSS
    at the fork, which would hide the child's own."""
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return max(int(line.split()[1]) / 1024, children)
    return max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, children)


def measure(kind: str, path: Path | str) -> dict:
    import subprocess

    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path)], capture_output=True, text=True, check=True
    )
    got = json.loads(done.stdout)
    got["rows_per_s"] = round(got["rows"] / got["seconds"]) if got["seconds"] else 0
    got["rows_per_cpu_s"] = round(got["rows"] / got["cpu_s"]) if got["cpu_s"] else 0
    return got


def bench_files(tmp: Path, sizes: list[int], skip_openpyxl_over: int) -> dict:
    baseline = measure("baseline", "-")["peak_mb"]
    report: dict = {"baseline_mb": baseline, "xlsx": {}, "csv": {}}
    for rows in sizes:
        source = tmp / f"leads-{rows}.xlsx"
        entry: dict = {"file_mb": write_xlsx(source, rows)}
        for kind in ("read", "calamine-read", "openpyxl-read", "import", "import-one-process"):
            if kind == "openpyxl-read" and rows > skip_openpyxl_over:
                continue
            got = measure(kind, source)
            got["memory_mb"] = round(got["peak_mb"] - baseline, 1)
            entry[kind] = got
        report["xlsx"][rows] = entry
        source.unlink()
        for db in tmp.glob("*.db"):  # the CSV goes into an empty database too, not the workbook's
            db.unlink()
        csv_source = tmp / f"leads-{rows}.csv"
        write_csv(csv_source, make_rows(0, rows, random.Random(2)))
        report["csv"][rows] = {"file_mb": round(csv_source.stat().st_size / 1e6, 1)}
        for kind in ("import", "import-one-process"):
            got = measure(kind, csv_source)
            got["memory_mb"] = round(got["peak_mb"] - baseline, 1)
            report["csv"][rows][kind] = got
        csv_source.unlink()
        for db in tmp.glob("*.db"):
            db.unlink()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db-leads", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", default="100000,1000000", help="comma-separated sizes")
    parser.add_argument("--skip-openpyxl-over", type=int, default=10**9)
    parser.add_argument("--only", choices=["a", "b", "c"], default=None, help="c: (c) and (d)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child_measure(*args.child)))
        return
    report: dict = {}
    with tempfile.TemporaryDirectory(prefix="bench_leads_") as tmp_name:
        tmp = Path(tmp_name)
        if args.only in (None, "a"):
            report["csv_into_empty_db"] = bench_empty(tmp, args.rows)
        if args.only in (None, "b"):
            report["csv_against_big_db"] = bench_against_big_db(tmp, args.rows, args.db_leads)
        if args.only in (None, "c"):
            sizes = [int(n) for n in str(args.xlsx_rows).split(",") if n.strip()]
            report["files"] = bench_files(tmp, sizes, args.skip_openpyxl_over)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    if "csv_into_empty_db" in report:
        a = report["csv_into_empty_db"]
        verdict = "ok" if a["rows_per_s"] >= 60_000 else "UNDER BUDGET"
        print(
            f"(a) CSV {a['rows']:,} rows ({a['file_mb']} MB) into an empty db: {a['seconds']} s, "
            f"{a['rows_per_s']:,} rows/s [budget >= 60,000: {verdict}] (CPU {a['cpu_s']} s: "
            f"{a['rows_per_cpu_s']:,} rows per CPU-second, both processes); load {a['load']}; "
            f"write lock held {a['write_lock_s']} s; "
            f"imported {a['imported']:,}, "
            f"duplicates {a['duplicates']:,}, rejected {a['rejected']}"
        )
    if "csv_against_big_db" in report:
        b = report["csv_against_big_db"]
        print(
            f"(b) CSV {b['rows']:,} rows against {b['db_leads']:,} leads (set-up {b['setup_s']} s): "
            f"dedupe (dry run) {b['dry_run_s']} s; import {b['import_s']} s ({b['rows_per_s']:,} rows/s, "
            f"write lock {b['write_lock_s']} s); "
            f"{b['known']:,} already known, {b['imported']:,} imported, {b['leads_after']:,} leads after"
        )
    if "files" in report:
        files = report["files"]
        print(f"(c) XLSX (peak memory: maximum RSS less {files['baseline_mb']} MB for the modules alone)")
        memory = {}
        for rows, entry in files["xlsx"].items():
            print(f"    {int(rows):,} rows ({entry['file_mb']} MB file, shared strings as Excel writes them):")
            for kind, label in (
                ("read", "read, the import's reader"),
                ("calamine-read", "read, python-calamine   "),
                ("openpyxl-read", "read, openpyxl read-only"),
                ("import", "whole import            "),
                ("import-one-process", "  the same, one process  "),
            ):
                got = entry.get(kind)
                if got is None:
                    print(f"      {label}  (skipped: --skip-openpyxl-over)")
                    continue
                budget = ""
                if kind == "import":
                    verdict = "ok" if got["rows_per_s"] >= 50_000 else "UNDER BUDGET"
                    budget = f" [budget >= 50,000: {verdict}]"
                    memory[int(rows)] = got["memory_mb"]
                print(
                    f"      {label}  {got['seconds']:>8} s  {got['rows_per_s']:>9,} rows/s{budget}  "
                    f"(CPU {got['rows_per_cpu_s']:,} rows/s)  memory {got['memory_mb']:,} MB  load {got['load']}"
                )
        if len(memory) > 1:
            low, high = min(memory), max(memory)
            grew = memory[high] - memory[low]
            verdict = "ok" if grew < 50 else "GROWS WITH THE FILE"
            print(
                f"    import memory, {high:,} rows against {low:,}: {grew:+,.1f} MB "
                f"[budget: independent of the file's size: {verdict}]"
            )
        print("(d) CSV, the whole import in its own process")
        for rows, entry in files["csv"].items():
            for kind, label in (("import", "two processes"), ("import-one-process", "one process  ")):
                got = entry[kind]
                print(
                    f"    {int(rows):,} rows ({entry['file_mb']} MB), {label}: {got['seconds']} s, "
                    f"{got['rows_per_s']:,} rows/s (CPU {got['rows_per_cpu_s']:,} rows/s), "
                    f"memory {got['memory_mb']:,} MB, load {got['load']} "
                    f"[budget >= 60,000: {'ok' if got['rows_per_s'] >= 60_000 else 'UNDER BUDGET'}]"
                )


if __name__ == "__main__":
    main()
