"""The TUI's pure helpers: cell-exact cropping and wrapping, callback times, notes."""

from __future__ import annotations

from datetime import datetime

import pytest
from rich.cells import cell_len

from callscript.core.when import WhenError as TimeParseError
from callscript.core.when import describe, quick_choices
from callscript.core.when import parse_moment as parse_callback_time
from callscript.tui.screens.dialogs import parse_note
from callscript.tui.text import crop_cells, fit_breadcrumb, marked_text, wrap_cells
from callscript.tui.widgets.side_panel import Row, fit_rows, layout_rows

NOW = datetime(2025, 11, 25, 10, 20).astimezone()  # a Tuesday


@pytest.mark.parametrize("width", range(1, 20))
def test_crop_never_splits_a_wide_character(width):
    text = "深圳华强电子科技有限公司 Ltd."
    cropped = crop_cells(text, width)
    assert cell_len(cropped) <= width
    assert cropped.rstrip("…") == text[: len(cropped.rstrip("…"))]


def test_breadcrumb_drops_the_oldest_titles_first():
    titles = ["开场白", "是否方便", "是否出差", "预订方式", "B3 到当地再找", "B3 费用标准"]
    assert fit_breadcrumb(titles, 200) == " › ".join(titles)
    fitted = fit_breadcrumb(titles, 32)
    assert fitted.startswith("… › ") and fitted.endswith("B3 到当地再找 › B3 费用标准")
    assert cell_len(fitted) <= 32
    assert cell_len(fit_breadcrumb(titles, 8)) <= 8


def test_key_words_are_marked_red():
    text = marked_text("我是**携程旅行网**的")
    assert text.plain == "我是携程旅行网的"
    [span] = text.spans
    assert text.plain[span.start : span.end] == "携程旅行网" and "red" in str(span.style)


@pytest.mark.parametrize("width", [1, 2, 3, 5, 9, 14, 27])
def test_wrap_cells_keeps_every_character_and_the_width(width):
    text = "必须有经常出差或是接待客户 and some English words 住二星"
    lines = wrap_cells(text, width)
    assert all(cell_len(line) <= max(width, 2) for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_side_panel_rows_hang_under_their_label_and_fit_the_height():
    blocks = (
        (Row("公司名称很长很长很长", "bold"),),
        (Row(prefix=(("准客户条件", ""),)), Row("必须有经常出差或是接待客户", prefix=(("✓", ""), (" ", "")))),
        (Row(prefix=(("已了解", ""),)), *(Row(f"值{i}", prefix=((f"事实{i}:", ""),)) for i in range(12))),
    )
    lines = ["".join(t for t, _ in runs) for runs in layout_rows(blocks, 14)]
    assert lines[3:6] == ["准客户条件", "✓ 必须有经常出", "  差或是接待客"]
    for height in (6, 10, 20):
        fitted = ["".join(t for t, _ in runs) for runs in fit_rows(blocks, 14, height)]
        assert len(fitted) <= height and all(cell_len(line) <= 14 for line in fitted)
    compact = ["".join(t for t, _ in runs) for runs in fit_rows(blocks, 14, 10)]
    assert compact[-1] == "…" and "事实11:值11" in "".join(compact)  # newest kept


def test_quick_choices_and_typed_times():
    choices = {c.label: c.due for c in quick_choices(NOW)}
    assert choices["一小时后"] == datetime(2025, 11, 25, 11, 20).astimezone()
    assert choices["今天下午"] == datetime(2025, 11, 25, 15, 0).astimezone()
    assert choices["明天上午"] == datetime(2025, 11, 26, 10, 0).astimezone()
    assert {c.label: c.due for c in quick_choices(NOW.replace(hour=16))}["今天下午"] is None

    def at(text):
        return describe(parse_callback_time(text, NOW), NOW)

    assert at("15:30") == "今天 15:30"
    assert at("3点半") == "今天 15:30"  # a bare 1–7 o'clock is the afternoon
    assert at("9:00") == "明天 09:00"  # passed today: tomorrow
    assert at("明天 9:30") == "明天 09:30"
    assert at("后天上午") == "后天 10:00"
    assert at("晚上7点") == "今天 19:00"
    assert at("11-28 10:00") == "11-28 (周五) 10:00"
    assert at("2小时后") == "今天 12:20"
    assert at("+30m") == "今天 10:50"
    for bad in ("", "abc", "25:00", "2025-01-01 10:00", "13-40 9:00"):
        with pytest.raises(TimeParseError):
            parse_callback_time(bad, NOW)


def test_notes_flag_important_with_a_bang():
    assert parse_note("!老板下周出差").important is True
    assert parse_note("!老板下周出差").text == "老板下周出差"
    assert parse_note(" 声音很小 ").important is False
    assert parse_note("  ") is None and parse_note("!") is None


@pytest.mark.parametrize("width", [12, 16, 20, 26, 30, 40])
def test_wrapping_never_breaks_a_number_that_fits_on_a_line(width):
    text = "客户说周五前要报价单,手机13918765402晚上8点后再打,先寄资料给前台小王转交"
    lines = wrap_cells(text, width)
    assert "".join(lines) == text
    assert all(cell_len(line) <= width for line in lines)
    assert any("13918765402" in line for line in lines)


@pytest.mark.parametrize("width", range(4, 30))
def test_a_line_never_starts_with_a_comma_or_a_full_stop(width):
    text = "是这样子的，我今天是特意打电话过来问候您，想了解一下。您平时出差多吗？"
    lines = wrap_cells(text, width)
    assert "".join(lines) == text
    assert all(cell_len(line) <= width for line in lines)
    assert not any(line[0] in "，。？" for line in lines)


def test_a_card_value_wraps_under_itself_with_its_styles():
    from rich.console import Console
    from rich.text import Text

    from callscript.tui.text import CellWrapped

    note = Text()
    note.append("! ", "bold red")
    note.append("客户说周五前要报价单,手机13918765402晚上8点后再打")
    console = Console(width=24, record=True, color_system=None, file=__import__("io").StringIO())
    console.print(CellWrapped(note, hang=2))
    lines = console.export_text().rstrip("\n").split("\n")
    assert lines[0].startswith("! 客户说") and lines[1].startswith("  ")  # the ! is never alone on a line
    assert "13918765402" in "".join(line.strip() for line in lines)
    assert all(cell_len(line.rstrip()) <= 24 for line in lines)
