"""The termination timeline in the app, driven by keys: the Timeline section on the tool, the
Timeline screen (overdue tasks, refusals kept on screen, the order of hold and purge) and Today."""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from data.customers import read_termination, tool_view
from data.models import CustomerType
from data.timeline import TaskState
from screens.customer_list import CustomerListScreen
from screens.form_confirmations import ActionForm, DecisionForm, StepForm
from screens.forms import GuidForm
from screens.timeline import TimelineScreen
from screens.today import TodayScreen
from screens.tool import ToolScreen
from tests.app.conftest import settle
from tests.app.test_journey import open_section, red_keys, sections_of
from tui.app import OffboardApp

FOUR_DAYS_IN = "100012"  # Redwood Legal: begun four days ago, first tasks done, next ones late


async def open_timeline(pilot: Pilot[None], account: str = FOUR_DAYS_IN) -> TimelineScreen:
    app = pilot.app
    await settle(pilot)
    app.screen.post_message(CustomerListScreen.OpenTool(account))
    await settle(pilot)
    assert isinstance(app.screen, ToolScreen)
    await open_section(pilot, "timeline")
    screen = app.screen
    assert isinstance(screen, TimelineScreen)
    return screen


def row_of(screen: TimelineScreen, key: str) -> int:
    assert screen.view is not None
    return [task.key for task in screen.view.timeline.tasks].index(key)


async def test_the_timeline_section_is_red_with_the_late_task_and_opens_on_it(
    make_app: Callable[..., OffboardApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(130, 34)) as pilot:
        screen = await open_timeline(pilot)
        assert screen.view is not None
        # Red on the tool, naming the most overdue task.
        tool_section = tool_view(FOUR_DAYS_IN).sections
        timeline = next(section for section in tool_section if section.key == "timeline")
        assert timeline.is_red
        # the late tasks gate Close: red for Close, while Process does not wait for them
        assert timeline.summary.startswith(
            "Ready for Process; Legal confirms the termination terms"
        )
        assert "(3 days overdue) and 3 more" in timeline.summary
        # The screen opens on that task, and overdue ones say so in their state column.
        table = screen.query_one("#tasks", DataTable)
        assert table.cursor_row == row_of(screen, "legal_terms")
        states = [str(table.get_row_at(n)[0]) for n in range(table.row_count)]
        assert states[:3] == ["✓ done"] * 3
        assert states[3:7] == ["✗ overdue"] * 4
        assert str(table.get_row_at(3)[2]) == "3 days overdue"
        head = str(screen.query_one("#timeline-head", Static).render())
        assert "America/Los_Angeles" in head and "today Thu 2026-01-15" in head


async def test_ticking_a_task_records_who_and_turns_it_done(
    make_app: Callable[..., OffboardApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(130, 34)) as pilot:
        screen = await open_timeline(pilot)
        await pilot.press("enter")
        form = app.screen
        assert isinstance(form, StepForm)
        form.query_one("#note", Input).value = "Legal (Priya) by e-mail"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen and screen.view is not None
        task = screen.view.timeline.tasks[row_of(screen, "legal_terms")]
        assert task.state is TaskState.DONE
        assert task.done is not None and task.done.by == "Lead"
        assert task.done.note == "Legal (Priya) by e-mail"
        # u takes it back (a form asks first); only hand-ticked tasks can be reopened.
        screen.query_one("#tasks", DataTable).move_cursor(row=row_of(screen, "legal_terms"))
        await pilot.pause()
        assert screen.check_action("reopen", ()) is True
        await pilot.press("u")
        assert isinstance(app.screen, ActionForm)
        await pilot.press("enter")
        await settle(pilot)
        assert screen.view.timeline.tasks[row_of(screen, "legal_terms")].done is None
        screen.query_one("#tasks", DataTable).move_cursor(row=row_of(screen, "access_deactivated"))
        await pilot.pause()
        assert screen.check_action("reopen", ()) is None


async def test_a_bad_guid_keeps_the_form_open_with_the_line_named(
    make_app: Callable[..., OffboardApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(130, 34)) as pilot:
        screen = await open_timeline(pilot)
        screen.query_one("#tasks", DataTable).move_cursor(row=row_of(screen, "access_deactivated"))
        await pilot.press("enter")
        form = app.screen
        assert isinstance(form, GuidForm)
        await pilot.press(*"3f2504e0-4f89-11d3-9a0c-0305e82c3301", "enter", *"not-a-guid")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        message = str(form.query_one("#form-message", Static).render())
        assert message.startswith("Line 2: 'not-a-guid' is not a GUID")
        assert not read_termination(FOUR_DAYS_IN).deactivated


async def test_no_purge_before_approval_and_a_hold_needs_a_review_date(
    make_app: Callable[..., OffboardApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(130, 34)) as pilot:
        screen = await open_timeline(pilot)
        table = screen.query_one("#tasks", DataTable)
        # Data Purge Done before any approval: refused by the data layer, said on screen.
        table.move_cursor(row=row_of(screen, "data_purged"))
        await pilot.press("enter")
        assert isinstance(app.screen, ActionForm)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert not read_termination(FOUR_DAYS_IN).purged
        assert any("not deactivated yet" in n.message for n in app._notifications)
        # A hold with a reason but no review date stays open and says what is missing.
        table.move_cursor(row=row_of(screen, "data_decision"))
        await pilot.press("enter")
        form = app.screen
        assert isinstance(form, DecisionForm)
        await pilot.press("down", "enter")  # Hold
        await pilot.press(*"Legal hold")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "review date" in str(form.query_one("#form-message", Static).render())
        form.query_one("#review", Input).value = "2026-03-01"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        view = read_termination(FOUR_DAYS_IN)
        assert view.decision == "hold" and str(view.review_date) == "2026-03-01"
        access = next(section for section in view.sections if section.key == "access_data")
        assert "data on hold until 2026-03-01: Legal hold" in access.summary
        assert tool_view(FOUR_DAYS_IN).customer.customer_type == CustomerType.CUSTOMER


async def test_sign_offs_open_from_the_tool_and_the_final_one_waits(
    make_app: Callable[..., OffboardApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(110, 34)) as pilot:
        await settle(pilot)
        app.screen.post_message(CustomerListScreen.OpenTool(FOUR_DAYS_IN))
        await settle(pilot)
        tool = app.screen
        assert "sign_offs" in red_keys(app)
        await open_section(pilot, "sign_offs")
        form = app.screen
        assert isinstance(form, StepForm)
        # Finance signed in the demo; the first one not signed is highlighted.
        assert [key for key, _, done in form.steps if done is not None] == ["finance"]
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is tool
        assert sections_of(app)["sign_offs"].section.summary.startswith("2 of 6 signed")
        # The final confirmation before the others: refused, nothing recorded.
        await open_section(pilot, "sign_offs")
        await pilot.press("end", "enter")
        await settle(pilot)
        assert any("final confirmation comes after" in n.message for n in app._notifications)
        assert set(read_termination(FOUR_DAYS_IN).sign_offs) == {"finance", "customer_operations"}


async def test_today_lists_the_late_tasks_most_urgent_first_and_opens_one(
    make_app: Callable[..., OffboardApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        pending = str(app.screen.query_one("#pending-line", Static).render())
        assert "Redwood Legal LLP (100012)" in pending and "next: Legal confirms" in pending
        await pilot.press("t")
        await settle(pilot)
        today = app.screen
        assert isinstance(today, TodayScreen)
        overdue = [row for row in today.rows if row.task.state is TaskState.OVERDUE]
        assert [row.task.relative for row in overdue][:2] == ["3 days overdue"] * 2
        days = [int(row.task.relative.split()[0]) for row in overdue]
        assert days == sorted(days, reverse=True)
        # The collections customer has no effective date: its dated-from-it tasks come first.
        assert today.rows[0].account == "100015"
        assert today.rows[0].task.state is TaskState.UNSCHEDULED
        table = today.query_one("#today", DataTable)
        table.move_cursor(row=today.rows.index(overdue[0]))
        await pilot.press("enter")
        await settle(pilot)
        timeline = app.screen
        assert isinstance(timeline, TimelineScreen)
        assert timeline.account == overdue[0].account
        assert timeline.query_one("#tasks", DataTable).cursor_row == row_of(
            timeline, overdue[0].task.key
        )
        # m narrows Today to the cancellations the team lead began.
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert {row.account for row in today.rows} == {FOUR_DAYS_IN}
