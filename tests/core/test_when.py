"""The one date and time grammar: every form, the business-hours rule, and hostile input."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from callscript.core.when import (
    DEFAULT_BUSINESS_HOURS,
    FIRST_DAY,
    LAST_DAY,
    WEEKDAYS,
    BusinessHours,
    WhenError,
    describe,
    parse_day,
    parse_moment,
    quick_choices,
)

CST = timezone(timedelta(hours=8))
TODAY = date(2025, 11, 25)  # a Tuesday
NOW = datetime(2025, 11, 25, 10, 20, tzinfo=CST)


def at(text: str, now: datetime = NOW) -> datetime:
    return parse_moment(text, now)


def on(hour: int, minute: int = 0, days: int = 0) -> datetime:
    return datetime.combine(TODAY + timedelta(days=days), time(hour, minute), tzinfo=CST)


# --------------------------------------------------------------------------- days


@pytest.mark.parametrize(
    "text, day",
    [
        ("11-25", date(2025, 11, 25)),
        ("11/25", date(2025, 11, 25)),
        ("11.25", date(2025, 11, 25)),
        ("11月25日", date(2025, 11, 25)),
        ("3-1", date(2025, 3, 1)),
        ("2026-11-25", date(2026, 11, 25)),
        ("2026/11/25", date(2026, 11, 25)),
        ("2026.11.25", date(2026, 11, 25)),
        ("2026年11月25日", date(2026, 11, 25)),
        ("20261125", date(2026, 11, 25)),
        ("今天", TODAY),
        ("明天", date(2025, 11, 26)),
        ("后天", date(2025, 11, 27)),
        ("大后天", date(2025, 11, 28)),
        ("昨天", date(2025, 11, 24)),
        ("前天", date(2025, 11, 23)),
        ("大前天", date(2025, 11, 22)),
        ("today", TODAY),
        ("Yesterday", date(2025, 11, 24)),
        ("tomorrow", date(2025, 11, 26)),
        ("-3", date(2025, 11, 22)),
        ("+3", date(2025, 11, 28)),
        ("-0", TODAY),
        ("周五", date(2025, 11, 28)),  # this week's Friday
        ("星期五", date(2025, 11, 28)),
        ("礼拜五", date(2025, 11, 28)),
        ("周一", date(2025, 11, 24)),  # this week's Monday: yesterday
        ("周日", date(2025, 11, 30)),
        ("星期天", date(2025, 11, 30)),
        ("下周一", date(2025, 12, 1)),
        ("下下周一", date(2025, 12, 8)),
        ("上周五", date(2025, 11, 21)),
        ("这周三", date(2025, 11, 26)),
        ("11-28 (周五)", date(2025, 11, 28)),  # as describe() shows it
        ("  ２０２６－１１－２５　", date(2026, 11, 25)),  # full-width, as an input method may commit it
    ],
)
def test_day_forms(text, day):
    assert parse_day(text, TODAY) == day


@pytest.mark.parametrize(
    "text",
    [
        "",
        "  ",
        "下周",
        "明年",
        "2026-02-30",
        "13-01",
        "11-28 (周四)",  # the wrong weekday for that date
        "2026-11-25x",
        "2026-11/25",
        "今晚",  # a moment, not a day
        "-99999999",
        "-9999999999999",
        "+99999999",
        "0001-01-01",
        "9999-12-31",
        "99999999",
        "1969-12-31",
        "3000-01-01",
        "x" * 10_000,
        "\x00\x1b]0;PWNED\x07",
    ],
)
def test_bad_days_are_when_errors(text):
    with pytest.raises(WhenError) as info:
        parse_day(text, TODAY)
    assert str(info.value)  # a message for a person


def test_ported_export_days():
    """What ``leads.exports.parse_day`` accepted still reads the same."""
    today = date(2026, 3, 2)
    assert parse_day("2026-03-01", today) == date(2026, 3, 1)
    assert parse_day("20260301", today) == date(2026, 3, 1)
    assert parse_day("2026/03/01", today) == date(2026, 3, 1)
    assert parse_day("yesterday", today) == date(2026, 3, 1)
    assert parse_day("今天", today) == today
    with pytest.raises(ValueError):  # WhenError is a ValueError: old callers keep working
        parse_day("下周", today)


def test_range_edges():
    assert parse_day(FIRST_DAY.isoformat(), TODAY) == FIRST_DAY
    assert parse_day(LAST_DAY.isoformat(), TODAY) == LAST_DAY
    with pytest.raises(WhenError, match="超出范围"):
        parse_day("-1", FIRST_DAY)
    with pytest.raises(WhenError, match="超出范围"):
        parse_day("+1", LAST_DAY)


# --------------------------------------------------------------------------- moments


@pytest.mark.parametrize(
    "text, due",
    [
        # what tui/timeparse.py accepted
        ("15:30", on(15, 30)),
        ("15：30", on(15, 30)),
        ("15.30", on(15, 30)),
        ("1530", on(15, 30)),
        ("15点", on(15)),
        ("15时", on(15)),
        ("3点半", on(15, 30)),  # a bare 1–7 o'clock is the afternoon
        ("3点15分", on(15, 15)),
        ("3点15", on(15, 15)),
        ("下午3点", on(15)),
        ("上午10:30", on(10, 30)),
        ("晚上7点", on(19)),
        ("今天 16:00", on(16)),
        ("明天 9:30", on(9, 30, 1)),
        ("后天 10点", on(10, 0, 2)),
        ("明天上午", on(10, 0, 1)),
        ("明天下午", on(15, 0, 1)),
        ("今晚", on(19)),
        ("明早", on(10, 0, 1)),
        ("明晚8点", on(20, 0, 1)),
        ("明天 7:00", on(19, 0, 1)),  # a bare 1–7 is the afternoon after a day too
        ("11-28 10:00", on(10, 0, 3)),
        ("11/28 10:00", on(10, 0, 3)),
        ("2025-11-28 10:00", on(10, 0, 3)),
        ("11月28日10点", on(10, 0, 3)),
        ("30分钟后", on(10, 50)),
        ("2小时后", on(12, 20)),
        ("+30m", on(10, 50)),
        ("+2h", on(12, 20)),
        ("+1d", on(10, 20, 1)),
        ("9:00", on(9, 0, 1)),  # passed today: tomorrow
        # new forms (issue 13)
        ("周五下午", on(15, 0, 3)),
        ("星期五 10:00", on(10, 0, 3)),
        ("星期五10点", on(10, 0, 3)),
        ("下周一上午", on(10, 0, 6)),
        ("半小时后", on(10, 50)),
        ("一个半小时后", on(11, 50)),
        ("1个半小时后", on(11, 50)),
        ("两个小时后", on(12, 20)),
        ("两小时后", on(12, 20)),
        ("1.5小时后", on(11, 50)),
        ("2小时30分后", on(12, 50)),
        ("一刻钟后", on(10, 35)),
        ("三十分钟后", on(10, 50)),
        ("3天后", on(10, 20, 3)),
        ("明天下午3点", on(15, 0, 1)),
        ("明天下午三点半", on(15, 30, 1)),
        ("十点", on(10, 0, 1)),  # 10:00 has passed: tomorrow
        ("十一点", on(11)),
        ("三点一刻", on(15, 15)),
        ("下午两点", on(14)),
        ("中午", on(12)),
        ("中午1点", on(13)),
        ("12点", on(12)),
        ("周一", on(10, 0, 6)),  # this week's Monday has passed: next Monday
        ("11-28 (周五) 10:00", on(10, 0, 3)),  # as describe() shows it
        ("2025-11-28T10:00", on(10, 0, 3)),
        ("2025-11-28T10:00:00+08:00", on(10, 0, 3)),
        ("20251128 10:00", on(10, 0, 3)),
        ("明天", on(10, 0, 1)),  # a day alone: 10:00
        ("下午", on(15)),
        ("上午", on(10, 0, 1)),  # this morning's 10:00 has passed
    ],
)
def test_moment_forms(text, due):
    assert at(text) == due


def test_an_input_method_commit_and_wide_spaces():
    assert at("明天　下午３点") == on(15, 0, 1)
    assert at(" 明天 下午 3 点 ") == on(15, 0, 1)


@pytest.mark.parametrize(
    "text, words",
    [
        ("0:30", "不在上班时间 (08:30–21:00)"),  # never tomorrow 00:30
        ("00:30", "不在上班时间"),
        ("8点", "08:00 不在上班时间"),
        ("0330", "03:30 不在上班时间"),
        ("晚上10点", "22:00 不在上班时间"),
        ("明天 07:00", "07:00 不在上班时间"),  # zero-padded: the 24-hour clock, as written
        ("12小时后", "22:20 不在上班时间"),
        ("今天 9:00", "已经过去了"),
        ("2025-01-01 10:00", "已经过去了"),
        ("上周五 10:00", "已经过去了"),
        ("", "请输入时间"),
        ("abc", "看不懂时间"),
        ("25:00", "没有这个时间"),
        ("3点70分", "没有这个时间"),
        ("上午15点", "上午没有 15 点"),
        ("13-40 9:00", "没有这一天"),
        ("0分钟后", "时间要在以后"),
        ("9999-12-31 23:59", "超出范围"),
        ("0001-01-01 10:00", "超出范围"),
        ("99999999999999999999小时后", "看不懂时间"),
        ("999999天后", "超出范围"),
    ],
)
def test_refused_moments_say_why(text, words):
    with pytest.raises(WhenError, match=words.replace("(", r"\(").replace(")", r"\)")):
        at(text)


def test_business_hours_are_configurable():
    late = BusinessHours(time(9), time(22, 30))
    assert parse_moment("晚上10点", NOW, hours=late) == on(22)
    with pytest.raises(WhenError, match="08:40 不在上班时间 \\(09:00–22:30\\)"):
        parse_moment("明天 8:40", NOW, hours=late)
    assert parse_moment("0:30", NOW, hours=None) == on(0, 30, 1)  # no hours: a bare time rolls to tomorrow
    assert BusinessHours.parse("09:00-22:30") == late
    assert BusinessHours.parse("９:００ 至 22:30") == late
    for bad in ("9-22", "22:00-09:00", "25:00-26:00", ""):
        with pytest.raises(WhenError):
            BusinessHours.parse(bad)


def test_the_past_as_written_when_not_a_callback():
    """``report due --at``: the moment as written, past or night."""
    assert parse_moment("2025-03-11 10:00", NOW, future=False, hours=None) == datetime(2025, 3, 11, 10, tzinfo=CST)
    assert parse_moment("昨天 23:00", NOW, future=False, hours=None) == on(23, 0, -1)
    assert parse_moment("9:00", NOW, future=False, hours=None) == on(9)  # no rolling forward
    assert parse_moment("周一", NOW, future=False, hours=None) == on(10, 0, -1)
    with pytest.raises(WhenError, match="超出范围"):
        parse_moment("9999-12-31T23:59", NOW, future=False, hours=None)


def test_a_written_offset_is_converted_to_local_time():
    utc = parse_moment("2025-11-28T02:00:00Z", NOW)
    assert utc == on(10, 0, 3) and utc.utcoffset() == timedelta(hours=8)


def test_quick_choices_follow_business_hours():
    choices = {c.label: c.due for c in quick_choices(NOW)}
    assert choices == {"一小时后": on(11, 20), "今天下午": on(15), "明天上午": on(10, 0, 1)}
    evening = {c.label: c.due for c in quick_choices(on(20, 30))}
    assert evening == {"一小时后": None, "今天下午": None, "明天上午": on(10, 0, 1)}


def test_describe():
    assert describe(on(15), NOW) == "今天 15:00"
    assert describe(on(9, 30, 1), NOW) == "明天 09:30"
    assert describe(on(10, 0, 2), NOW) == "后天 10:00"
    assert describe(on(10, 0, 3), NOW) == "11-28 (周五) 10:00"
    assert describe(on(10, 0, 40), NOW) == "2026-01-04 (周日) 10:00"


# --------------------------------------------------------------------------- properties

days = st.dates(min_value=FIRST_DAY, max_value=LAST_DAY)


def day_spellings(day: date, today: date) -> list[str]:
    """Every way the grammar spells ``day`` relative to ``today``."""
    out = [
        day.isoformat(),
        f"{day:%Y/%m/%d}",
        f"{day:%Y.%m.%d}",
        f"{day:%Y%m%d}",
        f"{day.year}年{day.month}月{day.day}日",
        f"{day:%Y-%m-%d} (周{WEEKDAYS[day.weekday()]})",
    ]
    if day.year == today.year:
        out += [f"{day.month}-{day.day}", f"{day:%m/%d}", f"{day.month}.{day.day}", f"{day.month}月{day.day}号"]
    offset = (day - today).days
    out += [f"-{-offset}" if offset <= 0 else f"+{offset}"]
    words = {-3: "大前天", -2: "前天", -1: "昨天", 0: "今天", 1: "明天", 2: "后天", 3: "大后天"}
    if offset in words:
        out.append(words[offset])
    week = ((day - timedelta(days=day.weekday())) - (today - timedelta(days=today.weekday()))).days // 7
    prefix = {-1: "上", 0: "", 1: "下", 2: "下下"}.get(week)
    if prefix is not None:
        name = WEEKDAYS[day.weekday()]
        out += [f"{prefix}周{name}", f"{prefix}星期{name}", f"{prefix}礼拜{name}"]
    return out


@given(day=days, today=days)
@settings(max_examples=300)
def test_every_day_spelling_parses_back(day, today):
    for spelling in day_spellings(day, today):
        assert parse_day(spelling, today) == day, spelling


def clock_spellings(moment: time) -> list[str]:
    """Ways to write a time of day that mean exactly it (inside business hours)."""
    h, m = moment.hour, moment.minute
    out = [f"{h:02d}:{m:02d}", f"{h:02d}{m:02d}", f"{h:02d}.{m:02d}"]
    if h >= 8:  # 1–7 bare means the afternoon
        out.append(f"{h}:{m:02d}")
    if h >= 12:
        period = "中午" if h == 12 else "下午" if h < 18 else "晚上"
        out.append(f"{period}{h - 12 if h > 12 else 12}点{m}分")
        if m == 30:
            out.append(f"{period}{h - 12 if h > 12 else 12}点半")
    else:
        out.append(f"上午{h}点{m}分" if m else f"上午{h}点")
    return out


moments = st.builds(
    lambda now, minutes: (now, (now + timedelta(minutes=minutes)).replace(second=0, microsecond=0)),
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2998, 12, 1)).map(
        lambda d: d.replace(tzinfo=CST, microsecond=0)
    ),
    st.integers(min_value=1, max_value=60 * 24 * 400),
)


@given(pair=moments)
@settings(max_examples=300, suppress_health_check=[HealthCheck.filter_too_much])
def test_every_moment_spelling_parses_back(pair):
    now, due = pair
    assume(due.time() in DEFAULT_BUSINESS_HOURS and due > now)
    day_forms = [due.date().isoformat(), f"{due:%Y/%m/%d}", f"{due:%Y%m%d}", f"{due.year}年{due.month}月{due.day}日"]
    if due.year == now.year:
        day_forms.append(f"{due.month}-{due.day}")
    offset = (due.date() - now.date()).days
    day_forms += {0: ["今天"], 1: ["明天"], 2: ["后天"], 3: ["大后天"]}.get(offset, [])
    spellings = [f"{d} {c}" for d in day_forms for c in clock_spellings(due.time())]
    spellings += [f"{d}{c}" for d in day_forms if not d[-1].isdigit() for c in clock_spellings(due.time())]
    spellings += [due.isoformat(timespec="minutes"), due.isoformat(timespec="seconds"), describe(due, now)]
    if offset == 0 or (offset == 1 and due.time() <= now.time()):  # a bare time means the next one
        spellings += clock_spellings(due.time())
    minutes = round((due - now).total_seconds() / 60)
    if now.second == 0:  # spans count from now, to the minute
        spellings += [f"{minutes}分钟后", f"+{minutes}m"]
    for spelling in spellings:
        assert parse_moment(spelling, now) == due, spelling


@given(text=st.text(max_size=40), today=days)
@settings(max_examples=500)
def test_junk_is_only_ever_a_when_error(text, today):
    now = datetime.combine(today, time(12), tzinfo=CST)
    for call in (
        lambda: parse_day(text, today),
        lambda: parse_moment(text, now),
        lambda: parse_moment(text, now, future=False, hours=None),
    ):
        try:
            call()
        except WhenError:
            pass


grammar_pieces = st.sampled_from(
    ["-", "+", "99999999", "9999", "0", "1", "12", "-99999999", "年", "月", "日", "周", "下", "半", "个",
     "小时", "分钟", "天", "后", ":", ".", "/", " ", "T", "明天", "下午", "点", "十", "两", "z", "+08:00", "(周五)"]
)  # fmt: skip


@given(pieces=st.lists(grammar_pieces, max_size=8), today=st.sampled_from([FIRST_DAY, TODAY, LAST_DAY]))
@settings(max_examples=1500)
def test_near_misses_and_huge_numbers_are_only_ever_when_errors(pieces, today):
    """Text built from the grammar's own pieces, at the edges of the supported years."""
    text = "".join(pieces)
    now = datetime.combine(today, time(12), tzinfo=CST)
    for call in (
        lambda: parse_day(text, today),
        lambda: parse_moment(text, now),
        lambda: parse_moment(text, now, future=False, hours=None),
    ):
        try:
            value = call()
        except WhenError:
            continue
        day = value if isinstance(value, date) and not isinstance(value, datetime) else value.date()
        assert FIRST_DAY <= day <= LAST_DAY
