"""Safe output files: private, whole, never over an existing file or the database in use."""

from __future__ import annotations

import os
import stat

import pytest

from callscript.files.output import (
    MODE_ENV,
    OutputError,
    database_files,
    file_mode,
    plan_output,
    write_atomically,
    write_output,
)


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def leftovers(directory) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".part"))


def test_new_files_are_private_under_umask_022(tmp_path, umask_022, monkeypatch):
    monkeypatch.delenv(MODE_ENV, raising=False)
    target = plan_output(tmp_path / "report.csv")
    write_output(target, b"data")
    assert (tmp_path / "report.csv").read_bytes() == b"data"
    assert mode_of(tmp_path / "report.csv") == 0o600


def test_a_shared_folder_mode_from_the_environment(tmp_path, umask_022, monkeypatch):
    monkeypatch.setenv(MODE_ENV, "0640")
    write_output(plan_output(tmp_path / "shared.csv"), b"x")
    assert mode_of(tmp_path / "shared.csv") == 0o640


@pytest.mark.parametrize("text", ["0755", "0400", "abc", "9", "04000", "0o1666"])
def test_bad_modes_are_refused(text):
    with pytest.raises(OutputError, match=MODE_ENV):
        file_mode({MODE_ENV: text})


def test_modes_accepted():
    assert file_mode({}) == 0o600
    assert file_mode({MODE_ENV: "660"}) == 0o660
    assert file_mode({MODE_ENV: "0o644"}) == 0o644


def test_never_over_an_existing_file_without_force(tmp_path):
    existing = tmp_path / "out.csv"
    existing.write_bytes(b"keep me")
    with pytest.raises(OutputError, match="already exists; use --force"):
        plan_output(existing)
    target = plan_output(existing, force=True)
    write_output(target, b"new")
    assert existing.read_bytes() == b"new" and mode_of(existing) == 0o600


def test_a_file_that_appears_after_the_check_is_not_replaced(tmp_path):
    path = tmp_path / "late.csv"
    target = plan_output(path)
    path.write_bytes(b"someone else's")
    with pytest.raises(OutputError, match="already exists"):
        write_output(target, b"mine")
    assert path.read_bytes() == b"someone else's" and leftovers(tmp_path) == []


def test_the_same_race_at_the_lowest_level(tmp_path):
    path = tmp_path / "race.csv"
    path.write_bytes(b"old")
    with pytest.raises(FileExistsError):
        write_atomically(path, b"new", replace=False)
    assert path.read_bytes() == b"old" and leftovers(tmp_path) == []


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm", "-journal"])
def test_never_over_the_database_even_with_force(tmp_path, suffix):
    db = tmp_path / "calls.db"
    for companion in database_files(db):
        companion.write_bytes(b"sqlite")
    with pytest.raises(OutputError, match="database in use"):
        plan_output(tmp_path / f"calls.db{suffix}", force=True, protect=[db])
    with pytest.raises(OutputError, match="database in use"):  # spelled another way
        plan_output(tmp_path / "sub" / ".." / f"calls.db{suffix}", force=True, protect=[db])


def test_never_over_the_database_through_a_link(tmp_path, monkeypatch):
    db = tmp_path / "calls.db"
    db.write_bytes(b"sqlite")
    (tmp_path / "alias.db").symlink_to(db)
    os.link(db, tmp_path / "hard.db")
    monkeypatch.chdir(tmp_path)
    for name in ("alias.db", "hard.db", "calls.db"):
        with pytest.raises(OutputError, match="database in use"):
            plan_output(name, force=True, protect=[db])
    with pytest.raises(OutputError, match="database in use"):  # the database named relatively
        plan_output(db, force=True, protect=["calls.db"])
    assert db.read_bytes() == b"sqlite"


def test_not_a_directory_or_a_device(tmp_path):
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(OutputError, match="is a directory"):
        plan_output(tmp_path / "dir.csv", force=True)
    with pytest.raises(OutputError, match="not a regular file"):
        plan_output("/dev/null", force=True)
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="is not a directory"):
        plan_output(tmp_path / "file" / "out.csv")


def test_missing_directories_are_created(tmp_path):
    write_output(plan_output(tmp_path / "a" / "b" / "out.csv"), b"x")
    assert (tmp_path / "a" / "b" / "out.csv").read_bytes() == b"x"


def test_a_failing_writer_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "out.xlsx"
    path.write_bytes(b"old")

    def broken(fh):
        fh.write(b"half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OutputError, match="No space left on device"):
        write_output(plan_output(path, force=True), broken)
    assert path.read_bytes() == b"old" and leftovers(tmp_path) == []


def test_unwritable_directory_is_refused_before_work(tmp_path, monkeypatch):
    """``os.access`` is what the check asks (root passes a 0500 directory; see the CLI test for a real one)."""
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, m: False if str(p) == str(locked) else real_access(p, m))
    with pytest.raises(OutputError, match="cannot write in"):
        plan_output(locked / "out.csv")
