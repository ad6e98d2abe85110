"""SVG snapshots of the screens that matter (pytest-textual-snapshot). The database is the
demo built with a frozen clock, and "today" is frozen, so every run draws the same picture.

Update with ``pytest tests/app --snapshot-update`` and look at the SVGs before committing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, ListView

from data import cancellations, termination
from data.demo import finish_termination
from data.users import list_reasons
from screens.customer_list import CustomerListScreen
from tests.app.conftest import FROZEN_TODAY, settle
from tui.app import OffboardApp

GREEN = "100020"  # Lighthouse Counseling, cleared below with the data layer's operations

SnapCompare = Callable[..., bool]


@pytest.fixture
def all_green(db_path: str) -> str:
    """A small customer with a pending cancellation whose every section is clear."""
    lead = "lead"
    cancellations.begin(lead, GREEN)
    reasons = [r.id for r in list_reasons() if r.name in {"Price", "Budget cuts"}]
    cancellations.set_reasons(lead, GREEN, reasons, "Budget moved to a new vendor.")
    cancellations.choose_owner(lead, GREEN, "tess")
    cancellations.add_expiry(lead, GREEN, dt.date(2027, 6, 30), "Call back before renewal")
    cancellations.cease_assets(lead, GREEN, dt.date(2025, 12, 31))
    for section, state in (
        ("cases", "Closed"),
        ("opportunities", "Lost"),
        ("sales_orders", "Cancelled"),
    ):
        cancellations.close_records(lead, GREEN, section, state)
    cancellations.set_mood(lead, GREEN, "Neutral")
    cancellations.confirm_step(lead, GREEN, "final-amount-email", "Finance (Kim)")
    cancellations.confirm_step(lead, GREEN, "payment-confirmed", "Paid in full")
    cancellations.confirm_step(lead, GREEN, "admin-notified", "Told in the call")
    finish_termination(lead, GREEN)
    return GREEN


@pytest.fixture
def waiting(db_path: str) -> str:
    """A cancellation whose records are clear and whose timeline has nothing due today, only
    tasks due later: its Timeline section waits (not red, but Process waits for it)."""
    lead = "lead"
    cancellations.begin(lead, GREEN)
    termination.set_effective_date(lead, GREEN, FROZEN_TODAY + dt.timedelta(days=45))
    for task in ("account_team_informed", "attrition_box"):
        termination.complete_task(lead, GREEN, task)
    return GREEN


async def finished(pilot: Pilot[Any]) -> None:
    """Settle, then lay everything out afresh as a terminal resize does, so the picture never
    catches a change of focus (a table's cursor colour, a dialog opening) half-way."""
    await settle(pilot)
    await pilot.resize_terminal(*pilot.app.size)
    await settle(pilot)


def open_tool(account: str, *keys: str) -> Callable[[Pilot[Any]], Any]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        pilot.app.screen.post_message(CustomerListScreen.OpenTool(account))
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        await finished(pilot)
        await settle(pilot)

    return run_before


def test_customer_list(snap_compare: SnapCompare, make_app: Callable[..., OffboardApp]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await finished(pilot)

    assert snap_compare(make_app(), terminal_size=(100, 30), run_before=run_before)


def test_tool_with_red_sections(
    snap_compare: SnapCompare, make_app: Callable[..., OffboardApp]
) -> None:
    assert snap_compare(make_app(), terminal_size=(100, 30), run_before=open_tool("100012"))


def test_tool_with_red_sections_at_80x24(
    snap_compare: SnapCompare, make_app: Callable[..., OffboardApp]
) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=open_tool("100012"))


def test_tool_all_green(
    snap_compare: SnapCompare, make_app: Callable[..., OffboardApp], all_green: str
) -> None:
    assert snap_compare(make_app(), terminal_size=(100, 30), run_before=open_tool(all_green))


def test_process_confirmation(
    snap_compare: SnapCompare, make_app: Callable[..., OffboardApp], all_green: str
) -> None:
    assert snap_compare(make_app(), terminal_size=(100, 30), run_before=open_tool(all_green, "p"))


def test_manage_assets_table(
    snap_compare: SnapCompare, make_app: Callable[..., OffboardApp]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        pilot.app.screen.post_message(CustomerListScreen.OpenManage("100012", "assets"))
        await finished(pilot)

    assert snap_compare(make_app(), terminal_size=(100, 30), run_before=run_before)


def test_form_with_a_validation_error(
    snap_compare: SnapCompare, make_app: Callable[..., OffboardApp]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        pilot.app.screen.post_message(CustomerListScreen.OpenManage("100012", "assets"))
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        date = pilot.app.screen.query_one("#date", Input)
        date.cursor_blink = False  # a blinking cursor would make the picture differ run to run
        date.value = ""
        await pilot.press(*"next week")
        await settle(pilot)
        await finished(pilot)

    assert snap_compare(make_app(), terminal_size=(100, 30), run_before=run_before)


# ----------------------------------------------------------------------------- issue 4 screens

COLLECTIONS = "100015"  # Coastal Urgent Care: sent to collections, pending
NON_RENEWAL = "100012"  # Redwood Legal LLP: non-renewal, just begun
NOTICE_SENT = "100011"  # Pinecrest Home Health: buyout, its offboarding notice sent


def test_tool_sent_to_collections(
    snap_compare: SnapCompare, make_app: Callable[..., OffboardApp]
) -> None:
    """The no-contact note instead of Admin notified, and the billing line in red."""
    assert snap_compare(make_app(), terminal_size=(110, 30), run_before=open_tool(COLLECTIONS))


def test_scenario_step_form(
    snap_compare: SnapCompare, make_app: Callable[..., OffboardApp]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        pilot.app.screen.post_message(CustomerListScreen.OpenTool(NON_RENEWAL))
        await settle(pilot)
        sections = pilot.app.screen.query_one("#sections", ListView)
        keys = [getattr(getattr(item, "section", None), "key", "") for item in sections.children]
        for _ in range(keys.index("bill_till_payout") - (sections.index or 0)):
            await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot)
        note = pilot.app.screen.query_one("#note", Input)
        note.cursor_blink = False
        await finished(pilot)

    assert snap_compare(make_app(), terminal_size=(100, 30), run_before=run_before)


def test_billing_view(snap_compare: SnapCompare, make_app: Callable[..., OffboardApp]) -> None:
    """Past-due invoices stand out; the note's "collections" is highlighted."""
    assert snap_compare(make_app(), terminal_size=(100, 34), run_before=open_tool(COLLECTIONS, "b"))


def test_email_preview(snap_compare: SnapCompare, make_app: Callable[..., OffboardApp]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_tool(NON_RENEWAL, "e")(pilot)
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await finished(pilot)

    assert snap_compare(make_app(), terminal_size=(100, 34), run_before=run_before)


def test_outbox_with_a_sent_notice(
    snap_compare: SnapCompare, make_app: Callable[..., OffboardApp]
) -> None:
    assert snap_compare(make_app(), terminal_size=(110, 30), run_before=open_tool(NOTICE_SENT, "o"))


def test_timeline_screen(snap_compare: SnapCompare, make_app: Callable[..., OffboardApp]) -> None:
    """Redwood Legal, four days in: the first tasks done, the next ones overdue (in red)."""
    assert snap_compare(make_app(), terminal_size=(130, 30), run_before=open_tool("100012", "t"))


def test_timeline_waiting_on_the_tool(
    snap_compare: SnapCompare, make_app: Callable[..., OffboardApp], waiting: str
) -> None:
    assert snap_compare(make_app(), terminal_size=(100, 30), run_before=open_tool(waiting))


def test_today(snap_compare: SnapCompare, make_app: Callable[..., OffboardApp]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("t")
        await finished(pilot)

    assert snap_compare(make_app(), terminal_size=(120, 30), run_before=run_before)
