"""Retention in the app (issue 15), with Pilot on the demo: a save attempt from the customer
screen, the approval chain on the Approvals screen (with and without a credit), a rejection
and the resubmission, a pause approved with its reminder and resumed; and snapshots of the
Approvals screen and of a request with its history, at 80x24 and 120x36."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from data.db import connection
from data.models import Customer, CustomerStatus
from data.retention import attempts, decisions, request_views, requests
from data.retention.reminders import retention_reminders
from screens.approvals import ApprovalsScreen
from screens.customer import CustomerScreen
from screens.customer_list import CustomerListScreen
from screens.retention_forms import SaveAttemptForm
from screens.retention_request import RequestScreen
from screens.tool import SectionItem, SectionList, ToolScreen
from tests.app.conftest import FROZEN_TODAY, settle
from tui.app import OffboardApp

SnapCompare = Callable[..., bool]
AT_FIRST, AT_SECOND, AT_FINANCE = 3, 4, 5  # the demo's requests waiting at each step
LIVE = "100002"  # Blue Harbor Logistics: Live, no save attempt


def status(account: str) -> str:
    with connection():
        return str(Customer.get(Customer.account == account).status)


async def open_approvals(pilot: Pilot[Any]) -> ApprovalsScreen:
    await settle(pilot)
    await pilot.press("a")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ApprovalsScreen)
    return screen


async def decide(pilot: Pilot[Any], key: str, comment: str) -> None:
    """y or n on the highlighted request, the comment typed, saved."""
    await pilot.press(key)
    await settle(pilot)
    pilot.app.screen.query_one("#comment", Input).value = comment
    await pilot.press("enter")
    await settle(pilot)


async def approve_first(app: OffboardApp, comment: str = "") -> None:
    """The login's Approvals screen: approve the first request listed."""
    async with app.run_test(size=(120, 36)) as pilot:
        await open_approvals(pilot)
        await decide(pilot, "y", comment)


async def test_a_save_attempt_from_the_customer_screen(
    make_app: Callable[..., OffboardApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        app.screen.post_message(CustomerListScreen.OpenCustomer(LIVE))
        await settle(pilot)
        assert isinstance(app.screen, CustomerScreen)
        assert "None recorded." in str(app.screen.query_one("#save-attempts").render())
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("up")  # from Open to Lost
        await pilot.press("tab", "space")  # the first offer: Discount
        app.screen.query_one("#concern", Input).value = "Moving to a rival"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CustomerScreen)
        assert "Moving to a rival" in str(app.screen.query_one("#save-attempts").render())
    [attempt] = attempts.attempts_of(LIVE)
    assert (attempt.outcome, attempt.offers, attempt.by_login) == ("lost", ("Discount",), "lead")


async def test_the_full_chain_without_a_credit(make_app: Callable[..., OffboardApp]) -> None:
    await approve_first(make_app("jeremy"), "Fine")
    assert request_views.show_request(AT_FIRST).waiting_for.key == "approver_2"  # type: ignore[union-attr]
    app = make_app("dustin")
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_approvals(pilot)
        assert [row.id for row in screen.rows or []] == [AT_FIRST, AT_SECOND]
        await decide(pilot, "y", "")
        assert [row.id for row in screen.rows or []] == [AT_SECOND]
    shown = request_views.show_request(AT_FIRST)
    assert shown.state == "approved"
    assert [(s.by, s.comment) for s in shown.steps] == [
        ("Jeremy Blake", "Fine"),
        ("Dustin Hale", ""),
    ]


async def test_the_full_chain_with_a_credit_ends_at_finance(
    make_app: Callable[..., OffboardApp],
) -> None:
    assert request_views.show_request(AT_FINANCE).waiting_for.key == "finance"  # type: ignore[union-attr]
    await approve_first(make_app("kim"), "Credit ok")
    assert request_views.show_request(AT_FINANCE).state == "approved"


async def test_a_rejection_and_the_resubmission(make_app: Callable[..., OffboardApp]) -> None:
    app = make_app("jeremy")
    async with app.run_test(size=(120, 36)) as pilot:
        await open_approvals(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RequestScreen)
        await decide(pilot, "n", "Ask about the extension first")
        text = str(app.screen.query_one("#request").render())
        assert "rejected" in text and "Ask about the extension first" in text
    assert request_views.show_request(AT_FIRST).state == "rejected"
    requests.edit_request("amy", AT_FIRST, notes="The customer declined the extension.")
    decisions.submit_request("amy", AT_FIRST)
    app = make_app("jeremy")
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_approvals(pilot)
        assert [row.id for row in screen.rows or []] == [AT_FIRST]
        assert screen.rows is not None and screen.rows[0].round == 2


async def test_a_pause_is_approved_reminds_and_is_resumed(
    make_app: Callable[..., OffboardApp],
) -> None:
    made = requests.create_request(
        "amy", LIVE, "pause", FROZEN_TODAY, end_date="+5d", retention=True
    )
    decisions.submit_request("amy", made.request_id)
    for approver in ("jeremy", "dustin"):
        app = make_app(approver)
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await open_approvals(pilot)
            ids = [row.id for row in screen.rows or []]
            for _ in range(ids.index(made.request_id)):
                await pilot.press("down")
            await decide(pilot, "y", "")
    assert status(LIVE) == CustomerStatus.PAUSED
    assert ("pause-end", LIVE) in {(r.kind, r.account) for r in retention_reminders(FROZEN_TODAY)}
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        app.screen.post_message(CustomerListScreen.OpenCustomer(LIVE))
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
    assert status(LIVE) == CustomerStatus.LIVE
    assert ("pause-end", LIVE) not in {
        (r.kind, r.account) for r in retention_reminders(FROZEN_TODAY)
    }


async def open_section(pilot: Pilot[Any], key: str) -> None:
    sections = pilot.app.screen.query_one("#sections", SectionList)
    sections.focus()
    keys = [item.section.key for item in sections.query(SectionItem)]
    target = keys.index(key)
    while sections.index != target:
        await pilot.press("down" if (sections.index or 0) < target else "up")
    await pilot.press("enter")
    await settle(pilot)


async def test_the_tools_retention_and_approval_sections_open_their_screens(
    make_app: Callable[..., OffboardApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        app.screen.post_message(CustomerListScreen.OpenTool("100012"))  # Redwood: pending
        await settle(pilot)
        tool = app.screen
        assert isinstance(tool, ToolScreen)
        await open_section(pilot, "approval")
        assert isinstance(app.screen, RequestScreen)  # its cancel request, a draft
        assert "— draft" in str(app.screen.query_one("#request").render())
        await pilot.press("escape")
        await settle(pilot)
        await open_section(pilot, "retention")
        assert isinstance(app.screen, SaveAttemptForm)
        await pilot.press("down")  # from Open to "No attempt made (note why)"
        app.screen.query_one("#note", Input).value = "The partner decided; no call possible"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is tool
        retention = next(
            item.section for item in tool.query(SectionItem) if item.section.key == "retention"
        )
        assert not retention.is_red
        assert retention.summary == "No save attempt: The partner decided; no call possible"


# ----------------------------------------------------------------------------- snapshots


def approvals_screen() -> Callable[[Pilot[Any]], Any]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_approvals(pilot)
        pilot.app.clear_notifications()  # "browsing only": an approver has no tool role
        await pilot.resize_terminal(*pilot.app.size)
        await settle(pilot)

    return run_before


def request_screen() -> Callable[[Pilot[Any]], Any]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_approvals(pilot)
        await pilot.press("down", "enter")  # #4: approved once, waiting for the second
        await settle(pilot)
        pilot.app.clear_notifications()
        await pilot.resize_terminal(*pilot.app.size)
        await settle(pilot)

    return run_before


def test_approvals_screen_120x36(
    snap_compare: SnapCompare, make_app: Callable[..., OffboardApp]
) -> None:
    assert snap_compare(make_app("dustin"), terminal_size=(120, 36), run_before=approvals_screen())


def test_approvals_screen_80x24(
    snap_compare: SnapCompare, make_app: Callable[..., OffboardApp]
) -> None:
    assert snap_compare(make_app("dustin"), terminal_size=(80, 24), run_before=approvals_screen())


def test_request_with_history_120x36(
    snap_compare: SnapCompare, make_app: Callable[..., OffboardApp]
) -> None:
    assert snap_compare(make_app("dustin"), terminal_size=(120, 36), run_before=request_screen())


def test_request_with_history_80x24(
    snap_compare: SnapCompare, make_app: Callable[..., OffboardApp]
) -> None:
    assert snap_compare(make_app("dustin"), terminal_size=(80, 24), run_before=request_screen())
