"""The reports of issue 16 on a small fixture with known answers, on both backends: churn
reasons (a cancellation with several reasons counts for each), voluntary vs non-payment, time
to cancel and to close (nearest-rank percentiles), the win-back call list, empty periods, and
the audit trail read a page at a time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from data import reports
from data.db import connection
from data.errors import InvalidInput
from data.models import (
    Cancellation,
    CancellationReason,
    CancellationState,
    Customer,
    CustomerStatus,
    Expiry,
    Scenario,
    User,
)
from data.reports import Period, period_from
from data.reports.audit_trail import audit_events, audit_page, verdict_text, verify_chain
from tests.data.world import LEAD, TESS, VIEWER, World

OCTOBER = Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
NOW = dt.datetime(2026, 11, 5, 12, 0)
T = dt.datetime


def cancelled(
    world: World,
    account: str,
    *,
    begun: dt.datetime,
    processed: dt.datetime | None,
    closed: dt.datetime | None = None,
    scenario: str = Scenario.BUYOUT,
    reasons: tuple[str, ...] = (),
    state: str = CancellationState.PROCESSED,
    expiry: dt.date | None = None,
) -> None:
    status = CustomerStatus.CANCELLED if state == CancellationState.PROCESSED else "Live"
    if state == CancellationState.PENDING:
        status = CustomerStatus.PENDING_CANCELLATION
    customer_id = world.customer(account, f"Customer {account}", status=status)
    lead = User.get(User.login == LEAD)
    with connection():
        made = Cancellation.create(
            customer=customer_id,
            state=state,
            scenario=scenario,
            previous_status="Live",
            begun_by=lead,
            begun_at=begun,
            processed_by=lead if processed else None,
            processed_at=processed,
            closed_at=closed,
            closed_by=lead if closed else None,
        )
        for name in reasons:
            CancellationReason.create(cancellation=made, reason=world.reasons[name])
        if expiry is not None:
            Expiry.create(customer=customer_id, date=expiry, note=f"Call {account} back")


@pytest.fixture
def fixture(world: World, clock: Callable[[dt.datetime], None]) -> World:
    clock(NOW)
    # In October: three processed cancellations, one of them with two reasons, one with none.
    cancelled(
        world,
        "600001",
        begun=T(2026, 10, 1, 9),
        processed=T(2026, 10, 5, 9),
        closed=T(2026, 10, 15, 9),
        reasons=("Price", "Moved to a competitor"),
        expiry=dt.date(2026, 12, 15),
    )
    cancelled(
        world,
        "600002",
        begun=T(2026, 9, 20, 9),
        processed=T(2026, 10, 10, 9),
        scenario=Scenario.COLLECTIONS,
        reasons=("Price",),
        expiry=dt.date(2027, 3, 1),
    )
    cancelled(
        world,
        "600003",
        begun=T(2026, 10, 20, 9),
        processed=T(2026, 10, 21, 9),
        closed=T(2026, 10, 31, 12),
        scenario=Scenario.NON_RENEWAL,
    )
    # The previous period (31 days before October): one, for Budget cuts.
    cancelled(
        world,
        "600004",
        begun=T(2026, 9, 1, 9),
        processed=T(2026, 9, 11, 9),
        reasons=("Budget cuts",),
    )
    # Before both periods; removed; pending (3 and 40 days old).
    cancelled(world, "600005", begun=T(2026, 6, 1), processed=T(2026, 7, 1), reasons=("Price",))
    cancelled(
        world,
        "600006",
        begun=T(2026, 10, 2),
        processed=None,
        state=CancellationState.REMOVED,
        reasons=("Price",),
    )
    cancelled(world, "600007", begun=NOW - dt.timedelta(days=3), processed=None, state="pending")
    cancelled(world, "600008", begun=NOW - dt.timedelta(days=40), processed=None, state="pending")
    # A live customer with a future expiry in December: not on the call list.
    live = world.customer("600009", "Still Live")
    with connection():
        Expiry.create(customer=live, date=dt.date(2026, 12, 20))
    return world


def test_churn_reasons_counts_a_cancellation_once_for_each_reason(fixture: World) -> None:
    report = reports.report("churn-reasons", OCTOBER)
    assert report.summary == {"cancellations": 3, "previous_cancellations": 1}
    assert [
        (row["reason"], row["cancellations"], row["share"], row["previous"], row["change"])
        for row in report.table.rows
    ] == [
        ("Price", 2, 66.7, 0, 2),
        ("(no reason given)", 1, 33.3, 0, 1),
        ("Moved to a competitor", 1, 33.3, 0, 1),
        ("Budget cuts", 0, 0.0, 1, -1),
    ]
    assert report.table.rows[-1]["previous_share"] == 100.0
    assert report.previous == Period(dt.date(2026, 8, 31), dt.date(2026, 9, 30))
    assert report.headline.startswith("3 cancellations processed (+2 against")
    assert report.csv().splitlines()[:2] == [
        "reason,cancellations,share,previous,previous_share,change",
        "Price,2,66.7,0,0.0,2",
    ]


def test_voluntary_splits_by_scenario_and_month(fixture: World) -> None:
    report = reports.report("voluntary", OCTOBER)
    assert report.table.rows == [
        {"month": "2026-10", "voluntary": 2, "non_payment": 1, "other": 0, "total": 3}
    ]
    assert report.summary["voluntary_share"] == 66.7
    assert report.summary["previous_total"] == 1
    assert report.summary["previous_voluntary"] == 1
    two_months = reports.report("voluntary", Period(dt.date(2026, 9, 1), dt.date(2026, 10, 31)))
    assert [(row["month"], row["total"]) for row in two_months.table.rows] == [
        ("2026-09", 1),
        ("2026-10", 3),
    ]


def test_time_to_cancel_takes_nearest_rank_percentiles(fixture: World) -> None:
    report = reports.report("time-to-cancel", OCTOBER)
    (october,) = report.table.rows
    assert october == {
        "month": "2026-10",
        "processed": 3,
        "median_days_to_process": 4.0,  # of 1, 4 and 20 days
        "p90_days_to_process": 20.0,
        "closed": 2,
        "median_days_to_close": 10.0,  # of 10 and 10.125 days
        "p90_days_to_close": 10.1,
    }
    assert report.summary["previous_median_days_to_process"] == 10.0
    assert report.summary["pending"] == 2
    (ages,) = report.more
    assert [(row["age"], row["pending"]) for row in ages.rows] == [
        ("0–7 days", 1),
        ("8–30 days", 0),
        ("31–90 days", 1),
        ("over 90 days", 0),
    ]


def test_win_back_lists_cancelled_customers_whose_expiry_falls_in_the_period(
    fixture: World,
) -> None:
    december = Period(dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    report = reports.report("win-back", december)
    (row,) = report.table.rows
    assert row["account"] == "600001"
    assert row["reasons"] == ["Moved to a competitor", "Price"]
    assert row["expiry"] == dt.date(2026, 12, 15)
    assert row["owner"] == "Vic Viewer"
    assert row["save_attempts"] == 0
    assert report.chart_table().rows == [{"owner": "Vic Viewer", "customers": 1}]
    assert len(reports.report("win-back", december, mine=VIEWER).table.rows) == 1
    assert reports.report("win-back", december, mine=TESS).table.rows == []
    year = reports.report("win-back", Period(dt.date(2026, 12, 1), dt.date(2027, 12, 31)))
    assert [r["account"] for r in year.table.rows] == ["600001", "600002"]


def test_an_empty_period_reports_nothing_and_says_so(fixture: World) -> None:
    empty = Period(dt.date(2020, 1, 1), dt.date(2020, 1, 31))
    churn = reports.report("churn-reasons", empty)
    assert churn.table.rows == []
    assert churn.summary == {"cancellations": 0, "previous_cancellations": 0}
    assert reports.report("voluntary", empty).table.rows == [
        {"month": "2020-01", "voluntary": 0, "non_payment": 0, "other": 0, "total": 0}
    ]
    timing = reports.report("time-to-cancel", empty)
    assert timing.table.rows[0]["median_days_to_process"] is None
    assert timing.summary["median_days_to_process"] is None
    assert reports.report("win-back", empty).table.rows == []
    for name in reports.REPORTS:
        assert reports.report(name, empty).as_json()["report"] == name


def test_periods_are_read_as_typed_and_refused_in_words(
    clock: Callable[[dt.datetime], None],
) -> None:
    clock(NOW)
    assert period_from(None, None) == Period(dt.date(2026, 8, 8), dt.date(2026, 11, 5))
    assert period_from(None, None, ahead=True).start == dt.date(2026, 11, 5)
    assert period_from("2026-10-01", "2026-10-31") == OCTOBER
    assert period_from("2026-10-01", None).end == dt.date(2026, 12, 29)
    with pytest.raises(InvalidInput, match=r"ends .* before it starts"):
        period_from("2026-10-31", "2026-10-01")
    with pytest.raises(InvalidInput, match="is not a date"):
        period_from("October", None)
    with pytest.raises(InvalidInput, match="There is no report 'churn'"):
        reports.report("churn")


def test_the_audit_trail_pages_by_keyset_and_filters_by_kind(
    world: World, clock: Callable[[dt.datetime], None]
) -> None:
    from data import cancellations

    clock(NOW)
    cancellations.begin(LEAD, world.account)
    for number in range(5):
        cancellations.add_expiry(LEAD, world.account, dt.date(2027, 1, 1 + number), "Call")
    with connection():
        customer = Customer.get(Customer.account == world.account)
    everything = list(audit_events(world.account, page=2))
    assert everything == list(audit_events(world.account, page=500))
    assert [line.at for line in everything] == sorted(line.at for line in everything)
    first = audit_page(world.account, limit=2)
    assert len(first.lines) == 2 and first.after is not None
    assert first.total == len(everything)
    assert first.customer == str(customer.name)
    begin = audit_page(world.account, kind="begin")
    assert [line.action for line in begin.lines] == ["begin"]
    assert begin.total == 1 and begin.after is None
    assert ("begin", 1) in begin.kinds
    line = begin.lines[0]
    assert line.actor == "Lena Lead"
    assert "status: Live → Live (PC)" in line.change_text()
    assert verdict_text(verify_chain()) == f"audit trail intact, {verify_chain().events:,} events"


def test_save_rate_by_month_and_user_with_the_revenue_kept(fixture: World) -> None:
    from decimal import Decimal

    from data.models import Invoice
    from data.retention.models import SaveAttempt
    from tests.data.world import OTHER

    with connection():
        acme = Customer.get(Customer.account == "600001")
        lead, other = User.get(User.login == LEAD), User.get(User.login == OTHER)
        for issued, amount in ((dt.date(2026, 5, 1), "100.00"), (dt.date(2025, 9, 1), "50.00")):
            Invoice.create(
                customer=acme,
                number=f"I-{issued}",
                issued_on=issued,
                due_date=issued,
                amount=Decimal(amount),
            )
        for at, by, outcome in (
            (T(2026, 10, 3, 10), lead, "saved"),
            (T(2026, 10, 20, 10), other, "lost"),
            (T(2026, 10, 25, 10), lead, "open"),
            (T(2026, 9, 15, 10), lead, "saved"),  # the previous period
        ):
            SaveAttempt.create(customer=acme, by=by, at=at, outcome=outcome)
    report = reports.report("save-rate", OCTOBER)
    (october,) = report.table.rows
    assert october == {
        "month": "2026-10",
        "saved": 1,
        "paused": 0,
        "downgraded": 0,
        "lost": 1,
        "open": 1,
        "attempts": 3,
        "save_rate": 50.0,
        "revenue_kept": 100.0,  # the invoice of 2025-09-01 is more than a year before
    }
    (users,) = report.more
    assert [(r["user"], r["attempts"], r["save_rate"]) for r in users.rows] == [
        ("Lena Lead", 2, 100.0),
        ("Otto Other", 1, 0.0),
    ]
    assert report.summary["previous_attempts"] == 1
    assert report.summary["previous_save_rate"] == 100.0
    december = Period(dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    assert reports.report("win-back", december).table.rows[0]["save_attempts"] == 4
    empty = reports.report("save-rate", Period(dt.date(2020, 1, 1), dt.date(2020, 1, 31)))
    assert empty.summary["attempts"] == 0 and empty.summary["save_rate"] is None


def test_the_reports_read_their_periods_through_indexes(world: World) -> None:
    from data.db import database

    wanted = {
        "cancellation": "cancellation_processed_at",
        "expiry": "expiry_date",
        "save_attempt": "save_attempt_at",
    }
    for table, index in wanted.items():
        assert index in {found.name for found in database.get_indexes(table)}
    assert "cancellation_closed_at" in {i.name for i in database.get_indexes("cancellation")}
