"""The records a cancellation must clear (assets, cases, opportunities, quotations, sales orders):
their kinds, how many of each there are and how many still block, and their pages.

Every count is made in the database with one aggregate query per table; no rows are loaded to
be counted in Python.
"""

from __future__ import annotations

import functools
from collections import namedtuple
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from peewee import SQL, DateField, DateTimeField, DecimalField, Expression, ModelSelect, Value, fn
from peewee import Case as When

from data.db import database
from data.errors import InvalidInput
from data.models import (
    CASE_CLOSED,
    OPPORTUNITY_CLOSED,
    QUOTATION_CLOSED,
    SALES_ORDER_CLOSED,
    Asset,
    BaseModel,
    Case,
    Opportunity,
    Quotation,
    SalesOrder,
)
from data.sections import SectionKey
from data.statements import statement


@dataclass(frozen=True)
class RecordRow:
    """One record of a section, as the Manage table shows it."""

    kind: SectionKey
    id: int
    label: str
    status: str
    detail: str
    blocking: bool


@dataclass(frozen=True)
class RecordKind:
    """A kind of record a cancellation must clear, and how to tell a blocking one."""

    section: SectionKey
    title: str
    model: type[BaseModel]
    noun: str
    nouns: str
    open_words: str
    done_words: str
    closed_states: tuple[str, ...]

    def blocking(self) -> Expression:
        model: Any = self.model
        if self.model is Asset:
            return (Asset.live == True) | (Asset.cease_date.is_null())  # noqa: E712
        if self.model is Case:
            return Case.closed == False  # noqa: E712
        if self.model is Opportunity:
            return Opportunity.stage.not_in(OPPORTUNITY_CLOSED)
        return model.status.not_in(self.closed_states)  # type: ignore[no-any-return]

    def row(self, record: Any, blocking: bool) -> RecordRow:
        if self.model is Asset:
            ceased = f"ceased {record.cease_date}" if record.cease_date else "no cease date"
            status = "Live" if record.live else "Not live"
            detail = f"started {record.start_date}, {ceased}"
            label = record.name
        elif self.model is Case:
            status, label, detail = (
                record.status,
                record.subject,
                f"opened {record.opened_at:%Y-%m-%d}",
            )
        elif self.model is Opportunity:
            status, label, detail = record.stage, record.name, f"{record.amount:,.2f}"
        elif self.model is Quotation:
            status, label, detail = record.status, record.reference, f"{record.amount:,.2f}"
        else:
            status, label, detail = record.status, record.number, f"{record.amount:,.2f}"
        return RecordRow(self.section, record.id, label, status, detail, blocking)


RECORD_KINDS: dict[SectionKey, RecordKind] = {
    kind.section: kind
    for kind in (
        RecordKind(
            SectionKey.ASSETS, "Assets", Asset, "asset", "assets", "still live", "ceased", ()
        ),
        RecordKind(
            SectionKey.CASES, "Cases", Case, "case", "cases", "still open", "closed", (CASE_CLOSED,)
        ),
        RecordKind(
            SectionKey.OPPORTUNITIES,
            "Opportunities",
            Opportunity,
            "opportunity",
            "opportunities",
            "still open",
            "won, lost or cancelled",
            OPPORTUNITY_CLOSED,
        ),
        RecordKind(
            SectionKey.QUOTATIONS,
            "Quotations",
            Quotation,
            "quotation",
            "quotations",
            "still open",
            "won, lost, expired or cancelled",
            QUOTATION_CLOSED,
        ),
        RecordKind(
            SectionKey.SALES_ORDERS,
            "Sales orders",
            SalesOrder,
            "sales order",
            "sales orders",
            "not completed or cancelled",
            "completed or cancelled",
            SALES_ORDER_CLOSED,
        ),
    )
}


def record_kind(section: str) -> RecordKind:
    try:
        return RECORD_KINDS[SectionKey(section)]
    except (ValueError, KeyError):  # not a section, or a section without records
        names = ", ".join(RECORD_KINDS)
        raise InvalidInput(
            f"'{section}' is not a section with records. Use one of: {names}."
        ) from None


def _counts_query(customer_id: int, kind: RecordKind) -> ModelSelect:
    model: Any = kind.model
    # COUNT(*), not COUNT(id), and a FILTER rather than a SUM of CASE: the same numbers from
    # the same index entries, read about a fifth faster by SQLite (PostgreSQL has FILTER too).
    return model.select(  # type: ignore[no-any-return]
        Value(str(kind.section)).alias("section"),
        fn.COUNT(SQL("*")).alias("total"),
        fn.COUNT(SQL("*")).filter(kind.blocking()).alias("blocking"),
    ).where(model.customer == customer_id)


# Stands for the customer while the counting statement is written; no customer has this id.
_ANY_CUSTOMER = -7_305_001


@functools.lru_cache(maxsize=16)
def _counts_statement(
    dialect: str, sections: tuple[SectionKey, ...]
) -> tuple[str, tuple[Any, ...]]:
    """The counting statement for these sections, written by peewee once per kind of database:
    writing it each time took peewee a seventh of the time SQLite took to count 50,000 records."""
    query: Any = None
    for section in sections:
        part = _counts_query(_ANY_CUSTOMER, RECORD_KINDS[section])
        query = part if query is None else query.union_all(part)
    sql, params = query.sql()
    return str(sql), tuple(params)


def all_record_counts(
    customer_id: int, kinds: Sequence[RecordKind] | None = None
) -> dict[SectionKey, tuple[int, int]]:
    """(total, blocking) for each kind of record (all by default), by section key: one aggregate
    query per table, sent together as one UNION ALL statement."""
    sections = tuple(kind.section for kind in (kinds or RECORD_KINDS.values()))
    sql, params = _counts_statement(type(database.obj).__name__, sections)
    bound = [int(customer_id) if value == _ANY_CUSTOMER else value for value in params]
    rows = database.execute_sql(sql, bound).fetchall()
    return {SectionKey(key): (int(total), int(blocking)) for key, total, blocking in rows}


def record_counts(customer_id: int, kind: RecordKind) -> tuple[int, int]:
    """(total, blocking) for one kind of record, in one aggregate query."""
    return all_record_counts(customer_id, [kind])[kind.section]


def records_query(
    customer_id: int, section: str, *, blocking: bool | None = None
) -> tuple[RecordKind, ModelSelect]:
    kind = record_kind(section)
    model: Any = kind.model
    query = model.select().where(model.customer == customer_id)
    if blocking is True:
        query = query.where(kind.blocking())
    elif blocking is False:
        query = query.where(~kind.blocking())
    return kind, query


def records(
    customer_id: int,
    section: str,
    *,
    blocking: bool | None = None,
    after_id: int = 0,
    limit: int = 100,
) -> list[RecordRow]:
    """A page of a section's records in id order, keyset-paged by ``after_id``.

    ``blocking=True`` gives only the records that hold the section red, ``False`` only the
    resolved ones, ``None`` both (each row says which it is).
    """
    kind = record_kind(section)

    def page(customer: int, after: int, size: int) -> ModelSelect:
        model: Any = kind.model
        if blocking is None:
            query = model.select(
                model, When(None, [(kind.blocking(), 1)], 0).alias("is_blocking")
            ).where(model.customer == customer)
        else:
            query = records_query(customer, section, blocking=blocking)[1]
        return query.where(model.id > after).order_by(model.id).limit(size)  # type: ignore[no-any-return]

    sql, params = statement(
        f"rules.records.{section}.{blocking}",
        page,
        int(customer_id),
        int(after_id),
        max(1, min(limit, 1000)),
    )
    cursor = database.execute_sql(sql, params)
    shape, converters = _record_shape(kind, tuple(column[0] for column in cursor.description))
    rows = []
    for values in cursor.fetchall():
        record: Any = shape(
            *(
                value if convert is None else convert(value)
                for convert, value in zip(converters, values, strict=True)
            )
        )
        is_blocking = bool(record.is_blocking) if blocking is None else blocking
        rows.append(kind.row(record, is_blocking))
    return rows


@functools.lru_cache(maxsize=32)
def _record_shape(
    kind: RecordKind, columns: tuple[str, ...]
) -> tuple[Any, tuple[Callable[[Any], Any] | None, ...]]:
    """A page's rows as light records (a named tuple of its columns), and the converter of each
    column a driver may hand back as text or a float (dates, times and amounts on SQLite):
    reading a page this way costs a fraction of building a model instance per row."""
    fields = kind.model._meta.columns
    converters = tuple(
        fields[name].python_value
        if isinstance(fields.get(name), (DateField, DateTimeField, DecimalField))
        else None
        for name in columns
    )
    return namedtuple(f"{kind.model.__name__}Row", columns), converters


def blocking_records(
    customer_id: int, section: str, *, after_id: int = 0, limit: int = 100
) -> list[RecordRow]:
    """The records that keep a section red, a page at a time."""
    return records(customer_id, section, blocking=True, after_id=after_id, limit=limit)
