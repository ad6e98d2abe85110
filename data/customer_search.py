"""The customer list: keyset pages of customers by name, searched by the start of any word of
a name ("health" and "hea" find Pinecrest Home Health) or of an account number, and how many
there are — read through the indexes, only what is shown.

A name is searched through its words (``CustomerWord``: the case-folded name from each of its
words on, indexed), which this module fills whenever a customer is added or renamed: by
``Customer.save``, and by the bulk writers (the CRM import, the bench generator) through
``index_name_words``.

The status filter as the command line names it (``live``, ``live-pc``, ``cancelled``) is here too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from peewee import JOIN, SQL, fn

from data.db import connection, is_sqlite
from data.errors import InvalidInput
from data.models import Customer, CustomerStatus, CustomerWord, User, name_key

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


WORD = re.compile(r"\w+")
WORDS_LENGTH = 200
# Rows written per statement when a batch of names is indexed.
WORDS_BATCH = 500


def name_words(name: str) -> list[str]:
    """The case-folded name from each of its words on: what a search matches the start of."""
    key = name_key(name)
    starts = {0} if key else set()
    starts.update(match.start() for match in WORD.finditer(key))
    return sorted({key[start:][:WORDS_LENGTH] for start in starts})


def index_name_words(customers: Iterable[tuple[int, str]]) -> None:
    """(Re)write the name words of these (id, name) customers, in the caller's transaction."""
    named = list(customers)
    if not named:
        return
    ids = [pk for pk, _ in named]
    for start in range(0, len(ids), WORDS_BATCH):
        CustomerWord.delete().where(
            CustomerWord.customer.in_(ids[start : start + WORDS_BATCH])
        ).execute()
    rows = [(pk, words, name_key(name)) for pk, name in named for words in name_words(name)]
    fields = [CustomerWord.customer, CustomerWord.words, CustomerWord.name_key]
    for start in range(0, len(rows), WORDS_BATCH):
        CustomerWord.insert_many(rows[start : start + WORDS_BATCH], fields=fields).execute()


def index_accounts(accounts: Iterable[str]) -> None:
    """(Re)write the name words of the customers with these account numbers (bulk inserts)."""
    wanted = list(accounts)
    for start in range(0, len(wanted), WORDS_BATCH):
        query = Customer.select(Customer.id, Customer.name).where(
            Customer.account.in_(wanted[start : start + WORDS_BATCH])
        )
        rows: list[tuple[int, str]] = list(query.tuples())  # type: ignore[arg-type]
        index_name_words((int(pk), str(name)) for pk, name in rows)


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


# A word prefix found in fewer name words than this is read from the words index alone, which
# holds each customer's name key (the list's order): its matches sorted, a page taken. A commoner
# one is read in name order, each customer checked through its own words, stopping at a page.
# Sorting costs SQLite about 0.2 µs a match, PostgreSQL about 2 µs; checking a customer on the
# way costs either about 3 µs: hence a limit for each.
WORD_SORT_LIMIT = 10_000
WORD_SORT_LIMIT_POSTGRES = 5_000
# The list counts the customers a search finds up to this many ("1,000 or more"): counting every
# customer with a word starting "s" would read the words of most of them.
LIST_COUNT_LIMIT = 1_000


def _words_match(term: str) -> Any:
    return _prefix_range(CustomerWord.words, name_key(term))


def _by_name(term: str) -> Any:
    """Customers with a word of the name starting with ``term``, through the words index."""
    return Customer.id.in_(CustomerWord.select(CustomerWord.customer).where(_words_match(term)))


def _has_word(term: str) -> Any:
    # The same test as _by_name, checked per customer through the (customer, words) index: the
    # query then follows the name index and stops at a page.
    key = name_key(term)
    return fn.EXISTS(
        CustomerWord.select(SQL("1")).where(
            (CustomerWord.customer == Customer.id)
            & (CustomerWord.words >= key)
            & (CustomerWord.words < key + "\U0010ffff")
        )
    )


def _after(query: Any, after: tuple[str, int] | None) -> Any:
    if after is None:
        return query
    key, pk = after
    return query.where(
        (Customer.name_key > key) | ((Customer.name_key == key) & (Customer.id > pk))
    )


def _by_name_page(
    term: str, status: str | None, after: tuple[str, int] | None, limit: int
) -> list[CustomerRow]:
    most = WORD_SORT_LIMIT if is_sqlite() else WORD_SORT_LIMIT_POSTGRES
    found = CustomerWord.select(SQL("1")).where(_words_match(term)).limit(most)
    if found.count() >= most:
        return _page(_listed(status).where(_has_word(term)), after, limit)
    if status_filter(status):
        return _page(_listed(status).where(_by_name(term)), after, limit)
    # The page's customers from the words index alone (it holds their name keys), then their
    # rows by id.
    keys = (
        CustomerWord.select(CustomerWord.name_key, CustomerWord.customer)
        .distinct()
        .where(_words_match(term))
    )
    if after is not None:
        key, pk = after
        keys = keys.where(
            (CustomerWord.name_key > key)
            | ((CustomerWord.name_key == key) & (CustomerWord.customer > pk))
        )
    keys = keys.order_by(CustomerWord.name_key, CustomerWord.customer).limit(limit)
    found_keys: list[tuple[str, int]] = list(keys.tuples())  # type: ignore[arg-type]
    ids = [int(pk) for _key, pk in found_keys]
    if not ids:
        return []
    return _page(_listed(None).where(Customer.id.in_(ids)), None, limit)


def _count_by_name(term: str, status: str | None, up_to: int | None) -> int:
    if up_to is None:
        return _count(status, _by_name(term))
    # The distinct customers of the first matching words, up to the limit.
    words = (
        CustomerWord.select(CustomerWord.customer).distinct().where(_words_match(term)).limit(up_to)
    )
    wanted = status_filter(status)
    if wanted:
        words = words.join(Customer, on=(CustomerWord.customer == Customer.id)).where(
            Customer.status == wanted
        )
    return int(words.count())


def _by_account(term: str) -> Any:
    return _prefix_range(Customer.account, term)


def _account_starts(term: str) -> Any:
    # The same test as _by_account, written so that no index serves it: the query then follows
    # the name index and stops at a page instead of sorting every match.
    return fn.SUBSTR(Customer.account, 1, len(term)) == term


def _page(query: Any, after: tuple[str, int] | None, limit: int) -> list[CustomerRow]:
    query = _after(query, after).order_by(Customer.name_key, Customer.id).limit(limit)
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

    A search matches the start of any word of the name (or a phrase from a word on); one that
    starts with a digit also matches the start of the account number. It is text, never a
    pattern: ``%`` and ``_`` are only themselves."""
    term = search.strip()
    limit = max(1, min(limit, 1000))
    with connection():
        if not term:
            return _page(_listed(status), after, limit)
        by_name = _by_name_page(term, status, after, limit)
        if not term[0].isdigit():
            return by_name
        # Name and account matches come from one query each, each following its own index, and
        # are merged here: a single OR query would sort every match, and "1" matches them all.
        dense = _count(status, _by_account(term), up_to=ACCOUNT_SORT_LIMIT) >= ACCOUNT_SORT_LIMIT
        by_account = _listed(status).where(_account_starts(term) if dense else _by_account(term))
        rows = {row.id: row for row in by_name}
        rows.update((row.id, row) for row in _page(by_account, after, limit))
        return sorted(rows.values(), key=lambda row: (row.key, row.id))[:limit]


def customer_count(search: str = "", status: str | None = None, *, up_to: int | None = None) -> int:
    """How many customers the list would show for this search and status. With ``up_to``, a
    search's count stops there (the list says "1,000 or more"); the count of a status is exact."""
    term = search.strip()
    with connection():
        if not term:
            return _count(status)
        by_name = _count_by_name(term, status, up_to)
        if not term[0].isdigit():
            return by_name
        # Counted apart, each through its index, less the customers counted twice.
        both = _by_name(term) & _account_starts(term)
        total = by_name + _count(status, _by_account(term)) - _count(status, both)
        return total if up_to is None else min(total, up_to)


def ready_to_process(accounts: Iterable[str]) -> set[str]:
    """Which of these accounts' pending cancellations Process would accept now (nothing left that
    holds Process back). Evaluates every rule of each: give only the few the screen shows."""
    from data.customers import tool_view
    from data.models import CancellationState

    ready = set()
    with connection():
        for account in accounts:
            view = tool_view(account)
            pending = view.cancellation is not None and (
                view.cancellation.state == CancellationState.PENDING
            )
            if pending and not view.unfinished:
                ready.add(account)
    return ready
