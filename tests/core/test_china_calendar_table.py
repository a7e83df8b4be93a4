"""The committed calendar table (callscript.core.china_calendar_table) is exactly what the
installed ``holidays`` package says, year by year — so the table cannot drift from the library
(after upgrading ``holidays``: ``uv run python -m callscript.core.china_calendar_source``) —
and the app's path to a call never imports the library."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

from callscript.core import china_calendar as cal
from callscript.core import china_calendar_source as source
from callscript.core import china_calendar_table as table

REGENERATE = "run `uv run python -m callscript.core.china_calendar_source` after upgrading holidays"


def test_the_table_file_is_what_the_generator_writes_from_the_installed_library():
    assert source.TABLE_PATH.read_text(encoding="utf-8") == source.render_table(), REGENERATE


def test_every_year_of_the_table_equals_the_library():
    assert source.library_range() == (table.FIRST_YEAR, table.LAST_YEAR), REGENERATE
    assert source.library_official_years() == (table.OFFICIAL_FROM, table.OFFICIAL_THROUGH), REGENERATE
    for year in range(table.FIRST_YEAR, table.LAST_YEAR + 1):
        names, working = source.library_year(year)
        got = cal._year(year)
        assert (got.names, got.working_weekend_days) == (names, working), f"{year}: {REGENERATE}"


def test_a_year_outside_the_table_still_asks_the_library():
    year = table.LAST_YEAR + 1
    names, working = source.library_year(year)
    assert cal._year(year).names == names and cal._year(year).working_weekend_days == working
    assert cal.is_estimated(year)
    assert cal.holiday_name(date(year, 10, 1)) == names.get(date(year, 10, 1))


def test_asking_the_calendar_does_not_import_holidays():
    """The reason the table exists: a fresh interpreter answers for a tabled year without
    importing the library (it costs ~100 ms and hundreds of modules on the way to a call)."""
    code = (
        "import sys\n"
        "from datetime import date\n"
        "from callscript.core import china_calendar as cal\n"
        "assert cal.is_rest_day(date(2026, 10, 1)) and cal.is_working_day(date(2026, 2, 14))\n"
        "assert cal.next_holiday(date(2030, 1, 1)) is not None and cal.is_estimated(2030)\n"
        "print('holidays' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
