"""Lead import benchmarks (issue 7).

(a) Import 100,000 CSV rows (UTF-8 with BOM, Chinese text, mobiles and landlines
    in mixed spellings, 1% duplicates within the file) into an empty database:
    rows/s end to end (read, decode, parse and check every number, dedupe, one
    BEGIN IMMEDIATE transaction, commit at synchronous=FULL). Budget: >= 60,000 rows/s
    (issue 14; it was 20,000 in issue 7).
(b) The same kind of file, half of whose numbers are already stored, against a
    database that already holds 1,000,000 leads: time to dedupe (the dry run:
    every number looked up in the phone_norm index) and to import.
(c) XLSX, 20,000 and 1,000,000 rows (issue 14): python-calamine (what the import uses) beside
    openpyxl read-only (what it used before), each in its own process: reading the rows, rows/s
    and peak memory; and the whole import with calamine, rows/s (budget >= 50,000) and peak
    memory. Peak memory is the process's maximum RSS less that of a process that only loaded
    the same modules. ``--xlsx-rows 20000,1000000``; ``--skip-openpyxl-over N`` leaves openpyxl
    out above N rows (it reads ~10,000 rows/s: 1,000,000 rows take minutes).

    uv run python bench/bench_leads.py              # all
    uv run python bench/bench_leads.py --rows 20000 --db-leads 100000   # quicker
    uv run python bench/bench_leads.py --json

The 1,000,000-lead database is built once per run in a temp directory with plain
``executemany`` at synchronous=OFF (set-up, not measured).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
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
        started, cpu = time.perf_counter(), time.process_time()
        result = import_leads(store, source)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
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
    """A workbook as the data team sends them (set-up, not measured); its size in MB."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("leads")
    sheet.append(HEADER)
    rng = random.Random(4)
    for start in range(0, rows, 50_000):
        for row in make_rows(start, min(50_000, rows - start), rng):
            sheet.append(row)
    workbook.save(path)
    return round(path.stat().st_size / 1e6, 1)


def child_measure(kind: str, path: str) -> dict:
    """Runs in a child process: one measurement, its rows, seconds and peak RSS (MB)."""
    import resource

    rows = 0
    started = time.perf_counter()
    if kind == "calamine-read":
        from callscript.leads.readers import read_table

        for _ in read_table(path).rows:
            rows += 1
    elif kind == "openpyxl-read":
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=True)
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            if any(v is not None for v in row):
                rows += 1
        workbook.close()
    elif kind == "import":
        with Store.open(Path(path).with_suffix(".db")) as store:
            rows = import_leads(store, path).rows_read
    elif kind == "baseline":
        import openpyxl  # noqa: F401
        import python_calamine  # noqa: F401

        from callscript.leads import readers  # noqa: F401
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"rows": rows, "seconds": round(seconds, 3), "peak_mb": round(peak_mb, 1)}


def measure(kind: str, path: Path | str) -> dict:
    import subprocess

    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path)], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def bench_xlsx(tmp: Path, sizes: list[int], skip_openpyxl_over: int) -> dict:
    baseline = measure("baseline", "-")["peak_mb"]
    report: dict = {"baseline_mb": baseline, "sizes": {}}
    for rows in sizes:
        source = tmp / f"leads-{rows}.xlsx"
        entry: dict = {"file_mb": write_xlsx(source, rows)}
        for kind in ("calamine-read", "openpyxl-read", "import"):
            if kind == "openpyxl-read" and rows > skip_openpyxl_over:
                continue
            got = measure(kind, source)
            got["rows_per_s"] = round(got["rows"] / got["seconds"]) if got["seconds"] else 0
            got["memory_mb"] = round(got["peak_mb"] - baseline, 1)
            entry[kind] = got
        report["sizes"][rows] = entry
        source.unlink()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db-leads", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", default="20000,1000000", help="comma-separated sizes")
    parser.add_argument("--skip-openpyxl-over", type=int, default=10**9)
    parser.add_argument("--only", choices=["a", "b", "c"], default=None)
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
            report["xlsx"] = bench_xlsx(tmp, sizes, args.skip_openpyxl_over)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    if "csv_into_empty_db" in report:
        a = report["csv_into_empty_db"]
        verdict = "ok" if a["rows_per_s"] >= 60_000 else "UNDER BUDGET"
        print(
            f"(a) CSV {a['rows']:,} rows ({a['file_mb']} MB) into an empty db: {a['seconds']} s, "
            f"{a['rows_per_s']:,} rows/s [budget >= 60,000: {verdict}] (CPU {a['cpu_s']} s: "
            f"{a['rows_per_cpu_s']:,} rows per CPU-second); write lock held {a['write_lock_s']} s; "
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
    if "xlsx" in report:
        c = report["xlsx"]
        print(f"(c) XLSX (memory: peak RSS less {c['baseline_mb']} MB for the modules alone)")
        for rows, entry in c["sizes"].items():
            print(f"    {int(rows):,} rows ({entry['file_mb']} MB file):")
            for kind, label in (
                ("calamine-read", "read, python-calamine"),
                ("openpyxl-read", "read, openpyxl      "),
                ("import", "import (calamine)   "),
            ):
                got = entry.get(kind)
                if got is None:
                    print(f"      {label}  (skipped: --skip-openpyxl-over)")
                    continue
                budget = ""
                if kind == "import":
                    budget = f" [budget >= 50,000: {'ok' if got['rows_per_s'] >= 50_000 else 'UNDER BUDGET'}]"
                print(
                    f"      {label}  {got['seconds']:>8} s  {got['rows_per_s']:>9,} rows/s{budget}  "
                    f"memory {got['memory_mb']:,} MB"
                )


if __name__ == "__main__":
    main()
