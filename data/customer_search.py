"""The customer list: keyset pages of customers by name, searched by the start of a name or
an account number, and how many there are — read through the indexes, only what is shown.

The status filter as the command line names it (``live``, ``live-pc``, ``cancelled``) is here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from peewee import JOIN, fn

from data.db import connection
from data.errors import InvalidInput
from data.models import Customer, CustomerStatus, User, name_key

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


def status_filter(value: str | None) -> str | None:
    """The status named on the command line (``live``, ``live-pc``, ``cancelled``) or in full."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.lower() in STATUS_FILTERS:
        return STATUS_FILTERS[text.lower()]
    if text in tuple(CustomerStatus):
        return text
    raise InvalidInput(f"'{value}' is not a status. Use one of: {', '.join(STATUS_FILTERS)}.")


def _prefix_range(field: Any, prefix: str) -> Any:
    # A prefix match written as a range, so both SQLite and PostgreSQL use the index.
    return (field >= prefix) & (field < prefix + "\U0010ffff")


# An account prefix that matches more customers than this is read in name order, stopping at a
# page; fewer are read through the account index and sorted. The two ways cost about the same
# near sqrt(page × customers) matches, 3,000 for 100 a page and 100,000 customers.
ACCOUNT_SORT_LIMIT = 2_500


def _listed(status: str | None) -> Any:
    query = Customer.select(
        Customer.id,
        Customer.account,
        Customer.name,
        Customer.status,
        Customer.name_key,
        fn.COALESCE(User.display_name, "").alias("owner_name"),
    ).join(User, JOIN.LEFT_OUTER, on=(Customer.owner == User.id))
    wanted = status_filter(status)
    return query.where(Customer.status == wanted) if wanted else query


def _by_name(term: str) -> Any:
    return _prefix_range(Customer.name_key, name_key(term))


def _by_account(term: str) -> Any:
    return _prefix_range(Customer.account, term)


def _account_starts(term: str) -> Any:
    # The same test as _by_account, written so that no index serves it: the query then follows
    # the name index and stops at a page instead of sorting every match.
    return fn.SUBSTR(Customer.account, 1, len(term)) == term


def _page(query: Any, after: tuple[str, int] | None, limit: int) -> list[CustomerRow]:
    if after is not None:
        key, pk = after
        query = query.where(
            (Customer.name_key > key) | ((Customer.name_key == key) & (Customer.id > pk))
        )
    query = query.order_by(Customer.name_key, Customer.id).limit(limit)
    return [
        CustomerRow(pk, account, name, status_, owner, key)
        for pk, account, name, status_, key, owner in query.tuples()
    ]


def _count(status: str | None, condition: Any = None, *, up_to: int | None = None) -> int:
    """How many customers have the status and meet the condition; counting stops at ``up_to``."""
    query = Customer.select(Customer.id)
    wanted = status_filter(status)
    if wanted:
        query = query.where(Customer.status == wanted)
    if condition is not None:
        query = query.where(condition)
    if up_to is not None:
        query = query.limit(up_to)
    return int(query.count())


def customer_page(
    search: str = "",
    status: str | None = None,
    *,
    after: tuple[str, int] | None = None,
    limit: int = PAGE,
) -> list[CustomerRow]:
    """One page of customers sorted by name, after the (name key, id) of the last row shown.

    A search matches the start of the name; one that starts with a digit also matches the start
    of the account number."""
    term = search.strip()
    limit = max(1, min(limit, 1000))
    with connection():
        if not term:
            return _page(_listed(status), after, limit)
        by_name = _page(_listed(status).where(_by_name(term)), after, limit)
        if not term[0].isdigit():
            return by_name
        # Name and account matches come from one query each, each following its own index, and
        # are merged here: a single OR query would sort every match, and "1" matches them all.
        dense = _count(status, _by_account(term), up_to=ACCOUNT_SORT_LIMIT) >= ACCOUNT_SORT_LIMIT
        by_account = _listed(status).where(_account_starts(term) if dense else _by_account(term))
        rows = {row.id: row for row in by_name}
        rows.update((row.id, row) for row in _page(by_account, after, limit))
        return sorted(rows.values(), key=lambda row: (row.key, row.id))[:limit]


def customer_count(search: str = "", status: str | None = None) -> int:
    """How many customers the list would show for this search and status."""
    term = search.strip()
    with connection():
        if not term:
            return _count(status)
        if not term[0].isdigit():
            return _count(status, _by_name(term))
        # Counted apart, each through its index, less the customers counted twice.
        both = _by_name(term) & _account_starts(term)
        return (
            _count(status, _by_name(term))
            + _count(status, _by_account(term))
            - _count(status, both)
        )
