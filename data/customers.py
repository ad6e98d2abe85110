"""Reading customers for the list, the customer view and the Cancellation Tool.

Everything returned is a plain frozen dataclass, so screens never touch a model (or the
database) outside a worker. Lists are keyset-paged: only what is shown is read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from peewee import JOIN, fn

from data.db import connection
from data.errors import InvalidInput, NotFound
from data.models import (
    CUSTOMER_STATUSES,
    PENDING,
    Cancellation,
    Customer,
    Expiry,
    NotifyUser,
    User,
    name_key,
)
from data.rules import (
    RECORD_KINDS,
    Section,
    current_cancellation,
    evaluate,
    reason_names,
    record_counts,
    red_sections,
)

PAGE = 100

# How the command line names a status filter.
STATUS_FILTERS = {"live": "Live", "live-pc": "Live (PC)", "cancelled": "Cancelled"}


@dataclass(frozen=True)
class CustomerRow:
    id: int
    account: str
    name: str
    status: str
    owner: str
    key: str


@dataclass(frozen=True)
class RecordCount:
    section: str
    title: str
    total: int
    blocking: int


@dataclass(frozen=True)
class CancellationView:
    id: int
    state: str
    previous_status: str
    begun_at: dt.datetime
    begun_by: str
    reasons: tuple[str, ...]
    reason_ids: tuple[int, ...]
    reason_text: str
    extra_information: str
    mood: str | None
    new_owner: str | None
    new_owner_login: str | None
    owner_applied_at: dt.datetime | None
    notify: tuple[str, ...]
    notify_logins: tuple[str, ...]
    processed_at: dt.datetime | None
    processed_by: str | None


@dataclass(frozen=True)
class CustomerDetail:
    id: int
    account: str
    name: str
    status: str
    customer_type: str
    owner: str
    owner_login: str | None
    time_zone: str
    admin_name: str
    admin_email: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


@dataclass(frozen=True)
class ToolView:
    """Everything the Cancellation Tool shows, read in one go so it is consistent."""

    customer: CustomerDetail
    cancellation: CancellationView | None
    sections: tuple[Section, ...]

    @property
    def red(self) -> list[Section]:
        return red_sections(self.sections)


@dataclass(frozen=True)
class PendingCancellation:
    account: str
    name: str
    begun_at: dt.datetime
    begun_by: str


def status_filter(value: str | None) -> str | None:
    """The status named on the command line (``live``, ``live-pc``, ``cancelled``) or in full."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.lower() in STATUS_FILTERS:
        return STATUS_FILTERS[text.lower()]
    if text in CUSTOMER_STATUSES:
        return text
    raise InvalidInput(f"'{value}' is not a status. Use one of: {', '.join(STATUS_FILTERS)}.")


def _prefix_range(field: Any, prefix: str) -> Any:
    # A prefix match written as a range, so both SQLite and PostgreSQL use the index.
    return (field >= prefix) & (field < prefix + "\U0010ffff")


def _filtered(search: str = "", status: str | None = None) -> Any:
    query = Customer.select(
        Customer.id,
        Customer.account,
        Customer.name,
        Customer.status,
        Customer.name_key,
        fn.COALESCE(User.display_name, "").alias("owner_name"),
    ).join(User, JOIN.LEFT_OUTER, on=(Customer.owner == User.id))
    wanted = status_filter(status)
    if wanted:
        query = query.where(Customer.status == wanted)
    term = search.strip()
    if term:
        by_name = _prefix_range(Customer.name_key, name_key(term))
        if term[0].isdigit():
            query = query.where(by_name | _prefix_range(Customer.account, term))
        else:
            query = query.where(by_name)
    return query


def customer_page(
    search: str = "",
    status: str | None = None,
    *,
    after: tuple[str, int] | None = None,
    limit: int = PAGE,
) -> list[CustomerRow]:
    """One page of customers sorted by name, after the (name key, id) of the last row shown."""
    query: Any = _filtered(search, status)
    if after is not None:
        key, pk = after
        query = query.where(
            (Customer.name_key > key) | ((Customer.name_key == key) & (Customer.id > pk))
        )
    query = query.order_by(Customer.name_key, Customer.id).limit(max(1, min(limit, 1000)))
    with connection():
        return [
            CustomerRow(pk, account, name, status_, owner, key)
            for pk, account, name, status_, key, owner in query.tuples()
        ]


def customer_count(search: str = "", status: str | None = None) -> int:
    with connection():
        return int(_filtered(search, status).count())


def _customer(account: str) -> Customer:
    customer = Customer.get_or_none(Customer.account == (account or "").strip())
    if customer is None:
        raise NotFound(f"There is no customer with account number '{account}'.")
    return customer


def _detail(customer: Customer) -> CustomerDetail:
    owner = User.get_or_none(User.id == customer.owner_id) if customer.owner_id else None
    return CustomerDetail(
        id=customer.id,
        account=customer.account,
        name=customer.name,
        status=customer.status,
        customer_type=customer.customer_type,
        owner=owner.display_name if owner else "",
        owner_login=owner.login if owner else None,
        time_zone=customer.time_zone,
        admin_name=customer.admin_name,
        admin_email=customer.admin_email,
        created_at=customer.created_at,
        updated_at=customer.updated_at,
        version=customer.version,
    )


def _name(user_id: int | None) -> tuple[str | None, str | None]:
    if user_id is None:
        return None, None
    user = User.get_or_none(User.id == user_id)
    return (user.display_name, user.login) if user else (None, None)


def _cancellation_view(cancellation: Cancellation) -> CancellationView:
    from data.models import CancellationReason

    notify: list[Any] = list(
        User.select(User.display_name, User.login)
        .join(NotifyUser)
        .where(NotifyUser.cancellation == cancellation)
        .order_by(User.display_name)
        .tuples()
    )
    reason_ids = tuple(
        link.reason_id
        for link in CancellationReason.select().where(
            CancellationReason.cancellation == cancellation
        )
    )
    new_owner, new_owner_login = _name(cancellation.new_owner_id)
    return CancellationView(
        id=cancellation.id,
        state=cancellation.state,
        previous_status=cancellation.previous_status,
        begun_at=cancellation.begun_at,
        begun_by=_name(cancellation.begun_by_id)[0] or "",
        reasons=tuple(reason_names(cancellation)),
        reason_ids=tuple(sorted(reason_ids)),
        reason_text=cancellation.reason_text,
        extra_information=cancellation.extra_information,
        mood=cancellation.mood,
        new_owner=new_owner,
        new_owner_login=new_owner_login,
        owner_applied_at=cancellation.owner_applied_at,
        notify=tuple(name for name, _ in notify),
        notify_logins=tuple(login for _, login in notify),
        processed_at=cancellation.processed_at,
        processed_by=_name(cancellation.processed_by_id)[0],
    )


def customer_detail(account: str) -> CustomerDetail:
    with connection():
        return _detail(_customer(account))


def record_totals(account: str) -> list[RecordCount]:
    """How many records of each kind the customer has, and how many would block a cancellation."""
    with connection():
        customer = _customer(account)
        counts = [
            RecordCount(kind.section, kind.title, *record_counts(customer.id, kind))
            for kind in RECORD_KINDS.values()
        ]
        expiries = Expiry.select().where(Expiry.customer == customer).count()
        counts.append(RecordCount("expiry", "Expiries", int(expiries), 0))
        return counts


def tool_view(account: str) -> ToolView:
    """The customer, its pending (or last processed) cancellation, and every section."""
    with connection():
        customer = _customer(account)
        cancellation = current_cancellation(customer)
        sections = tuple(evaluate(customer, cancellation))
        view = _cancellation_view(cancellation) if cancellation is not None else None
        return ToolView(_detail(customer), view, sections)


def pending_cancellations(login: str | None = None) -> list[PendingCancellation]:
    """Pending cancellations, oldest first; only those begun by ``login`` when given."""
    with connection():
        query = (
            Cancellation.select(
                Customer.account, Customer.name, Cancellation.begun_at, User.display_name
            )
            .join(Customer, on=(Cancellation.customer == Customer.id))
            .switch(Cancellation)
            .join(User, on=(Cancellation.begun_by == User.id))
            .where(Cancellation.state == PENDING)
            .order_by(Cancellation.begun_at, Cancellation.id)
        )
        if login:
            query = query.where(User.login == login)
        rows: Any = query.tuples()
        return [PendingCancellation(*row) for row in rows]
