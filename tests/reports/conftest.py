"""A small database with known calls, and helpers to read each format back.

Agents 王芳 (A), 李娜 (B) and 张伟 (C, wrote a remark but made no call). Each call is marked
as ``start_call`` marks it (docs/reports.md): *maintenance* (M) when its lead had a mailing
from a call that ended before it started, else development (D); ``slot``: it started inside a
follow-up slot (17:30–18:00 on these working days).

2025-02-24 (Mon)                                   lead (industry)     agent  outcome          grade
  c15 10:00:00 +200 s   mailed: mailing 6          L8 辛 (学校)         B      mailed           一般   D
2025-03-03 (Mon)
  c1  09:00:00 +40 s                               L1 甲 (金融业)       A      no_answer        -      D
  c2  15:00:00 +300 s   L1 again: counts once;     L1 甲 (金融业)       A      mailed           好     D
                        mailing 1
  c3  10:00:00 +120 s   no final grade (v2)        L2 乙 (金融业)       B      callback         -      D
  c4  16:00:00 +360 s   made the callback of c3    L2 乙 (金融业)       B      mailed           一般   D
  c5  11:00:00 +90 s    refused: no grade          L3 丙 (医药保健业)   B      refused          -      D
  c9  17:00:00 +30 s    L3's last call: A's busy;  L3 丙 (医药保健业)   A      busy             -      D
                        L3 still 有效 (c5 was)
  c6  11:00:00 +15 s    only invalid numbers       L4 丁 (临时组织)     A      invalid_number   -      D
  c7  11:05:00 +10 s    in this industry           L5 戊 (临时组织)     A      invalid_number   -      D
  c8  14:00:00 +180 s   no industry                L6 己 (未分类)       A      not_qualified    勉强   D
  c16 17:45:00 +120 s   follow-up of mailing 6,    L8 辛 (学校)         B      member_care      好     M slot
                        in its window; received,
                        booked on the call
2025-03-04 (Tue)        no calls at all
2025-03-05 (Wed)
  c10 10:00:00 +240 s                              L3 丙 (医药保健业)   B      mailed           好     D
  c11 17:40:00 +180 s   follow-up, before mailing  L1 甲 (金融业)       A      member_care      好     M slot
                        1's window: only in 客户维护日表; received
  c12 11:00:00          unfinished: in no report   L2 乙 (金融业)       B      -                       M
  c13 10:30:00 +300 s   mailed: mailing 7          L7 庚 (金融业)       A      mailed           好     D
  c14 15:30:00 +40 s    mailed, then no answer:    L7 庚 (金融业)       A      no_answer        -      M
                        L7 keeps its 寄卡 and 好
  c17 10:00:00 +30 s                               L8 辛 (学校)         A      no_answer        -      M
  c18 14:00:00 +60 s    callback: no final grade   L9 壬 (医药保健业)   B      callback         -      D
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from backends import BACKENDS
from rich.cells import cell_len

from callscript.config import DatabaseUrl
from callscript.storage import Store

D1, D2, D3 = date(2025, 3, 3), date(2025, 3, 4), date(2025, 3, 5)
TZ = "+08:00"

AGENTS = {1: "王芳", 2: "李娜", 3: "张伟"}
LEADS = {  # id: (company, industry)
    1: ("甲", "金融业"),
    2: ("乙", "金融业"),
    3: ("丙", "医药保健业"),
    4: ("丁", "临时组织"),
    5: ("戊", "临时组织"),
    6: ("己", None),
    7: ("庚", "金融业"),
    8: ("辛", "学校"),
    9: ("壬", "医药保健业"),
}
MAINTENANCE, SLOT = "maintenance", True
RECEIVED = '{"materials_received": true, "reached": true}'
RECEIVED_AND_BOOKED = '{"booked_on_call": true, "materials_received": true, "reached": true}'
CALL_MARK_DEFAULTS = ("development", False, None)  # kind, slot, facts when a CALLS row leaves them out
CALLS = [  # id, lead, agent, start, seconds (None: unfinished), outcome, grade[, kind, slot, facts]
    (1, 1, 1, "2025-03-03T09:00:00", 40, "no_answer", None),
    (2, 1, 1, "2025-03-03T15:00:00", 300, "mailed", "好"),
    (3, 2, 2, "2025-03-03T10:00:00", 120, "callback", None),
    (4, 2, 2, "2025-03-03T16:00:00", 360, "mailed", "一般"),
    (5, 3, 2, "2025-03-03T11:00:00", 90, "refused", None),
    (6, 4, 1, "2025-03-03T11:00:00", 15, "invalid_number", None),
    (7, 5, 1, "2025-03-03T11:05:00", 10, "invalid_number", None),
    (8, 6, 1, "2025-03-03T14:00:00", 180, "not_qualified", "勉强"),
    (9, 3, 1, "2025-03-03T17:00:00", 30, "busy", None),
    (10, 3, 2, "2025-03-05T10:00:00", 240, "mailed", "好"),
    (11, 1, 1, "2025-03-05T17:40:00", 180, "member_care", "好", MAINTENANCE, SLOT, RECEIVED),
    (12, 2, 2, "2025-03-05T11:00:00", None, None, None, MAINTENANCE),
    (13, 7, 1, "2025-03-05T10:30:00", 300, "mailed", "好"),
    (14, 7, 1, "2025-03-05T15:30:00", 40, "no_answer", None, MAINTENANCE),
    (15, 8, 2, "2025-02-24T10:00:00", 200, "mailed", "一般"),
    (16, 8, 2, "2025-03-03T17:45:00", 120, "member_care", "好", MAINTENANCE, SLOT, RECEIVED_AND_BOOKED),
    (17, 8, 1, "2025-03-05T10:00:00", 30, "no_answer", None, MAINTENANCE),
    (18, 9, 2, "2025-03-05T14:00:00", 60, "callback", None),
]
NOTES = [  # call, at, text, important: an important note flags the lead (着重标识) for maintenance
    (4, "2025-03-03T16:05:00", "有协议酒店, 但愿意参考我们, 重点维护", True),
    (8, "2025-03-03T14:02:00", "下次不用再打", False),
]
LANDLINES = {3}  # leads whose number is a landline (no SMS); the others are mobiles
REMARKS = [  # agent, day, strengths, weaknesses, suggestions
    (1, D1, "开场白清楚", "语速太快", None),
    (3, D1, None, "没有打电话", "明天补上"),
]
# callbacks: id, call, lead, agent, due, done_call
CALLBACKS = [
    (1, 3, 2, 2, "2025-03-03T16:00:00", 4),  # made by c4
    (2, 8, 6, 1, "2025-03-05T15:00:00", None),  # due later on D3
    (3, 5, 3, 2, "2025-03-04T10:00:00", None),  # overdue on D3
    (4, 9, 3, 1, "2025-03-06T09:00:00", None),  # tomorrow on D3: not listed
    (5, 18, 9, 2, "2025-03-12T10:00:00", None),  # next week
]
# mailings: id, call, lead, agent, mailed_on, done (False, or (done at, done by call or None))
MAILINGS = [
    (1, 2, 1, 1, "2025-03-03", False),  # window 03-10 .. 03-13
    (2, 4, 2, 2, "2025-03-01", False),  # window 03-08 .. 03-11
    (3, 10, 3, 2, "2025-02-20", False),  # window 02-27 .. 03-02: overdue
    (4, 10, 3, 2, "2025-02-01", False),  # window closed 28 days before 03-11: not listed
    (5, 11, 1, 1, "2025-03-02", ("2025-03-05T17:43:00", None)),  # followed up by hand: not listed
    (6, 15, 8, 2, "2025-02-24", ("2025-03-03T17:47:00", 16)),  # window 03-03 .. 03-06, done by c16
    (7, 13, 7, 1, "2025-03-05", False),  # window 03-12 .. 03-15
]


def stamp(text: str) -> str:
    return text + TZ


def add_seconds(start: str, seconds: int) -> str:
    from datetime import datetime, timedelta

    return (datetime.fromisoformat(start) + timedelta(seconds=seconds)).isoformat(timespec="seconds")


def build_known_db(path: Path) -> Path:
    from datetime import timedelta

    with Store.open(path, synchronous="OFF") as store:
        c = store.conn
        c.execute("BEGIN")
        c.executemany(
            "INSERT INTO agents (id, name, created_at) VALUES (?, ?, '2025-03-01T08:00:00+08:00')", list(AGENTS.items())
        )
        c.execute(
            "INSERT INTO scripts (id, name, sha256, source_text, first_seen_at) "
            "VALUES (1, 'mini', 'x', 'script', '2025-03-01T08:00:00+08:00')"
        )
        for lead_id, (company, industry) in LEADS.items():
            c.execute(
                "INSERT INTO leads (id, company, contact, phone, phone_norm, phone_kind, industry, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, '2025-03-01T08:00:00+08:00', '2025-03-01T08:00:00+08:00')",
                (
                    lead_id,
                    company,
                    company + "经理",
                    f"1380000000{lead_id}",
                    f"+861380000000{lead_id}",
                    "landline" if lead_id in LANDLINES else "mobile",
                    industry,
                ),
            )
        for call_id, lead, agent, start, seconds, outcome, grade, *marks in CALLS:
            kind, slot, facts = (*marks, *CALL_MARK_DEFAULTS[len(marks) :])
            ended = stamp(add_seconds(start, seconds)) if seconds is not None else None
            c.execute(
                "INSERT INTO calls (id, lead_id, agent_id, script_id, started_at, ended_at, outcome, grade, "
                "kind, follow_up_slot, facts) VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)",
                (call_id, lead, agent, stamp(start), ended, outcome, grade, kind, int(slot), facts),
            )
        ended_at = {row[0]: add_seconds(row[3], row[4]) for row in CALLS if row[4] is not None}
        for cb_id, call, lead, agent, due, done in CALLBACKS:
            c.execute(  # created when the call that scheduled it ended; done when the call that made it ended
                "INSERT INTO callbacks (id, call_id, lead_id, agent_id, due_at, reason, created_at, done_at, "
                "done_call_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    cb_id,
                    call,
                    lead,
                    agent,
                    stamp(due),
                    f"回电{cb_id}",
                    stamp(ended_at[call]),
                    stamp(ended_at[done]) if done else None,
                    done,
                ),
            )
        for m_id, call, lead, agent, mailed, done in MAILINGS:
            day = date.fromisoformat(mailed)
            done_at, done_by = done if done else (None, None)
            c.execute(
                "INSERT INTO mailings (id, call_id, lead_id, agent_id, address, mailed_on, follow_up_from, "
                "follow_up_by, follow_up_done_at, follow_up_call_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    m_id,
                    call,
                    lead,
                    agent,
                    f"地址{m_id}",
                    mailed,
                    (day + timedelta(days=7)).isoformat(),
                    (day + timedelta(days=10)).isoformat(),
                    stamp(done_at) if done_at else None,
                    done_by,
                ),
            )
        for seq, (call, at, text, important) in enumerate(NOTES, 1):
            c.execute(
                "INSERT INTO call_events (call_id, seq, at, kind, value, important) VALUES (?, ?, ?, 'note', ?, ?)",
                (call, seq, stamp(at), text, int(important)),
            )
        for agent, day, s, w, g in REMARKS:
            c.execute(
                "INSERT INTO agent_day_reviews (agent_id, day, strengths, weaknesses, suggestions, updated_at) "
                "VALUES (?, ?, ?, ?, ?, '2025-03-03T18:00:00+08:00')",
                (agent, day.isoformat(), s, w, g),
            )
        c.execute("COMMIT")
        if store.is_postgres:  # the ids were given: move the identity sequences past them
            from callscript.storage.pg_schema import reset_identities

            reset_identities(c)
    return path


@pytest.fixture(scope="module", params=BACKENDS)
def known_db(request, tmp_path_factory) -> Path:
    """The known database on each backend (a file; a PostgreSQL database, tests/conftest.py)."""
    if request.param == "sqlite":
        return build_known_db(tmp_path_factory.mktemp("known") / "known.db")
    cluster = request.getfixturevalue("pg_cluster")
    return build_known_db(DatabaseUrl(cluster.migrated_database("known")))


@pytest.fixture(scope="module")
def known_file(tmp_path_factory) -> Path:
    """The known database as a SQLite file alone: for tests about the file (older schema versions)."""
    return build_known_db(tmp_path_factory.mktemp("known_file") / "known.db")


@pytest.fixture
def conn(known_db):
    from callscript.reports.queries import open_db

    db = open_db(known_db)
    yield db.conn
    db.close()


# --------------------------------------------------------------------------- reading formats back


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def read_json(text: str) -> dict:
    return json.loads(text)


def read_xlsx(data: bytes) -> dict[str, list[list]]:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in wb}


def _cells(line: str) -> list[str]:
    """A line as display cells: a wide character fills its cell and a '' after it."""
    out: list[str] = []
    for ch in line:
        out.append(ch)
        if cell_len(ch) == 2:
            out.append("")
    return out


def read_table(text: str, labels: list[str], numeric: set[str]) -> tuple[list[list[str]], list[str] | None]:
    """Parse the first table of the table format back into cells, by the header's label
    positions in *display cells*: a numeric column's value must end where its label ends,
    a text column's must start where its label starts, so a CJK cell shifted by one
    would fail (that is the alignment check). Returns (rows, total row or None)."""
    lines = text.split("\n")
    head = next(i for i, line in enumerate(lines) if line.split() == labels)
    header = _cells(lines[head])
    spans: list[tuple[int, int]] = []
    pos = 0
    for label in labels:
        want = _cells(label)
        while header[pos : pos + len(want)] != want:
            pos += 1
        spans.append((pos, pos + len(want)))
        pos += len(want)
    rows: list[list[str]] = []
    total = None
    rules = 0
    for line in lines[head + 1 :]:
        if not line.strip():
            break
        if set(line.strip()) <= {"━", "─"}:
            rules += 1
            continue
        cells = _cells(line)
        cells += [" "] * (max(0, spans[-1][1] - len(cells)) + 4)
        values = []
        for label, (start, end) in zip(labels, spans):
            if label in numeric:
                j = end
                while j > 0 and cells[j - 1] != " ":
                    j -= 1
                assert cells[end] == " ", f"{label!r} runs past its column: {line!r}"
                values.append("".join(cells[j:end]))
            else:
                j = start
                while cells[j] != " ":
                    j += 1
                assert start == 0 or cells[start - 1] == " ", f"{label!r} does not start at its column: {line!r}"
                values.append("".join(cells[start:j]))
        if rules >= 2:
            total = values
            break
        else:
            rows.append(values)
    return rows, total
