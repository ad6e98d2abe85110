"""What any text may hold before it is written or looked up.

No NUL character ("\\x00"), anywhere: PostgreSQL cannot store one (its driver raises a bare
ValueError) while SQLite stores it, so a NUL is refused on both alike, in two places that every
query passes through:

- the text fields of the models (``CharField`` and ``TextField`` here) refuse it when the value
  is turned into a parameter, naming the field: for ``create``, ``save``, ``update``,
  ``insert_many`` rows and ``where`` comparisons;
- the drivers' adapters for ``str`` (sqlite3 and psycopg2) refuse any other text parameter
  (a LIKE pattern, a value compared with a function's result, plain SQL) in general words;
  psycopg2's is registered by ``refuse_nul_on_postgresql`` when a PostgreSQL database is made
  (``data.db.make_database``), so the driver is imported only when one is used.

No other control character either (``CONTROL``: C0 but tab and line break, DEL, C1) in what a
person types — a reason, a note, a name, a label: stored text is text, and an escape sequence
in it would drive the terminal or viewer that shows it. The same fields refuse it, naming the
field; a field a program writes (a file's text, a mail server's reply) is declared with
``keeps_controls=True`` and refuses a NUL only. Pasted text's CRLF line ends are made plain
line breaks before that (``normal_newlines``, called where free text comes in). What is shown
writes any control character a row still holds as ``\\x1b`` (``printable``, from data.errors).
"""

from __future__ import annotations

import sqlite3
from typing import Any

import peewee

from data.errors import CONTROL, InvalidInput, printable

__all__ = [
    "NUL",
    "CharField",
    "TextField",
    "field_label",
    "normal_newlines",
    "printable",
    "refuse_control",
    "refuse_nul",
    "refuse_nul_on_postgresql",
]

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


def refuse_control(value: str, what: str = "text") -> str:
    """``value`` as it is, or InvalidInput naming ``what`` when it holds a control character
    (``CONTROL``; tabs and line breaks are text): "The reason contains a control character
    (\\x1b, at character 5), which cannot be stored; remove it and try again." """
    refuse_nul(value, what)
    found = CONTROL.search(value)
    if found is not None:
        raise InvalidInput(
            f"The {what} contains a control character ({printable(found.group(0))}, at "
            f"character {found.start() + 1:,}), which cannot be stored; remove it and try again."
        )
    return value


def normal_newlines(text: str) -> str:
    """``text`` with its CRLF (and lone CR) line ends as plain line breaks, as pasted text from
    Windows or a web form often has them."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _checked(stored: Any, name: str, keeps_controls: bool) -> Any:
    if isinstance(stored, str):
        if keeps_controls:
            refuse_nul(stored, field_label(name))
        else:
            refuse_control(stored, field_label(name))
    return stored


class CharField(peewee.CharField):
    """peewee's CharField that refuses a control character (``keeps_controls``: a NUL only),
    naming the field."""

    def __init__(self, *args: Any, keeps_controls: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.keeps_controls = keeps_controls

    def db_value(self, value: Any) -> Any:
        stored = super().db_value(value)  # type: ignore[no-untyped-call]
        return _checked(stored, self.name, self.keeps_controls)


class TextField(peewee.TextField):
    """peewee's TextField that refuses a control character (``keeps_controls``: a NUL only),
    naming the field."""

    def __init__(self, *args: Any, keeps_controls: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.keeps_controls = keeps_controls

    def db_value(self, value: Any) -> Any:
        stored = super().db_value(value)  # type: ignore[no-untyped-call]
        return _checked(stored, self.name, self.keeps_controls)


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
