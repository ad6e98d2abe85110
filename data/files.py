"""Writing a file a person named (``case-file --out``, ``outbox export DIR``, the Reports
screen's CSV): never over the open offboard database or any other SQLite file, never over an
existing file unless asked (``force``), and never half-written — the bytes go to a temporary
file in the same folder (mode 0600) that is then renamed into place. Each refusal is one line
saying what is wrong and how to fix it."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

from peewee import SqliteDatabase

from data.db import database
from data.errors import InvalidInput

SQLITE_HEADER = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite database file
# The files SQLite keeps beside a database while it is open.
SIDECARS = ("-wal", "-shm", "-journal")
REPLACE_HINT = "add --force to replace it"
MODE = 0o600
# write_new: how many numbered names it tries (``report.csv``, ``report-2.csv``, …).
NUMBERED = 1000


def open_database_file() -> Path | None:
    """The SQLite file offboard has open (resolved), or None (PostgreSQL, in memory, none)."""
    db = database.obj
    if not isinstance(db, SqliteDatabase):
        return None
    name = str(db.database or "")
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name).expanduser().resolve()


def is_sqlite_file(path: Path) -> bool:
    """Whether the regular file at ``path`` begins as a SQLite database does."""
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return False
    try:
        return os.read(handle, len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False
    finally:
        os.close(handle)


def _refuse_database(shown: Path, absolute: Path) -> None:
    opened = open_database_file()
    if opened is None:
        return
    if absolute == opened:
        raise InvalidInput(f"{shown} is the open offboard database: choose another file.")
    for suffix in SIDECARS:
        if absolute == opened.with_name(opened.name + suffix):
            raise InvalidInput(
                f"{shown} belongs to the open offboard database (its {suffix[1:]} file): "
                "choose another file."
            )


def _place(path: str | Path) -> tuple[Path, Path]:
    """``path`` as named and resolved, once its folder is sure to exist, it is no folder itself,
    and it is not the open database nor one of its files."""
    shown = Path(path).expanduser()
    absolute = shown.resolve()
    if absolute.is_dir():
        raise InvalidInput(f"{shown} is a folder: name a file in it, such as {shown / 'out.txt'}.")
    if not absolute.parent.is_dir():
        raise InvalidInput(
            f"The folder {absolute.parent} does not exist: create it or name a file elsewhere."
        )
    _refuse_database(shown, absolute)
    return shown, absolute


def check_output(path: str | Path, *, force: bool = False, hint: str = REPLACE_HINT) -> Path:
    """The file to write for ``path`` (resolved), once it is sure to be one that may be
    written: its folder exists, it is not a folder, not the open database (nor one of its
    files), not a SQLite file, and not there at all unless ``force``. ``hint`` says how to
    replace an existing file."""
    shown, absolute = _place(path)
    try:
        found = absolute.stat()
    except FileNotFoundError:
        return absolute
    except OSError as error:
        raise InvalidInput(
            f"{shown} cannot be looked at ({error.strerror or error}): choose another file."
        ) from None
    if not stat.S_ISREG(found.st_mode):
        raise InvalidInput(f"{shown} is not a regular file: choose another file.")
    if is_sqlite_file(absolute):
        raise InvalidInput(f"{shown} is a SQLite database: choose another file.")
    if not force:
        raise InvalidInput(f"{shown} exists: {hint}.")
    return absolute


def _temporary(target: Path, data: bytes) -> Path:
    """``data`` in a new file beside ``target``, mode 0600, on disk."""
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    temporary = Path(name)
    try:
        os.fchmod(handle, MODE)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def _put(temporary: Path, target: Path, *, force: bool) -> bool:
    """Move ``temporary`` to ``target``: over it when ``force``, else only if there is none
    (False when one appeared meanwhile). The temporary file is gone afterwards."""
    try:
        if force:
            os.replace(temporary, target)
            return True
        try:
            os.link(temporary, target)  # fails if the name is taken: nothing is replaced
        except FileExistsError:
            return False
        except OSError as error:
            if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
                raise
            if target.exists():  # no hard links here: check, then rename
                return False
            os.replace(temporary, target)
        return True
    finally:
        temporary.unlink(missing_ok=True)


def _as_bytes(data: bytes | str) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


def _failed(target: Path, error: OSError) -> InvalidInput:
    return InvalidInput(
        f"{target} could not be written ({error.strerror or error}): choose a folder you may "
        "write to."
    )


def write_output(
    path: str | Path, data: bytes | str, *, force: bool = False, hint: str = REPLACE_HINT
) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` whole or not at all, after ``check_output``;
    returns the file written."""
    target = check_output(path, force=force, hint=hint)
    try:
        if not _put(_temporary(target, _as_bytes(data)), target, force=force):
            raise InvalidInput(f"{Path(path).expanduser()} exists: {hint}.")
    except OSError as error:
        raise _failed(target, error) from None
    return target


def write_new(path: str | Path, data: bytes | str) -> Path:
    """Write ``data`` to ``path``, or, when that name is taken, to the first free one of
    ``NAME-2.EXT``, ``NAME-3.EXT``, …: nothing is ever replaced. Returns the file written."""
    _, first = _place(path)
    content = _as_bytes(data)
    for number in range(1, NUMBERED + 1):
        name = first.name if number == 1 else f"{first.stem}-{number}{first.suffix}"
        target = first.with_name(name)
        if target.exists() or target.is_symlink():
            continue
        _refuse_database(target, target)
        try:
            if _put(_temporary(target, content), target, force=False):
                return target
        except OSError as error:
            raise _failed(target, error) from None
    raise InvalidInput(
        f"{first} and {NUMBERED - 1} numbered names beside it exist: move some of them away."
    )
