"""Read statements written once: a peewee query's SQL is made once per kind of database and sent
again with each call's values, its rows still converted by the model's fields.

Writing a small SELECT costs peewee about as long as SQLite takes to answer it, so the reads on
the way to the Cancellation Tool (each run many times a second while a team lead works) are
written once. The query is built with stand-in values, one per argument, that no caller ever
passes; its SQL keeps a slot wherever a stand-in shows up among the parameters. Text holding a
NUL character is never sent this way: the query is built in full, and its field refuses it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from peewee import ModelRaw, Query

from data.db import database
from data.text import NUL

# A stand-in for the argument at an index, by the argument's type: values no caller passes.
_STAND_INS: dict[type, Callable[[int], Any]] = {
    int: lambda index: -7_305_001 - index,
    str: lambda index: f"\uffffstand-in {index}\uffff",
    dt.date: lambda index: dt.date(1, 1, 1 + index),
}


class _Slot:
    """Where an argument goes among a statement's parameters."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


_written: dict[tuple[str, str], tuple[str, tuple[Any, ...]]] = {}


def _stand_in(index: int, value: Any) -> Any:
    make = _STAND_INS.get(type(value))
    if make is None:
        raise TypeError(f"A written-once statement takes int, str or date values, not {value!r}.")
    return make(index)


def _write(build: Callable[..., Query], values: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
    stand_ins = [_stand_in(index, value) for index, value in enumerate(values)]
    sql, params = build(*stand_ins).sql()
    template: list[Any] = []
    found: set[int] = set()
    for param in params:
        slot = next(
            (
                index
                for index, stand_in in enumerate(stand_ins)
                if type(param) is type(stand_in) and param == stand_in
            ),
            None,
        )
        if slot is None:
            template.append(param)
        else:
            template.append(_Slot(slot))
            found.add(slot)
    if len(found) != len(values):
        raise RuntimeError(f"A value given to the query was changed on its way into {sql}.")
    return str(sql), tuple(template)


def statement(name: str, build: Callable[..., Query], *values: Any) -> tuple[str, list[Any]]:
    """The SQL of ``build(*values)`` and its parameters; ``name`` names the query (one name, one
    query shape). ``build`` is called once per kind of database."""
    if any(isinstance(value, str) and NUL in value for value in values):
        # Built in full, so the field the text is compared with refuses it by name.
        sql, params = build(*values).sql()
        return str(sql), list(params)
    key = (type(database.obj).__name__, name)
    written = _written.get(key)
    if written is None:
        written = _written[key] = _write(build, values)
    sql, template = written
    return sql, [values[part.index] if isinstance(part, _Slot) else part for part in template]


def select(model: Any, name: str, build: Callable[..., Query], *values: Any) -> ModelRaw:
    """``build(*values)`` as ``model``'s rows (use ``.tuples()`` for plain rows), its SQL
    written once."""
    sql, params = statement(name, build, *values)
    return model.raw(sql, *params)  # type: ignore[no-any-return]
