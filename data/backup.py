"""A copy of the open SQLite database, taken with SQLite's online backup API and put beside
it, before offboard replaces what is in it (``offboard demo --force``).

The backup API copies a consistent snapshot page by page through SQLite itself, so a copy
taken while the WAL still holds recent commits is whole; a plain file copy would not be.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path

from peewee import SqliteDatabase

from data import clock
from data.db import connection, database


def sqlite_path() -> Path | None:
    """The file of the open SQLite database; None for PostgreSQL or an in-memory one."""
    db = database.obj
    if not isinstance(db, SqliteDatabase):
        return None
    name = str(db.database or "")
    if name in ("", ":memory:") or name.startswith("file:"):
        return None
    return Path(name).expanduser().resolve()


def backup_name(path: Path, label: str, now: dt.datetime | None = None) -> Path:
    """``offboard.db`` → ``offboard.db.LABEL-YYYYmmdd-HHMMSS.db`` beside it; a name already
    taken gets ``-2``, ``-3``… so no earlier backup is overwritten."""
    stamp = (now or clock.local_now()).strftime("%Y%m%d-%H%M%S")
    candidate = path.with_name(f"{path.name}.{label}-{stamp}.db")
    counter = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.{label}-{stamp}-{counter}.db")
        counter += 1
    return candidate


def back_up_beside(label: str) -> Path | None:
    """Copy the open SQLite database to a new file beside it (same permissions) and return its
    path; None when there is no file to copy (PostgreSQL, in-memory)."""
    path = sqlite_path()
    if path is None:
        return None
    target = backup_name(path, label)
    with connection():
        source = database.connection()
        copy = sqlite3.connect(str(target))
        try:
            source.backup(copy)
        except BaseException:
            copy.close()
            target.unlink(missing_ok=True)
            raise
        copy.close()
    os.chmod(target, path.stat().st_mode & 0o777)
    return target
