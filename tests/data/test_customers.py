"""Reading customers for the list and the customer view: name order, search on the start of a
name's words and of an account number, the status filter, keyset paging and the counts beside them."""

from __future__ import annotations

import datetime as dt

import pytest

from data import cancellations, customers
from data.errors import NotFound
from data.models import CustomerStatus
from tests.data.world import LEAD, OTHER, World


@pytest.fixture
def listed(world: World) -> World:
    """Acme Widgets (500001) and five more, two sharing a name, one cancelled, one pending.

    The names are ASCII, so their order is the same in every collation."""
    world.customer("510000", "acme widgets")  # same key as Acme Widgets
    world.customer("500123", "Beacon Dental")
    world.customer("123456", "Cedar Clinics")
    world.customer("612345", "Zephyr 12 Logistics", status=CustomerStatus.CANCELLED)
    world.customer("500999", "12 Oaks Pharmacy")
    cancellations.begin(LEAD, "500123")
    return world


def accounts(rows: list[customers.CustomerRow]) -> list[str]:
    return [row.account for row in rows]


def test_the_list_is_in_name_order_with_ties_by_id(listed: World) -> None:
    rows = customers.customer_page()
    assert accounts(rows) == ["500999", "500001", "510000", "500123", "123456", "612345"]
    assert rows[0].owner == "Vic Viewer"
    assert customers.customer_count() == 6


def test_keyset_paging_visits_every_customer_once(listed: World) -> None:
    seen: list[str] = []
    after = None
    while True:
        page = customers.customer_page(after=after, limit=2)
        if not page:
            break
        seen.extend(accounts(page))
        after = (page[-1].key, page[-1].id)
    assert seen == accounts(customers.customer_page(limit=100))
    assert len(seen) == len(set(seen)) == 6


SEARCHES = [
    ("acme", ["500001", "510000"]),
    ("  ACME   WID", ["500001", "510000"]),
    ("beacon", ["500123"]),
    ("dental", ["500123"]),  # the start of any word of the name
    ("ental", []),  # not the middle of a word
    ("5001", ["500123"]),  # an account prefix
    ("12", ["500999", "123456", "612345"]),  # name words and an account prefix
    ("6123", ["612345"]),
    ("zephyr 1", ["612345"]),
    ("nothing like it", []),
]


def test_search_matches_the_start_of_the_name_or_account(listed: World) -> None:
    for search, expected in SEARCHES:
        assert accounts(customers.customer_page(search)) == expected, search
        assert customers.customer_count(search) == len(expected), search


STATUSES = [
    ("live", ["500999", "500001", "510000", "123456"]),
    ("live-pc", ["500123"]),
    ("Live (PC)", ["500123"]),
    ("cancelled", ["612345"]),
    (None, ["500999", "500001", "510000", "500123", "123456", "612345"]),
    ("", ["500999", "500001", "510000", "500123", "123456", "612345"]),
]


def test_status_filter(listed: World) -> None:
    for status, expected in STATUSES:
        assert accounts(customers.customer_page(status=status)) == expected, status
        assert customers.customer_count(status=status) == len(expected), status


def test_search_folds_case_beyond_ascii(world: World) -> None:
    world.customer("700001", "Ångström Labs")
    world.customer("700002", "Große Straße Bakery")
    assert accounts(customers.customer_page("ÅNGSTRÖM")) == ["700001"]
    assert accounts(customers.customer_page("grosse")) == ["700002"]
    assert accounts(customers.customer_page("große str")) == ["700002"]


def test_search_and_status_together(listed: World) -> None:
    assert accounts(customers.customer_page("12", "cancelled")) == ["612345"]  # a word
    assert accounts(customers.customer_page("123", "cancelled")) == []
    assert accounts(customers.customer_page("6", "cancelled")) == ["612345"]
    assert customers.customer_count("5", "live") == 3


def test_detail_totals_and_pending_list(listed: World) -> None:
    listed.asset(live=False, cease=dt.date(2025, 1, 1))
    listed.asset()
    listed.case()
    listed.expiry(dt.date(2030, 1, 1))
    cancellations.begin(OTHER, listed.account)

    detail = customers.customer_detail(" 500001 ")
    assert (detail.name, detail.status, detail.owner_login, detail.version) == (
        "Acme Widgets",
        "Live (PC)",
        "viewer",
        2,
    )
    totals = {t.section: (t.total, t.blocking) for t in customers.record_totals("500001")}
    assert totals == {
        "assets": (2, 1),
        "cases": (1, 1),
        "opportunities": (0, 0),
        "quotations": (0, 0),
        "sales_orders": (0, 0),
        "expiry": (1, 0),
    }
    assert [(p.account, p.begun_by) for p in customers.pending_cancellations()] == [
        ("500123", "Lena Lead"),
        ("500001", "Otto Other"),
    ]
    assert [p.account for p in customers.pending_cancellations(OTHER)] == ["500001"]
    assert customers.pending_cancellations("tess") == []


def test_an_unknown_account_is_not_found(world: World) -> None:
    with pytest.raises(NotFound, match=r"There is no customer with account number '42'\."):
        customers.customer_detail("42")
    with pytest.raises(NotFound):
        customers.record_totals("42")
