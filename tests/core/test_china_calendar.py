"""callscript.core.china_calendar: China's official calendar (the holidays package), 调休
included, holiday breaks by name, and honest estimates for years beyond the published data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from callscript.core import china_calendar as cal


def test_a_tiaoxiu_saturday_is_a_working_day_and_the_monday_off_a_rest_day():
    assert cal.is_adjusted_working_day(date(2026, 2, 14)) and cal.is_working_day(date(2026, 2, 14))
    assert cal.day_label(date(2026, 2, 14)) == "调休上班"
    assert cal.is_rest_day(date(2026, 2, 23))  # Monday off in exchange for Saturday 02-28
    assert cal.holiday_name(date(2026, 2, 23)) == "休息日（由 2026-02-28 调休）"
    assert cal.is_working_day(date(2026, 2, 28)) and cal.is_working_day(date(2026, 10, 10))
    assert cal.is_rest_day(date(2026, 3, 7)) and cal.day_label(date(2026, 3, 7)) == "周末"  # a plain Saturday
    assert cal.day_label(date(2026, 3, 9)) == "工作日"


def test_spring_festival_2026_is_nine_days_with_its_eve():
    spring = cal.find_holiday("春节", date(2026, 1, 1))
    assert spring is not None
    assert (spring.first, spring.last, spring.days, spring.names, spring.estimated) == (
        date(2026, 2, 15),
        date(2026, 2, 23),
        9,
        ("春节",),
        False,
    )
    assert cal.holiday_name(date(2026, 2, 16)) == "农历除夕" and cal.festival_of(date(2026, 2, 16)) == "春节"
    assert all(cal.is_rest_day(d) for d in (spring.first + timedelta(days=n) for n in range(9)))
    assert spring.describe() == "春节 02-15 至 02-23 (9天)"


def test_national_day_2026_and_2025_with_mid_autumn():
    national = cal.find_holiday("国庆", date(2026, 9, 1))
    assert national is not None and (national.first, national.last, national.names) == (
        date(2026, 10, 1),
        date(2026, 10, 7),
        ("国庆节",),
    )
    both = cal.find_holiday("中秋", date(2025, 9, 1))  # 2025: one break for both festivals
    assert both is not None and both.names == ("国庆节", "中秋节") and both.days == 8
    assert both.name == "国庆节、中秋节"


@pytest.mark.parametrize(
    "text, festival",
    [
        ("国庆", "国庆节"),
        ("十一", "国庆节"),
        ("五一", "劳动节"),
        ("除夕", "春节"),
        ("中秋节", "中秋节"),
        ("圣诞", None),
    ],
)
def test_festival_names_people_use(text, festival):
    assert cal.resolve_festival(text) == festival


def test_the_next_holiday_is_the_current_one_during_a_break():
    assert cal.next_holiday(date(2026, 10, 3)).first == date(2026, 10, 1)  # type: ignore[union-attr]
    after = cal.next_holiday(date(2026, 10, 8))
    assert after is not None and after.names == ("元旦",) and after.first == date(2027, 1, 1)
    year = [h.names[0] for h in cal.holidays_between(date(2026, 1, 1), date(2026, 12, 31))]
    assert year == ["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"]


def test_years_beyond_the_published_schedule_are_estimated_and_said_so():
    """2027 and 2030: the library computes the lunar holidays (chinese-calendar would raise);
    weekends are rest days and no Saturday is a working day; we say it is an estimate."""
    assert cal.official_through() >= 2026
    for year in (2027, 2030):
        if year <= cal.official_through():  # a newer holidays release has the real schedule
            continue
        assert cal.is_estimated(year) and "还没有收录" in (cal.estimate_note(year) or "")
        spring = cal.find_holiday("春节", date(year, 1, 1))
        assert spring is not None and spring.estimated and "(推算)" in spring.describe()
        saturdays = [date(year, 1, 1) + timedelta(days=n) for n in range(366)]
        assert not any(cal.is_adjusted_working_day(d) for d in saturdays if d.year == year)
    assert cal.find_holiday("春节", date(2027, 1, 1)).first.month == 2  # type: ignore[union-attr]
    assert cal.find_holiday("中秋", date(2030, 1, 1)).first == date(2030, 9, 12)  # type: ignore[union-attr]
    assert cal.estimate_note(2026) is None and not cal.is_estimated(date(2026, 5, 1))
