"""Every CLI command, fed random values of each option's type (issue 14, proof): exit 0, 1 or 2,
never a traceback, and the database still passes ``PRAGMA integrity_check``.

The commands are found by walking click's command tree, so a command added later is covered
without touching this file. Values: for a number type its bounds, one past them, huge and
negative numbers, ``nan``/``inf``, text; for days and times the grammar's edges and nonsense;
for paths ``/dev/zero``, a directory, the database itself, missing and Chinese names; for text
control characters, Chinese, 5,000 characters, formula text, SQL wildcards. A few hundred
examples in all, so CI stays quick.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reports.conftest import build_known_db

from callscript.cli.main import cli
from callscript.cli.params import Amount, Count, DayParam, MomentParam

ROOT = Path(__file__).resolve().parents[2]

NOT_HERE = {("edit",)}
"""Commands that open a full-screen app (the root command itself, with no subcommand, too)."""

EXAMPLES_PER_COMMAND = 12


def leaf_commands(
    group: click.Group = cli, prefix: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        if isinstance(command, click.Group):
            found += leaf_commands(command, path)
        elif path not in NOT_HERE:
            found.append((path, command))
    return found


COMMANDS = leaf_commands()

HOSTILE_TEXT = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "\x1b]0;PWNED\x07\x1b[2J",
            "\x00",
            "a\nb",
            "x" * 5000,
            "%",
            "_",
            '=HYPERLINK("http://r","x")',
            "'; DROP TABLE leads; --",
            "王芳",
            "深圳华强电子科技有限公司",
            "nan",
            "inf",
            "-1",
            "9" * 40,
            "１３８１２３４５６７８",
            "13812345678",
            "00138052",
        ]
    ),
    st.text(max_size=30),
)

DAYS = st.sampled_from(
    [
        "",
        "-99999999",
        "+99999999",
        "9999-12-31",
        "0001-01-01",
        "1970-01-01",
        "2999-12-31",
        "2025-03-03",
        "03-03",
        "20250303",
        "今天",
        "昨天",
        "周五",
        "下周一",
        "-3",
        "2025-02-30",
        "nan",
        "\x1b[2J",
        "明年",
    ]
)
MOMENTS = st.one_of(
    DAYS,
    st.sampled_from(["2025-03-04 15:00", "9999-12-31T23:59", "明天 10:00", "0:30", "25:61", "2999-12-31 20:00", "x"]),
)


def number_values(low: float | None, high: float | None) -> st.SearchStrategy[str]:
    edges = ["0", "-1", "1e400", "-inf", "inf", "nan", "NaN", "", "1.5", "0x10", "9" * 25, "-" + "9" * 25, "五"]
    if low is not None:
        edges += [str(low), str(low - 1), str(int(low) + 1)]
    if high is not None:
        edges += [str(high + 1)]
    return st.one_of(st.sampled_from(edges), st.integers(-(10**20), 10**20).map(str))


def values_for(param: click.Parameter, paths: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    kind = param.type
    if isinstance(kind, click.Choice):
        return st.one_of(st.sampled_from([str(c) for c in kind.choices]), HOSTILE_TEXT)
    if isinstance(kind, (Count, click.IntRange)):
        return number_values(kind.min, kind.max)
    if isinstance(kind, (Amount, click.FloatRange)):
        return number_values(kind.min, kind.max)
    if isinstance(kind, DayParam):
        return DAYS
    if isinstance(kind, MomentParam):
        return MOMENTS
    if isinstance(kind, click.Path):
        return paths
    if kind in (click.INT, click.FLOAT):
        return number_values(None, None)
    return HOSTILE_TEXT


def sane_values(param: click.Parameter, paths: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Values the option takes, so that most examples get past option parsing into the command."""
    kind = param.type
    if isinstance(kind, click.Choice):
        return st.sampled_from([str(c) for c in kind.choices])
    if isinstance(kind, (Count, click.IntRange)):
        low = int(kind.min or 0)
        return st.sampled_from([str(low), str(low + 1)])
    if isinstance(kind, (Amount, click.FloatRange)):
        return st.sampled_from([str(kind.min or 0), "0.5", "2"])
    if isinstance(kind, DayParam):
        return st.sampled_from(["2025-03-03", "2025-03-05", "今天"])
    if isinstance(kind, MomentParam):
        return st.sampled_from(["2030-03-04 15:00", "2025-03-11 10:00"])
    if isinstance(kind, click.Path):
        return paths
    return st.sampled_from(["王芳", "李娜", "busy", "callback", "13812345678", "公司=company"])


def command_lines(command: click.Command, paths: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    """Random argument lists for ``command``: each option left out or given (mostly a value it
    takes, often a hostile one), arguments always given."""
    parts: list[st.SearchStrategy[list[str]]] = []
    for param in command.params:
        if param.name in ("db_path", "help"):
            continue
        if isinstance(param, click.Argument):
            count = st.integers(1, 2) if param.nargs == -1 else st.just(max(param.nargs, 1))
            value = st.one_of(sane_values(param, paths), values_for(param, paths))
            parts.append(count.flatmap(lambda n, v=value: st.lists(v, min_size=n, max_size=n)))
            continue
        assert isinstance(param, click.Option)
        flag = param.opts[0]
        if param.is_flag:
            parts.append(st.sampled_from([[], [flag]]))
            continue
        value = st.one_of(sane_values(param, paths), sane_values(param, paths), values_for(param, paths))
        given_value = value.map(lambda v, f=flag: [f, v])
        parts.append(given_value if param.required else st.one_of(st.just([]), given_value))
    return st.tuples(*parts).map(lambda chunks: [word for chunk in chunks for word in chunk])


@pytest.fixture
def floor(tmp_path, monkeypatch):
    """A database with calls, leads, callbacks and mailings; files to name; the cwd in tmp."""
    db = build_known_db(tmp_path / "known.db")
    work = tmp_path / "work"
    work.mkdir()
    (work / "list.csv").write_text("公司,电话\n甲公司,13812345678\n乙,123\n", encoding="utf-8")
    (work / "facts.yaml").write_text("travel: often\nhotel_star: 4\naccepts: yes\n", encoding="utf-8")
    (work / "answers.yaml").write_text("- '1'\n- '1'\n", encoding="utf-8")
    shutil.copy(db, work / "backup.db")
    # copies: a command given --force may overwrite a path it was handed, so nothing outside tmp is named
    shutil.copy(ROOT / "scripts" / "ctrip.yaml", work / "ctrip.yaml")
    shutil.copy(ROOT / "tests" / "scripts" / "mini.yaml", work / "mini.yaml")
    monkeypatch.chdir(work)
    monkeypatch.delenv("CALLSCRIPT_DB", raising=False)
    monkeypatch.setenv("CALLSCRIPT_CONFIG", str(tmp_path / "config.json"))
    paths = st.one_of(
        st.sampled_from(
            [
                "/dev/zero",
                "/dev/null",
                ".",
                str(db),
                f"{db}-wal",
                "missing.csv",
                "list.csv",
                "facts.yaml",
                "answers.yaml",
                "backup.db",
                str(work / "ctrip.yaml"),
                "mini.yaml",
                "输出.csv",
                "out.xlsx",
                "-",
                "",
            ]
        ),
        st.text(st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",)), min_size=1, max_size=12),
    )
    return db, paths


@pytest.fixture
def repo_untouched():
    """The checkout must come out of the fuzzing as it went in (a --force once wrote a database
    over scripts/ctrip.yaml when the test still named the shipped file)."""
    watched = [ROOT / "scripts" / "ctrip.yaml", ROOT / "tests" / "scripts" / "mini.yaml", ROOT / "data"]
    before = {p: p.read_bytes() for p in watched if p.is_file()}
    yield
    assert {p: p.read_bytes() for p in before} == before


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_option_of_every_command(floor, repo_untouched, path, command):
    db, paths = floor
    runner = CliRunner()

    @settings(
        max_examples=EXAMPLES_PER_COMMAND,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(args=command_lines(command, paths))
    def one(args: list[str]) -> None:
        takes_db = any(p.name == "db_path" for p in command.params)
        line = [*path, *args, *(["--db", str(db)] if takes_db else [])]
        result = runner.invoke(cli, line, catch_exceptions=True)
        shown = f"callscript {' '.join(map(repr, line))}\n{result.output[-2000:]}"
        assert result.exit_code in (0, 1, 2), shown
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            f"{shown}\n{type(result.exception).__name__}: {result.exception}"
        )
        assert "Traceback" not in result.output, shown
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok", shown

    one()


def test_the_walk_finds_the_commands():
    names = {" ".join(p) for p, _ in COMMANDS}
    assert {
        "validate",
        "db check",
        "db backup",
        "db copy",
        "db restore",
        "leads import",
        "report daily",
        "demo-data",
    } <= names
    assert len(COMMANDS) * EXAMPLES_PER_COMMAND <= 520  # a few hundred examples in all (CI time; 42 commands)
