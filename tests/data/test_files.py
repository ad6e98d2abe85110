"""Writing a file a person named (data.files): never over the open database, any SQLite file or
an existing file unless forced; whole or not at all, mode 0600; on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from data.errors import InvalidInput
from data.files import SQLITE_HEADER, check_output, write_new, write_output
from tests.conftest import OpenedDatabase


def _only(folder: Path) -> list[str]:
    """What the folder holds: no temporary file may be left behind."""
    return sorted(path.name for path in folder.iterdir())


def test_the_open_database_and_its_files_are_never_written_over(
    db: OpenedDatabase, tmp_path: Path
) -> None:
    if db.backend != "sqlite":
        pytest.skip("on PostgreSQL the open database is no file")
    location = Path(db.location)
    before = location.read_bytes()
    with pytest.raises(InvalidInput) as refused:
        write_output(location, "over it", force=True)
    assert str(refused.value) == f"{location} is the open offboard database: choose another file."
    with pytest.raises(InvalidInput, match="belongs to the open offboard database"):
        write_output(f"{location}-wal", "over it", force=True)
    link = tmp_path / "link.html"
    link.symlink_to(location)
    with pytest.raises(InvalidInput, match="is the open offboard database"):
        write_output(link, "over it", force=True)
    assert location.read_bytes()[: len(SQLITE_HEADER)] == SQLITE_HEADER
    assert location.read_bytes() == before


def test_no_sqlite_file_is_written_over_even_when_forced(
    db: OpenedDatabase, tmp_path: Path
) -> None:
    other = tmp_path / "other.html"  # its name does not say what it is: its first bytes do
    sqlite3.connect(other).execute("CREATE TABLE kept (x)").connection.close()
    before = other.read_bytes()
    with pytest.raises(InvalidInput, match=r"other\.html is a SQLite database: choose another"):
        write_output(other, "<html>", force=True)
    assert other.read_bytes() == before


def test_an_existing_file_is_replaced_only_when_forced(tmp_path: Path) -> None:
    target = tmp_path / "case.html"
    assert write_output(target, "first") == target
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with pytest.raises(InvalidInput) as refused:
        write_output(target, "second")
    assert str(refused.value) == f"{target} exists: add --force to replace it."
    assert target.read_text() == "first"
    os.chmod(target, 0o644)
    write_output(target, "second", force=True)
    assert target.read_text() == "second"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert _only(tmp_path) == ["case.html"]


def test_a_place_that_is_no_file_is_refused_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="is a folder: name a file in it"):
        check_output(tmp_path)
    with pytest.raises(InvalidInput, match="does not exist: create it"):
        check_output(tmp_path / "missing" / "case.html")
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(InvalidInput, match="is not a regular file"):
        write_output(tmp_path / "pipe", "x", force=True)


def test_a_failed_write_leaves_the_old_file_whole_and_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "case.html"
    target.write_text("kept")

    def disk_full(handle: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)  # the disk fills as the new file is written
    with pytest.raises(InvalidInput, match=r"could not be written \(No space left on device\)"):
        write_output(target, "new " * 1000, force=True)
    assert target.read_text() == "kept"
    assert _only(tmp_path) == ["case.html"]


def test_write_new_takes_the_next_free_name_and_replaces_nothing(tmp_path: Path) -> None:
    first = write_new(tmp_path / "report.csv", "one")
    second = write_new(tmp_path / "report.csv", "two")
    (tmp_path / "report-3.csv").mkdir()
    third = write_new(tmp_path / "report.csv", "three")
    assert [first.name, second.name, third.name] == ["report.csv", "report-2.csv", "report-4.csv"]
    assert [p.read_text() for p in (first, second, third)] == ["one", "two", "three"]
