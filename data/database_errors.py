"""Database failures in words: ``explain`` turns what a driver, peewee or the file system
raised into one line that names the actual cause (read-only, permission denied, disk full,
locked, server unreachable, authentication failed, no such database…) and what to do.

The command line and the app both show a failure through it, so they say the same thing.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path
from urllib.parse import urlparse

from peewee import PeeweeException

from data.db import describe
from data.errors import OffboardError

DETAIL_LIMIT = 160  # a driver's own words are kept, cut to this length


def _original(error: BaseException) -> BaseException:
    """The driver's exception under peewee's wrapper (peewee passes it as the first argument)."""
    first = error.args[0] if error.args else None
    if isinstance(first, BaseException):
        return first
    return error


def _detail(error: BaseException) -> str:
    text = " ".join(str(error).split()).rstrip(".")
    return text if len(text) <= DETAIL_LIMIT else text[: DETAIL_LIMIT - 1] + "…"


def _server(location: str) -> str:
    try:
        parsed = urlparse(location)
        host = parsed.hostname or "localhost"
        port = parsed.port or 5432
    except ValueError:
        return describe(location)
    return f"{host}:{port}"


def _name(location: str) -> str:
    try:
        return urlparse(location).path.lstrip("/") or "(none)"
    except ValueError:
        return "(unreadable)"


def _login(location: str) -> str:
    try:
        return urlparse(location).username or "(your login)"
    except ValueError:
        return "(unreadable)"


def _file_access(location: str) -> str:
    """Why a SQLite file cannot be opened or written, read off the file system."""
    path = Path(location).expanduser()
    folder = path.parent
    if not folder.exists():
        return f"its folder {folder} does not exist"
    try:
        read_only_mount = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        read_only_mount = False
    if read_only_mount:
        return f"its folder {folder} is on a read-only file system"
    if path.exists() and not os.access(path, os.R_OK):
        return f"permission denied: you may not read {path}"
    if path.exists() and not os.access(path, os.W_OK):
        return f"the file {path} is read-only for you"
    if not os.access(folder, os.W_OK | os.X_OK):
        return (
            f"the folder {folder} is read-only for you (SQLite writes its journal beside the file)"
        )
    return ""


def explain(error: BaseException, location: str) -> str:
    """One line naming what went wrong with the database at ``location``, and the fix."""
    if isinstance(error, OffboardError):
        return " ".join(str(error).split())
    shown = describe(location)
    original = _original(error)
    text = str(original).lower()
    code = getattr(original, "pgcode", None) or ""
    postgres = "://" in location and not location.lower().startswith("sqlite")

    if isinstance(original, OSError):
        number = original.errno
        if number == errno.ENOSPC:
            return f"The disk holding {shown} is full: free some space, then try again."
        if number == errno.EROFS:
            return f"{shown} is on a read-only file system: open a copy on a writable disk."
        if number in (errno.EACCES, errno.EPERM):
            return (
                f"Permission denied for {original.filename or shown}: make it readable and "
                "writable for you, or use another location."
            )
        return f"Cannot use {shown}: {original.strerror or _detail(original)}."
    if isinstance(original, ValueError):
        return (
            f"The database location {shown} cannot be read ({_detail(original)}). Give a SQLite "
            "file path or a postgresql://user@host:port/name URL."
        )

    # Both backends
    if "disk is full" in text or "no space left" in text or code == "53100":
        return f"The disk holding the database {shown} is full: free some space, then try again."
    if "database is locked" in text or "database table is locked" in text or code == "55P03":
        return (
            f"The database {shown} is locked: another program holds a write open on it. "
            "Try again in a moment; if it stays locked, close the program holding it."
        )
    if code == "40P01":
        return f"The database {shown} was busy (two changes waited on each other): try again."

    if postgres:
        server = _server(location)
        if (
            "password authentication failed" in text
            or "no pg_hba.conf entry" in text
            or ("role" in text and "does not exist" in text)
        ):
            return (
                f"The PostgreSQL server at {server} refused the login '{_login(location)}' "
                "(authentication failed). Check the user and password in the URL, or the "
                "server's pg_hba.conf."
            )
        if "database" in text and "does not exist" in text:
            return (
                f"There is no database '{_name(location)}' on the PostgreSQL server at {server}. "
                f"Create it (createdb {_name(location)}) or correct the name in --db or "
                "OFFBOARD_DATABASE."
            )
        if any(
            phrase in text
            for phrase in (
                "connection refused",
                "could not connect",
                "could not translate host name",
                "timeout expired",
                "server closed the connection",
                "no route to host",
                "network is unreachable",
                "name or service not known",
            )
        ):
            return (
                f"Cannot reach the PostgreSQL server at {server} ({_detail(original)}). Check "
                "that it runs and that --db or OFFBOARD_DATABASE names the right host and port."
            )
        if code == "42501" or "permission denied" in text:
            return (
                f"The login '{_login(location)}' may not do this in {shown} (permission "
                f"denied: {_detail(original)}). Ask whoever administers the database."
            )
        if code == "25006" or "read-only transaction" in text:
            return f"The database {shown} only allows reading here (a read-only server or login)."
        return f"Database error on {shown}: {_detail(original)}."

    # SQLite
    if "readonly database" in text or "read-only" in text:
        why = _file_access(location) or "the file or its folder is read-only"
        return (
            f"Cannot write to the database {shown}: {why}. Make the file and its folder "
            "writable for you, or open a copy."
        )
    if "unable to open database file" in text:
        why = _file_access(location) or "the file cannot be opened"
        return f"Cannot open the database {shown}: {why}. Fix that, or give another --db path."
    if "file is not a database" in text:
        return (
            f"{shown} is not a SQLite database (some other kind of file). Give the path of an "
            "offboard database, or a new file name."
        )
    if "malformed" in text or "disk i/o error" in text:
        return (
            f"The database file {shown} is damaged or its disk failed ({_detail(original)}). "
            "Restore it from a backup copy."
        )
    if isinstance(original, sqlite3.Error):
        return f"Database error on {shown}: {_detail(original)}."
    return f"Database error on {shown}: {_detail(original)}."


def is_database_error(error: BaseException) -> bool:
    """Whether ``explain`` has something better to say than the error's own words."""
    return isinstance(error, (PeeweeException, sqlite3.Error, OSError)) or (
        type(error).__module__.startswith("psycopg2")
    )
