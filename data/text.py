"""What any text may hold before it is written or looked up: no NUL character ("\\x00").

PostgreSQL cannot store one (its driver raises a bare ValueError) while SQLite stores it, so a
NUL is refused on both alike, in two places that every query passes through:

- the text fields of the models (``CharField`` and ``TextField`` here) refuse it when the value
  is turned into a parameter, naming the field: for ``create``, ``save``, ``update``,
  ``insert_many`` rows and ``where`` comparisons;
- the drivers' adapters for ``str`` (sqlite3 and psycopg2) refuse any other text parameter
  (a LIKE pattern, a value compared with a function's result, plain SQL) in general words;
  psycopg2's is registered by ``refuse_nul_on_postgresql`` when a PostgreSQL database is made
  (``data.db.make_database``), so the driver is imported only when one is used.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import peewee

from data.errors import InvalidInput

NUL = "\x00"

# Field names as a team lead knows them; any other reads as its name with spaces.
_LABELS = {
    "reason_text": "reason",
    "extra_information": "extra information",
    "billing_note": "billing note",
    "body": "message text",
    "name_key": "name",
    "display_name": "name",
    "decision_reason": "reason for the decision",
    "access_guids": "list of GUIDs",
}


def field_label(name: str) -> str:
    """A field's name as a message says it: ``reason_text`` reads "reason"."""
    return _LABELS.get(name, name.replace("_", " "))


def refuse_nul(value: str, what: str = "text") -> str:
    """``value`` as it is, or InvalidInput naming ``what`` when it holds a NUL character."""
    if NUL in value:
        position = value.index(NUL) + 1
        raise InvalidInput(
            f"The {what} contains a NUL character (\\x00, at character {position:,}), which "
            "cannot be stored; remove it and try again."
        )
    return value


class CharField(peewee.CharField):
    """peewee's CharField that refuses a NUL character, naming the field."""

    def db_value(self, value: Any) -> Any:
        stored = super().db_value(value)  # type: ignore[no-untyped-call]
        if isinstance(stored, str):
            refuse_nul(stored, field_label(self.name))
        return stored


class TextField(peewee.TextField):
    """peewee's TextField that refuses a NUL character, naming the field."""

    def db_value(self, value: Any) -> Any:
        stored = super().db_value(value)  # type: ignore[no-untyped-call]
        if isinstance(stored, str):
            refuse_nul(stored, field_label(self.name))
        return stored


# ----------------------------------------------------------------------------- the drivers


def _sqlite_text(value: str) -> str:
    return refuse_nul(value)


def refuse_nul_on_postgresql() -> None:
    """Register psycopg2's adapter for ``str`` (again is harmless); this imports the driver."""
    import psycopg2.extensions  # type: ignore[import-untyped]

    def postgresql_text(value: str) -> Any:
        return psycopg2.extensions.QuotedString(refuse_nul(value))

    psycopg2.extensions.register_adapter(str, postgresql_text)


sqlite3.register_adapter(str, _sqlite_text)
