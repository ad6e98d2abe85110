"""The few expressions that differ between SQLite and PostgreSQL, for the reports' queries:
the month of a stored time and the days between two. Each is written as SQL text with the
column named, so a query can use it in raw SQL or through peewee's ``SQL``."""

from __future__ import annotations

from data.db import database, is_sqlite


def month(column: str) -> str:
    """'YYYY-MM' of a stored (naive UTC) time or date."""
    if is_sqlite():
        return f"strftime('%Y-%m', {column})"
    return f"to_char({column}, 'YYYY-MM')"


def days_between(later: str, earlier: str) -> str:
    """Days (a fraction) from ``earlier`` to ``later``, two stored times."""
    if is_sqlite():
        return f"(julianday({later}) - julianday({earlier}))"
    return f"(EXTRACT(EPOCH FROM ({later} - {earlier})) / 86400.0)"


def param() -> str:
    return str(database.param)


def sql(text: str) -> str:
    """Raw SQL written with ``?`` placeholders, in this backend's placeholder."""
    return text.replace("?", param())


def moment_param() -> str:
    """A placeholder for a time compared or subtracted in an expression (typed on PostgreSQL)."""
    return "?" if is_sqlite() else "CAST(? AS TIMESTAMP)"


def day_of(column: str) -> str:
    """The calendar date of a stored time."""
    if is_sqlite():
        return f"date({column})"
    return f"CAST({column} AS DATE)"


def days_before(column: str, days: int) -> str:
    """The calendar date ``days`` days before a stored time."""
    if is_sqlite():
        return f"date({column}, '-{int(days)} days')"
    return f"CAST({column} - INTERVAL '{int(days)} days' AS DATE)"
