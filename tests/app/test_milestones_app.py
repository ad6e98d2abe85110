"""The two milestones in the app (issue 12), driven by keys: Process with only the tasks that
gate it done leaves the tool open on the termination case; Close is refused while tasks are
open and, with the clock moved on and every task done, closes the case (Former Customer); Remove
is disabled once processed; the Timeline's For column and its past effective date; the open
case on the customer view, the start screen and Today; and the tool-only playbook, named in a
configuration file, taking a cancellation from Begin to Former Customer in one sitting.

The world is built with the data layer's own operations (``processed_world``, ``close_world``);
the snapshot tests of the same screens (test_milestone_snapshots.py) build theirs with them too.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Checkbox, DataTable, Input, Static

from data import cancellations, clock, notices, termination
from data.customers import customer_detail, read_termination, tool_view
from data.db import connection
from data.demo import lost_save_attempt
from data.models import CustomerStatus, CustomerType, DoneBy, PlaybookVersion
from data.playbook import DEFAULT_PLAYBOOK, current_playbook, store, use_playbook
from data.timeline import SIGN_OFFS, TaskState, current_plan
from data.users import list_reasons
from screens.customer import CustomerScreen
from screens.customer_list import CustomerListScreen
from screens.dialogs import ConfirmDialog
from screens.form_confirmations import ProcessForm
from screens.forms import EffectiveDateForm
from screens.timeline import TimelineScreen
from screens.today import TodayScreen
from screens.tool import ToolScreen
from screens.widgets import PlaybookLine, SectionLine
from tests.app.conftest import FROZEN_NOW, FROZEN_TODAY, settle, settle_until
from tests.app.test_journey import begin_a_non_renewal, red_keys, sections_of
from tests.app.test_journey import clear_the_tool as clear_the_journeys_tool
from tui.app import OffboardApp

SMALL = "100020"  # Lighthouse Counseling: Live in the demo, a small customer
LEAD = "lead"
EFFECTIVE = FROZEN_TODAY + dt.timedelta(days=30)  # Sat 2026-02-14
# Two days after the effective date: the purge may be recorded, every task may be done.
LATER = FROZEN_NOW + dt.timedelta(days=32)
PROCESS_TASKS = ("notice_received", "account_team_informed", "attrition_box")
GUID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
TOOL_ONLY = DEFAULT_PLAYBOOK.parent / "tool-only.toml"


def clear_the_tool(account: str = SMALL) -> None:
    """Begin a buyout and clear every section of the tool, recording nothing that is not true
    today: of the termination timeline only the effective date is set."""
    cancellations.begin(LEAD, account)
    reasons = [r.id for r in list_reasons() if r.name in {"Price", "Budget cuts"}]
    cancellations.set_reasons(LEAD, account, reasons, "Budget moved to a new vendor.")
    cancellations.choose_owner(LEAD, account, "tess")
    cancellations.add_expiry(LEAD, account, dt.date(2027, 6, 30), "Call back before renewal")
    cancellations.cease_assets(LEAD, account, dt.date(2025, 12, 31))
    for section, state in (
        ("cases", "Closed"),
        ("opportunities", "Lost"),
        ("sales_orders", "Cancelled"),
    ):
        cancellations.close_records(LEAD, account, section, state)
    cancellations.set_mood(LEAD, account, "Neutral")
    cancellations.confirm_step(LEAD, account, "final-amount-email", "Finance (Kim)")
    cancellations.confirm_step(LEAD, account, "payment-confirmed", "Paid in full")
    cancellations.confirm_step(LEAD, account, "admin-notified", "Told in the call")
    # Retention (part E) must be clear before Process: a save attempt that lost the customer.
    lost_save_attempt(LEAD, account)


def ready_for_process(account: str = SMALL, effective: dt.date = EFFECTIVE) -> None:
    """The tool clear and the tasks that gate Process done: Process is possible today."""
    clear_the_tool(account)
    termination.set_effective_date(LEAD, account, effective, allow_past=effective < FROZEN_TODAY)
    for task in PROCESS_TASKS:
        termination.complete_task(LEAD, account, task)


def processed_world(account: str = SMALL) -> str:
    """Processed today with its termination case open: nine tasks left for Close."""
    ready_for_process(account)
    cancellations.process(LEAD, account)
    return account


def do_the_rest(account: str = SMALL) -> None:
    """Every task left for Close, done through the operations as a team lead would (with the
    clock where the caller has it: on or after the effective date, for the purge)."""
    for task in current_plan().tasks:
        if task.key in PROCESS_TASKS:
            continue
        if task.by_hand:
            termination.complete_task(LEAD, account, task.key)
        elif task.completed_by == DoneBy.EMAIL:
            draft = notices.compose_task_email(account, LEAD, task.key)
            termination.queue_task_email(
                LEAD, account, task.key, draft.recipients, draft.subject, draft.body
            )
    termination.record_deactivation(LEAD, account, GUID)
    termination.decide_data(LEAD, account, "approve")
    termination.record_purge(LEAD, account)
    for key in SIGN_OFFS:
        termination.sign_off(LEAD, account, key)


def close_world(account: str = SMALL) -> str:
    """Processed, and every task of the case done: Close asks for confirmation. The contract
    ended yesterday (confirmed as a past date), so the purge may be recorded today."""
    ready_for_process(account, effective=FROZEN_TODAY - dt.timedelta(days=1))
    cancellations.process(LEAD, account)
    do_the_rest(account)
    return account


@pytest.fixture
def ready(db_path: str) -> str:
    ready_for_process()
    return SMALL


@pytest.fixture
def processed(db_path: str) -> str:
    return processed_world()


async def open_tool(pilot: Pilot[None], account: str = SMALL) -> ToolScreen:
    await settle(pilot)
    pilot.app.screen.post_message(CustomerListScreen.OpenTool(account))
    await settle(pilot)
    tool = pilot.app.screen
    assert isinstance(tool, ToolScreen)
    return tool


def text_of(screen: ToolScreen | TimelineScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def notified(app: OffboardApp) -> list[str]:
    return [notification.message for notification in app._notifications]


async def test_process_with_only_the_process_tasks_done_leaves_the_case_open(
    make_app: Callable[..., OffboardApp], ready: str
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        tool = await open_tool(pilot, ready)
        assert tool.view is not None
        # The termination sections hold back only Close: they say so, and Process is possible.
        tagged = [
            line.section.name
            for line in tool.query(SectionLine)
            if line.section is not None and line.has_class("-for-close")
        ]
        assert tagged == ["Timeline", "Sign-offs", "Access & data"]
        assert tool.check_action("process", ()) is True
        assert tool.check_action("close_case", ()) is False  # not shown before Process
        assert text_of(tool, "#process-line").startswith("Every section Process waits for")
        playbook = str(tool.query_one("#tool-playbook", PlaybookLine).render())
        assert playbook.startswith("Playbook: Customer off-boarding")

        await pilot.press("p")
        dialog = app.screen
        assert isinstance(dialog, ProcessForm)
        body = "\n".join(dialog.lines)
        assert "Status: Live (PC) → Cancelled" in body
        assert "The termination case stays open: 9 tasks left on the Timeline" in body
        assert "Former Customer" not in body
        await pilot.press("y")
        await settle_until(
            pilot,
            lambda: text_of(tool, "#banner").startswith("Cancelled — termination case open: 9"),
            "the open case's banner",
        )
        assert app.screen is tool
        assert text_of(tool, "#banner") == (
            "Cancelled — termination case open: 9 tasks left, next: Legal confirms the "
            "termination terms and dates; case updated due Fri 2026-01-16"
        )
        customer = customer_detail(ready)
        assert customer.status == CustomerStatus.CANCELLED
        assert customer.customer_type == CustomerType.CUSTOMER
        assert "The termination case stays open: 9 tasks left" in text_of(tool, "#process-line")

        # Process is gone, and with it Remove, Scenario and E-mail admin (x still says why),
        # Close on c in the footer.
        for action in ("process", "remove", "scenario", "email"):
            assert tool.check_action(action, ()) is False
        assert "a processed cancellation cannot be removed" in tool.unavailable_reason("remove")
        assert tool.check_action("close_case", ()) is True
        shown = {b.binding.key: b.binding.description for b in tool.active_bindings.values()}
        assert shown["c"] == "Close termination case" and "p" not in shown
        # What is left for Close, in the tool's words (not "0 of 3 clear").
        assert text_of(tool, "#tool-progress") == (
            "Processed — for Close: 9 tasks left, next: Legal confirms the termination terms "
            "and dates; case updated; Sign-offs; Access & data"
        )
        await pilot.press("x")
        assert app.screen is tool  # nothing to confirm: Remove is disabled


async def test_close_is_refused_while_tasks_are_open(
    make_app: Callable[..., OffboardApp], processed: str
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        tool = await open_tool(pilot, processed)
        await pilot.press("c")
        await settle(pilot)
        assert app.screen is tool  # no confirmation: the data layer refused at once
        assert any(
            message.startswith(
                "The termination case of Lighthouse Counseling cannot be closed yet: 9 tasks "
                "are not done"
            )
            for message in notified(app)
        )
        assert customer_detail(processed).customer_type == CustomerType.CUSTOMER
        assert tool_view(processed).cancellation.case_open  # type: ignore[union-attr]


async def test_close_from_the_tool_once_every_task_is_done(
    make_app: Callable[..., OffboardApp], processed: str
) -> None:
    with clock.frozen(LATER):
        do_the_rest(processed)
        app = make_app()
        async with app.run_test(size=(120, 36)) as pilot:
            tool = await open_tool(pilot, processed)
            assert text_of(tool, "#banner") == (
                "Cancelled — termination case open: every task is done, close it"
            )
            assert "press c to close it" in text_of(tool, "#process-line")
            await pilot.press("c")
            dialog = app.screen
            assert isinstance(dialog, ConfirmDialog)
            assert "• Customer type: Customer → Former Customer" in dialog.lines
            await pilot.press("y")
            await settle_until(
                pilot,
                lambda: "termination case closed" in text_of(tool, "#banner"),
                "the closed case's banner",
            )
            assert customer_detail(processed).customer_type == CustomerType.FORMER_CUSTOMER
            assert "is a Former Customer" in text_of(tool, "#process-line")
            assert tool.check_action("close_case", ()) is False  # nothing left to close
            assert "is closed" in tool.unavailable_reason("close_case")


async def test_the_timeline_says_which_milestone_each_task_gates_and_closes_too(
    make_app: Callable[..., OffboardApp], processed: str
) -> None:
    app = make_app()
    async with app.run_test(size=(130, 36)) as pilot:
        await open_tool(pilot, processed)
        await pilot.press("t")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TimelineScreen) and screen.view is not None
        table = screen.query_one("#tasks", DataTable)
        column = table.get_column_index("gates")
        gates = [str(table.get_row_at(n)[column]) for n in range(table.row_count)]
        assert gates == ["Process"] * 3 + ["Close"] * 9
        assert "Cancelled, case open" in text_of(screen, "#timeline-head")
        # The Timeline stays workable after Process: Enter ticks the next task.
        assert screen.check_action("do", ()) is True
        assert screen.check_action("close_case", ()) is True
        await pilot.press("c")
        await settle(pilot)
        assert app.screen is screen
        assert any("cannot be closed yet" in message for message in notified(app))


async def test_a_past_effective_date_is_set_only_once_confirmed(
    make_app: Callable[..., OffboardApp], processed: str
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_tool(pilot, processed)
        await pilot.press("t")
        await settle(pilot)
        timeline = app.screen
        assert isinstance(timeline, TimelineScreen)
        await pilot.press("f")
        form = app.screen
        assert isinstance(form, EffectiveDateForm)
        form.query_one("#date", Input).value = "2026-01-10"
        await pilot.press("ctrl+s")
        await settle(pilot)
        # Refused by the data layer: the form stays open with the date and the reason, and
        # offers to confirm.
        assert app.screen is form
        assert form.query_one("#date", Input).value == "2026-01-10"
        message = str(form.query_one("#form-message", Static).render())
        assert message.startswith("2026-01-10 is in the past (today is 2026-01-15")
        past = form.query_one("#past", Checkbox)
        assert past.display and not past.value
        assert read_termination(processed).timeline.effective_date == EFFECTIVE

        await pilot.press("space")  # the tick box has the focus
        assert past.value
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is timeline
        assert read_termination(processed).timeline.effective_date == dt.date(2026, 1, 10)


async def test_the_open_case_shows_on_the_customer_the_start_screen_and_today(
    make_app: Callable[..., OffboardApp], processed: str
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        start = app.screen
        assert isinstance(start, CustomerListScreen)
        line = str(start.query_one("#pending-line", Static).render())
        assert "(1 processed, case open)" in line
        assert "Lighthouse Counseling (100020), Cancelled · case open, 9 tasks left" in line

        start.post_message(CustomerListScreen.OpenCustomer(processed))
        await settle(pilot)
        customer = app.screen
        assert isinstance(customer, CustomerScreen)
        assert str(customer.query_one("#banner", Static).render()).startswith(
            "Cancelled — termination case open: 9 tasks left"
        )
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, ToolScreen)

    # Legal's task is due tomorrow: Today lists the open case's tasks once they are due.
    with clock.frozen(FROZEN_NOW + dt.timedelta(days=2)):
        app = make_app()
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            app.screen.post_message(CustomerListScreen.OpenToday())
            await settle(pilot)
            today = app.screen
            assert isinstance(today, TodayScreen)
            table = today.query_one("#today", DataTable)
            # By the column's key: Today's columns give way by priority (screens/fitted.py).
            column = table.get_column_index("customer")
            customers = {str(table.get_row_at(n)[column]) for n in range(table.row_count)}
            assert "Lighthouse Counseling (100020) · Cancelled, case open" in customers
            assert "(1 processed, case open)" in str(
                today.query_one("#today-count", Static).render()
            )
            rows = [row for row in today.rows if row.account == processed]
            assert rows and all(row.task.state is not TaskState.DONE for row in rows)


async def test_a_case_whose_playbook_version_is_gone_opens_read_only(
    make_app: Callable[..., OffboardApp], db_path: str
) -> None:
    cancellations.begin(LEAD, SMALL)
    with connection():
        PlaybookVersion.update(text="[playbook\nname = 'broken").execute()
    store.forget()
    try:
        app = make_app()
        async with app.run_test(size=(120, 36)) as pilot:
            tool = await open_tool(pilot, SMALL)
            banner = text_of(tool, "#banner")
            assert banner.startswith("Pending cancellation — since ")
            assert "which can no longer be read: shown with the playbook in force, read-only." in (
                banner
            )
            for action in ("process", "remove", "scenario"):
                assert tool.check_action(action, ()) is None
                assert "can no longer be read" in tool.unavailable_reason(action)
            assert tool.check_action("timeline", ()) is True
    finally:
        store.forget()


# ----------------------------------------------------------------------------- tool-only playbook


@pytest.fixture
def tool_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """offboard configured as a team that uses only the Cancellation Tool would: the shipped
    tool-only playbook copied beside its configuration file, which names it under [playbook]."""
    folder = tmp_path / "settings"
    folder.mkdir()
    shutil.copy(TOOL_ONLY, folder / "tool-only.toml")
    (folder / "config.toml").write_text('[playbook]\nfile = "tool-only.toml"\n', encoding="utf-8")
    for variable in ("OFFBOARD_PLAYBOOK", "OFFBOARD_PLAN", "OFFBOARD_TEMPLATES"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("OFFBOARD_CONFIG", str(folder / "config.toml"))
    yield
    use_playbook(None)  # every other test runs on the shipped default


async def test_the_tool_only_playbook_begins_and_processes_in_one_sitting(
    make_app: Callable[..., OffboardApp], tool_only: None
) -> None:
    app = make_app()
    assert current_playbook().name == "Cancellation Tool only"
    async with app.run_test(size=(100, 30)) as pilot:
        tool = await begin_a_non_renewal(pilot)
        playbook = str(tool.query_one("#tool-playbook", PlaybookLine).render())
        assert playbook.startswith("Playbook: Cancellation Tool only")
        # No Timeline, Sign-offs or Access & data: the tool's own sections are all there is.
        shown = set(sections_of(app))
        assert not shown & {"timeline", "sign_offs", "access_data"}
        assert red_keys(app) == {
            "reasons",
            "ownership",
            "expiry",
            "assets",
            "cases",
            "opportunities",
            "sales_orders",
            "bill_till_payout",
            "auto_renewal",
            "admin_notified",
        }
        assert tool.check_action("close_case", ()) is False  # nothing to close before Process

        await clear_the_journeys_tool(pilot)
        assert red_keys(app) == set()
        assert tool.check_action("process", ()) is True
        assert "press p to Process" in text_of(tool, "#process-line")

        # Process says the case closes at once: nothing is left for Close.
        await pilot.press("p")
        dialog = app.screen
        assert isinstance(dialog, ProcessForm)
        body = "\n".join(dialog.lines)
        assert "Status: Live (PC) → Cancelled" in body
        assert (
            "• Customer type: Customer → Former Customer (nothing is left for Close: the "
            "termination case closes at once)"
        ) in body
        assert "stays open" not in body
        await pilot.press("y")
        await settle_until(
            pilot,
            lambda: text_of(tool, "#banner").startswith("Cancelled — "),
            "the Cancelled banner",
        )
        assert app.screen is tool
        # Processed and closed in the same moment: the banner says processed, nothing more.
        assert text_of(tool, "#banner") == "Cancelled — processed 2026-01-15 09:30 by Lead"
        assert text_of(tool, "#process-line").startswith(
            "Lighthouse Counseling is Cancelled, a Former Customer, now owned by Tess Okafor."
        )
        customer = customer_detail(SMALL)
        assert customer.status == CustomerStatus.CANCELLED
        assert customer.customer_type == CustomerType.FORMER_CUSTOMER
        assert customer.owner == "Tess Okafor"
        cancellation = tool_view(SMALL).cancellation
        assert cancellation is not None and not cancellation.case_open
        # Finished: Process, Close, Remove and the Timeline hidden, each with its reason.
        for action in ("process", "close_case", "remove", "scenario", "email", "timeline"):
            assert tool.check_action(action, ()) is False
        assert "is closed" in tool.unavailable_reason("close_case")
        assert "cannot be removed" in tool.unavailable_reason("remove")
        assert "no Timeline" in tool.unavailable_reason("timeline")
        shown = {b.binding.key for b in tool.active_bindings.values() if b.binding.show}
        assert not shown & {"c", "t", "x", "s", "e", "p"}
        assert text_of(tool, "#tool-progress") == (
            "Processed — the termination case is closed."
        )  # not "Sections: 0 of 0 clear"
        # Its Timeline (had from the customer view) has nothing to close and never suggests f,
        # which a closed case refuses.
        timeline = TimelineScreen(tool.session, SMALL)
        await app.push_screen(timeline)
        await settle(pilot)
        head = text_of(timeline, "#timeline-head")
        assert "press f" not in head and "case closed" in head
        assert timeline.check_action("effective", ()) is None
        assert timeline.check_action("close_case", ()) is False
