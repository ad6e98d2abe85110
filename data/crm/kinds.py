"""The kinds of record a Salesforce export carries (Asset, Case, Opportunity, Quote, Order):
for each, the offboard table and columns it fills, how a row's values become them under the
mapping (the default state mapping of issue 13), and which columns are its state, kept when
the team lead resolved the record in offboard and the export still shows it open."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from data.crm.mapping import Mapping
from data.crm.reading import CENT, RowError, amount, boolean, date, moment, text
from data.errors import clip
from data.models import OPPORTUNITY_CLOSED, QUOTATION_CLOSED, SALES_ORDER_CLOSED

STATE_LIMIT = 32  # status and stage columns (data.models)
NAME_LIMIT = 200
NUMBER_LIMIT = 32

Get = Callable[[str], str]  # a row's value by column name ("" when the file has no such column)
Values = tuple[Any, ...]


@dataclass(frozen=True)
class RecordSpec:
    """One Salesforce object and the offboard table its rows become."""

    object: str
    table: str
    columns: tuple[str, ...]  # set from the row, in this order
    kinds: tuple[str, ...]  # how each compares: text, date, moment, bool, amount
    state: tuple[int, ...]  # the state columns' places in ``columns``
    required: tuple[str, ...]  # CSV columns needed besides Id and AccountId
    convert: Callable[[Get, Mapping, dt.date], Values]
    is_open: Callable[[Values], bool]
    extra: dict[str, Any] = field(default_factory=dict)  # insert-only columns


def _norm_date(value: Any) -> str | None:
    return None if value is None else str(value)[:10]


def _norm_moment(value: Any) -> str | None:
    return None if value is None else str(value)[:19].replace("T", " ")


def _norm_amount(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


NORMALISE: dict[str, Callable[[Any], Any]] = {
    "text": lambda value: value,
    "date": _norm_date,
    "moment": _norm_moment,
    "bool": bool,
    "amount": _norm_amount,
}


def comparable(spec: RecordSpec, values: Values) -> Values:
    """The values as both backends read them back, so a stored row and a row of the export
    compare equal when they say the same."""
    return tuple(NORMALISE[kind](value) for kind, value in zip(spec.kinds, values, strict=True))


def _state(value: str, column: str, known: tuple[str, ...], table: str, key: str) -> str:
    checked = text(value, column, STATE_LIMIT, cut=False)
    if known and checked not in known:
        raise RowError(
            f"{column} '{clip(checked)}' is not a value the mapping knows; add it to [{table}] "
            f"{key} in the mapping file, or fix the row."
        )
    return checked


def _asset(get: Get, mapping: Mapping, today: dt.date) -> Values:
    status = _state(
        get("Status"), "Status", mapping.asset_known_statuses, "asset", "known_statuses"
    )
    start = date(get("InstallDate"), "InstallDate") or date(get("PurchaseDate"), "PurchaseDate")
    start = start or date(get("CreatedDate"), "CreatedDate")
    if start is None:
        raise RowError("the asset has no InstallDate, PurchaseDate or CreatedDate; give it one.")
    end = date(get("UsageEndDate"), "UsageEndDate")
    ceased = status in mapping.asset_ceased_statuses or (end is not None and end <= today)
    name = text(get("Name"), "Name", NAME_LIMIT)
    return (name, start, not ceased, end or (today if ceased else None))


def _case(get: Get, mapping: Mapping, today: dt.date) -> Values:
    closed = boolean(get("IsClosed"), "IsClosed")
    status = _state(get("Status"), "Status", mapping.case_known_statuses, "case", "known_statuses")
    opened = moment(get("CreatedDate"), "CreatedDate")
    if opened is None:
        raise RowError("CreatedDate is empty; export the case with its CreatedDate.")
    subject = text(get("Subject"), "Subject", NAME_LIMIT) or text(
        get("CaseNumber"), "CaseNumber", NAME_LIMIT
    )
    return (subject, status or ("Closed" if closed else "New"), closed, opened)


def _opportunity(get: Get, mapping: Mapping, today: dt.date) -> Values:
    closed = boolean(get("IsClosed"), "IsClosed")
    won = boolean(get("IsWon"), "IsWon")
    stage = _state(
        get("StageName"),
        "StageName",
        mapping.opportunity_known_stages,
        "opportunity",
        "known_stages",
    )
    if closed:
        stage = "Won" if won else "Lost"
    name = text(get("Name"), "Name", NAME_LIMIT)
    return (name, stage or "Prospecting", amount(get("Amount"), "Amount"))


def _quote(get: Get, mapping: Mapping, today: dt.date) -> Values:
    written = _state(
        get("Status"), "Status", mapping.quote_known_statuses, "quote", "known_statuses"
    )
    status = mapping.quote_statuses.get(written, written)
    reference = text(get("QuoteNumber"), "QuoteNumber", NUMBER_LIMIT) or text(
        get("Name"), "Name", NUMBER_LIMIT
    )
    total = get("GrandTotal") or get("TotalPrice")
    return (reference, status or "Draft", amount(total, "GrandTotal"))


def _order(get: Get, mapping: Mapping, today: dt.date) -> Values:
    written = _state(
        get("Status"), "Status", mapping.order_known_statuses, "order", "known_statuses"
    )
    code = get("StatusCode").strip() or written
    end = date(get("EndDate"), "EndDate")
    if code in mapping.order_cancelled_codes:
        status = "Cancelled"
    elif code in mapping.order_completed_codes and end is not None and end < today:
        status = "Completed"
    else:
        status = written or "Draft"
    number = text(get("OrderNumber"), "OrderNumber", NUMBER_LIMIT)
    return (number, status, amount(get("TotalAmount"), "TotalAmount"))


RECORD_SPECS: tuple[RecordSpec, ...] = (
    RecordSpec(
        "Asset",
        "asset",
        ("name", "start_date", "live", "cease_date"),
        ("text", "date", "bool", "date"),
        (2, 3),
        ("Name",),
        _asset,
        lambda values: bool(values[2]) or values[3] is None,
    ),
    RecordSpec(
        "Case",
        "case",
        ("subject", "status", "closed", "opened_at"),
        ("text", "text", "bool", "moment"),
        (1, 2),
        ("IsClosed", "Status", "CreatedDate"),
        _case,
        lambda values: not values[2],
        {"billing_note": ""},
    ),
    RecordSpec(
        "Opportunity",
        "opportunity",
        ("name", "stage", "amount"),
        ("text", "text", "amount"),
        (1,),
        ("Name", "StageName", "IsClosed", "IsWon"),
        _opportunity,
        lambda values: values[1] not in OPPORTUNITY_CLOSED,
    ),
    RecordSpec(
        "Quote",
        "quotation",
        ("reference", "status", "amount"),
        ("text", "text", "amount"),
        (1,),
        ("Status",),
        _quote,
        lambda values: values[1] not in QUOTATION_CLOSED,
    ),
    RecordSpec(
        "Order",
        "sales_order",
        ("number", "status", "amount"),
        ("text", "text", "amount"),
        (1,),
        ("Status",),
        _order,
        lambda values: values[1] not in SALES_ORDER_CLOSED,
    ),
)
