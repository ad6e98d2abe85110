"""The cancellation rules: every section's state, summary and blocking count, and the records
that hold a section red, on both backends."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from data import cancellations, customers, records, rules
from data.dates import today_in
from data.db import connection
from data.errors import InvalidInput
from data.models import (
    CASE_CLOSED,
    CASE_STATUSES_OPEN,
    OPPORTUNITY_CLOSED,
    OPPORTUNITY_OPEN,
    QUOTATION_CLOSED,
    QUOTATION_OPEN,
    SALES_ORDER_CLOSED,
    SALES_ORDER_OPEN,
    Customer,
)
from data.rules import SectionState
from data.users import add_reason
from tests.conftest import OpenedDatabase
from tests.data.world import ADMIN, LEAD, TESS, World

CLEAR, BLOCKING, OPTIONAL = SectionState.CLEAR, SectionState.BLOCKING, SectionState.OPTIONAL


def sections(world: World, account: str | None = None) -> dict[str, rules.Section]:
    view = customers.tool_view(account or world.account)
    return {section.key: section for section in view.sections}


def test_one_call_returns_every_section_in_order_with_its_state(world: World) -> None:
    view = customers.tool_view(world.account)

    assert [s.key for s in view.sections] == list(rules.SECTION_KEYS)
    assert [s.name for s in view.sections] == list(rules.SECTION_NAMES.values())
    states = {s.key: s.state for s in view.sections}
    # Nothing begun and no records: what is asked of the team lead is red, the records clear.
    assert states == {
        "reasons": BLOCKING,
        "ownership": BLOCKING,
        "expiry": BLOCKING,
        "assets": CLEAR,
        "cases": CLEAR,
        "opportunities": CLEAR,
        "quotations": CLEAR,
        "sales_orders": CLEAR,
        "retention": OPTIONAL,  # no cancellation: it only informs
        "mood": OPTIONAL,
    }
    assert [s.name for s in view.red] == ["Cancellation reasons", "Ownership", "Future expiry"]
    assert rules.describe_red(view.sections) == (
        "3 sections still red: Cancellation reasons, Ownership, Future expiry"
    )
    by_key = {s.key: s for s in view.sections}
    assert by_key["assets"].summary == "No assets"
    assert by_key["sales_orders"].summary == "No sales orders"
    assert by_key["mood"].summary == "Not recorded (optional)"


def test_asset_summary_counts_the_live_ones(world: World) -> None:
    for n in range(9):
        world.asset(f"Ceased {n}", live=False, cease=dt.date(2025, 1, 1))
    live = [world.asset(f"Live {n}") for n in range(3)]

    assets = sections(world)["assets"]

    assert assets.state is BLOCKING
    assert assets.summary == "3 of 12 assets still live"
    assert (assets.blocking, assets.total) == (3, 12)
    assert [row.id for row in records.blocking_records(world.customer_id, "assets")] == live


@pytest.mark.parametrize(
    ("live", "cease", "blocks"),
    [
        (True, None, True),
        (True, dt.date(2025, 6, 1), True),  # a cease date, but still live
        (False, None, True),  # not live, but never given a cease date
        (False, dt.date(2025, 6, 1), False),  # ceased: the only way to clear
    ],
    ids=["live", "live-with-cease-date", "not-live-without-date", "ceased"],
)
def test_an_asset_is_cleared_only_by_a_cease_date_and_not_being_live(
    world: World, live: bool, cease: dt.date | None, blocks: bool
) -> None:
    world.asset(live=False, cease=dt.date(2025, 1, 1))  # one ceased asset alongside
    pk = world.asset("Under test", live=live, cease=cease)

    assets = sections(world)["assets"]

    assert assets.is_red is blocks
    assert assets.blocking == (1 if blocks else 0)
    assert assets.summary == ("1 of 2 assets still live" if blocks else "All 2 assets ceased")
    blocking_ids = [row.id for row in records.blocking_records(world.customer_id, "assets")]
    assert blocking_ids == ([pk] if blocks else [])


def test_one_ceased_asset_reads_in_the_singular(world: World) -> None:
    world.asset(live=False, cease=dt.date(2025, 1, 1))

    assert sections(world)["assets"].summary == "The asset is ceased"


RECORD_STATES = [
    ("cases", "cases", CASE_STATUSES_OPEN, (CASE_CLOSED,)),
    ("opportunities", "opportunities", OPPORTUNITY_OPEN, OPPORTUNITY_CLOSED),
    ("quotations", "quotations", QUOTATION_OPEN, QUOTATION_CLOSED),
    ("sales_orders", "sales orders", SALES_ORDER_OPEN, SALES_ORDER_CLOSED),
]


@pytest.mark.parametrize(("section", "nouns", "open_states", "closed_states"), RECORD_STATES)
def test_each_open_state_blocks_and_each_closed_state_clears(
    world: World,
    section: str,
    nouns: str,
    open_states: tuple[str, ...],
    closed_states: tuple[str, ...],
) -> None:
    open_ids = [world.record(section, state) for state in open_states]
    closed_ids = [world.record(section, state) for state in closed_states]

    found = sections(world)[section]

    assert found.state is BLOCKING
    assert (found.blocking, found.total) == (len(open_ids), len(open_ids) + len(closed_ids))
    assert found.summary.startswith(f"{len(open_ids)} of {len(open_ids) + len(closed_ids)} {nouns}")
    assert [r.id for r in records.blocking_records(world.customer_id, section)] == open_ids
    resolved = records.records(world.customer_id, section, blocking=False)
    assert [r.id for r in resolved] == closed_ids
    assert {r.status for r in resolved} == set(closed_states)


@pytest.mark.parametrize(
    ("section", "state", "summary"),
    [
        ("cases", CASE_CLOSED, "The case is closed"),
        ("opportunities", "Lost", "The opportunity is won, lost or cancelled"),
        ("quotations", "Expired", "The quotation is won, lost, expired or cancelled"),
        ("sales_orders", "Completed", "The sales order is completed or cancelled"),
    ],
)
def test_a_section_whose_records_are_all_closed_is_clear(
    world: World, section: str, state: str, summary: str
) -> None:
    world.record(section, state)

    found = sections(world)[section]

    assert (found.state, found.summary, found.blocking, found.total) == (CLEAR, summary, 0, 1)


def test_records_lists_both_kinds_with_their_flag_and_pages_by_id(world: World) -> None:
    ceased = world.asset("Old", live=False, cease=dt.date(2025, 1, 1))
    live = [world.asset(f"Live {n}") for n in range(4)]

    everything = records.records(world.customer_id, "assets")
    assert [(r.id, r.blocking) for r in everything] == [(ceased, False)] + [
        (pk, True) for pk in live
    ]
    old = everything[0]
    assert (old.kind, old.label, old.status) == ("assets", "Old", "Not live")
    assert old.detail == "started 2024-01-15, ceased 2025-01-01"
    assert everything[1].detail == "started 2024-01-15, no cease date"

    first = records.blocking_records(world.customer_id, "assets", limit=3)
    rest = records.blocking_records(world.customer_id, "assets", after_id=first[-1].id, limit=3)
    assert [r.id for r in first] == live[:3]
    assert [r.id for r in rest] == live[3:]


def test_records_refuses_a_section_without_records(world: World) -> None:
    with pytest.raises(InvalidInput, match="'mood' is not a section with records"):
        records.records(world.customer_id, "mood")


def test_records_of_another_customer_are_not_listed(world: World) -> None:
    world.customer("500002", "Other Co")
    theirs = world.asset("Theirs", account="500002")
    ours = world.asset("Ours")

    assert [r.id for r in records.blocking_records(world.customer_id, "assets")] == [ours]
    other_id = customers.customer_detail("500002").id
    assert [r.id for r in records.records(other_id, "assets")] == [theirs]
    assert sections(world, "500002")["assets"].summary == "1 of 1 asset still live"


def test_reasons_clear_with_one_reason_and_name_the_first_three(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    assert sections(world)["reasons"].summary == "No reason chosen yet"

    cancellations.set_reasons(LEAD, world.account, [world.reasons["Price"]])
    one = sections(world)["reasons"]
    assert (one.state, one.summary) == (CLEAR, "Price")

    cancellations.set_reasons(
        LEAD, world.account, [world.reasons[n] for n in ("Price", "Moved to a competitor")]
    )
    assert sections(world)["reasons"].summary == "Price, Moved to a competitor"

    cancellations.set_reasons(LEAD, world.account, [])
    assert sections(world)["reasons"].state is BLOCKING


def test_more_than_three_reasons_are_summed_up(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    extra = add_reason(ADMIN, "Other")
    chosen = [world.reasons[name] for name in ("Price", "Moved to a competitor", "Budget cuts")]

    cancellations.set_reasons(LEAD, world.account, [*chosen, extra.id])

    assert sections(world)["reasons"].summary == (
        "Price, Moved to a competitor, Budget cuts and 1 more"
    )


def test_ownership_clears_when_a_new_owner_is_chosen(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    assert sections(world)["ownership"].summary == "No new owner chosen"

    cancellations.choose_owner(LEAD, world.account, TESS)
    chosen = sections(world)["ownership"]
    assert (chosen.state, chosen.summary) == (
        CLEAR,
        "New owner: Tess Telesales (applied at Process)",
    )

    cancellations.choose_owner(LEAD, world.account, TESS, apply_now=True)
    assert sections(world)["ownership"].summary == "New owner: Tess Telesales (applied now)"


def test_mood_is_optional_whatever_it_says(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    assert sections(world)["mood"].state is OPTIONAL

    cancellations.set_mood(LEAD, world.account, "Angry")
    mood = sections(world)["mood"]
    assert (mood.state, mood.summary, mood.is_red) == (OPTIONAL, "Mood: Angry", False)


def test_expiry_clears_only_with_one_dated_after_today(
    world: World, clock: Callable[[dt.datetime], None]
) -> None:
    clock(dt.datetime(2026, 11, 21, 12, 0))
    world.expiry(dt.date(2026, 11, 1))
    world.expiry(dt.date(2026, 11, 21))  # today is not the future

    expiry = sections(world)["expiry"]
    assert (expiry.state, expiry.summary) == (
        BLOCKING,
        "No future expiry: add one dated after 2026-11-21",
    )

    world.expiry(dt.date(2027, 3, 1))
    world.expiry(dt.date(2026, 11, 22))
    expiry = sections(world)["expiry"]
    assert (expiry.state, expiry.summary, expiry.total) == (
        CLEAR,
        "2 future expiries, next 2026-11-22",
        2,
    )


# At 10:30 UTC on 21 November it is already the 22nd on Kiritimati (UTC+14) and still the
# 20th in Pago Pago (UTC-11): "after today" must be read in the customer's zone.
@pytest.mark.parametrize(
    ("zone", "date", "clear"),
    [
        ("UTC", dt.date(2026, 11, 22), True),
        ("Pacific/Kiritimati", dt.date(2026, 11, 22), False),  # UTC-tomorrow is today there
        ("Pacific/Kiritimati", dt.date(2026, 11, 23), True),
        ("UTC", dt.date(2026, 11, 21), False),
        ("Pacific/Pago_Pago", dt.date(2026, 11, 21), True),  # UTC-today is tomorrow there
    ],
)
def test_future_expiry_is_judged_in_the_customers_time_zone(
    world: World, clock: Callable[[dt.datetime], None], zone: str, date: dt.date, clear: bool
) -> None:
    clock(dt.datetime(2026, 11, 21, 10, 30))
    world.customer("600001", "Far Away Ltd", time_zone=zone)
    world.expiry(date, account="600001")

    assert sections(world, "600001")["expiry"].is_red is not clear


def test_expiry_uses_the_real_clock_in_the_customers_zone(world: World) -> None:
    # Whichever of the two zones is on another date than UTC at this moment (at any hour, one
    # is: Kiritimati from 10:00 UTC, Pago Pago until 11:00 UTC).
    utc_today = today_in("UTC")
    zone = (
        "Pacific/Kiritimati" if today_in("Pacific/Kiritimati") != utc_today else "Pacific/Pago_Pago"
    )
    world.customer("600002", "Dateline Co", time_zone=zone)
    local_today = today_in(zone)
    assert local_today != utc_today
    world.expiry(local_today, account="600002")
    assert sections(world, "600002")["expiry"].is_red

    world.expiry(local_today + dt.timedelta(days=1), account="600002")
    assert not sections(world, "600002")["expiry"].is_red


def test_evaluate_counts_with_the_same_few_queries_however_many_records(
    db: OpenedDatabase, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    statements: list[str] = []
    original = db.database.execute_sql

    def counting(sql: str, params: object = None) -> object:
        statements.append(sql)
        return original(sql, params)

    def count_evaluate() -> tuple[int, list[rules.Section]]:
        statements.clear()
        monkeypatch.setattr(db.database, "execute_sql", counting)
        with connection():
            customer = Customer.get_by_id(world.customer_id)
            result = rules.evaluate(customer, None)
        monkeypatch.undo()
        return len(statements), result

    world.asset()
    world.case()
    few, _ = count_evaluate()
    for n in range(60):
        world.asset(f"More {n}")
        world.case()
        world.opportunity()
    many, result = count_evaluate()

    assert few == many
    # a handful of aggregates, never a statement per record
    assert many <= 8
    assert {s.key: s.blocking for s in result}["assets"] == 61


def test_tool_view_shows_the_pending_cancellation(world: World) -> None:
    world.ready()
    view = customers.tool_view(world.account)

    assert view.red == []
    assert rules.describe_red(view.sections) == ""
    assert view.cancellation is not None
    assert view.cancellation.state == "pending"
    assert view.cancellation.reasons == ("Price",)
    assert view.cancellation.new_owner_login == TESS
    assert view.cancellation.begun_by == "Lena Lead"
    assert view.cancellation.notify_logins == ("lead", "viewer")
    assert view.customer.status == "Live (PC)"
