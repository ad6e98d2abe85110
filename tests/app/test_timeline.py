"""The termination timeline in the app, driven by keys: the Timeline section on the tool, the
Timeline screen (overdue tasks, refusals kept on screen, the order of hold and purge) and Today;
and issue 14: both fit 80 columns with the highlighted task in full under the table, times name
the customer's zone in rows and dialogs alike, g goes to the tool, several sign-offs at once, z
undoes a sign-off or a tick while pending, s sorts Today."""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, OptionList, Static
from textual.widgets.data_table import ColumnKey

from data import clock
from data.customers import read_termination, tool_view
from data.db import connection
from data.models import Cancellation, CancellationState, Customer, CustomerType
from data.timeline import TaskState
from screens.customer_list import CustomerListScreen
from screens.fitted import FittedTable
from screens.form_confirmations import ActionForm, DecisionForm, StepForm
from screens.forms import GuidForm
from screens.timeline import TimelineScreen
from screens.timeline_forms import SignOffForm, TaskForm
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
        assert timeline.summary.startswith("Due for Close: Legal confirms the termination terms")
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
        purge = app.screen
        assert isinstance(purge, ActionForm)
        await pilot.press("enter")
        await settle(pilot)
        # The refusal is said in the form, which stays open; Escape goes back.
        assert app.screen is purge
        assert "not deactivated yet" in str(purge.query_one("#form-message", Static).render())
        assert not read_termination(FOUR_DAYS_IN).purged
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
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
        # Signed: the form stays open on the next one not signed (one trip for them all).
        assert app.screen is form
        assert set(read_termination(FOUR_DAYS_IN).sign_offs) == {"finance", "customer_operations"}
        assert {key for key, _, done in form.steps if done is not None} == {
            "finance",
            "customer_operations",
        }
        # The final confirmation before the others: refused in the form, nothing recorded.
        assert isinstance(form, SignOffForm)
        await pilot.press("end", "enter")
        await settle(pilot)
        assert app.screen is form
        message = str(form.query_one("#form-message", Static).render())
        assert "final confirmation comes after" in message
        assert set(read_termination(FOUR_DAYS_IN).sign_offs) == {"finance", "customer_operations"}
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is tool
        assert sections_of(app)["sign_offs"].section.summary.startswith("2 of 6 signed")


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


# ----------------------------------------------------------------------------- issue 14


def detail_of(screen: TimelineScreen | TodayScreen) -> str:
    selector = "#timeline-detail" if isinstance(screen, TimelineScreen) else "#today-detail"
    return str(screen.query_one(selector, Static).render())


async def test_the_timeline_fits_80_columns_and_shows_the_highlighted_task_in_full(
    make_app: Callable[..., OffboardApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_timeline(pilot)
        table = screen.query_one("#tasks", FittedTable)
        # The least important columns give way; the task keeps most of the width.
        assert table.shown == ["state", "when", "task"]
        assert table.columns[ColumnKey("task")].width >= 30
        table.move_cursor(row=row_of(screen, "final_termination_mail"))
        await pilot.pause()
        detail = detail_of(screen)
        # The whole name, its parties, what it holds back and when it is due (with its zone).
        assert (
            "Final termination e-mail with the data purge information (cc CS Ops, Sales Ops, "
            in detail
        )
        assert "due Sat 2026-02-07 00:00 PST" in detail and "Order Management" in detail
        assert "holds back Close" in detail
        # A done task: who and when, the same instant as its row, the zone named.
        table.move_cursor(row=row_of(screen, "notice_received"))
        await pilot.pause()
        row_when = str(table.get_row_at(0)[table.shown.index("when")])
        assert row_when == "done 2026-01-15 01:30 PST"
        assert "✓ done by Lead, 2026-01-15 01:30 PST — Non-renewal letter" in detail_of(screen)
        assert "(end of the day" not in detail_of(screen)
        assert "due by the end of Sun 2026-01-11, America/Los_Angeles" in detail_of(screen)
        # Wider, what each task holds back comes back (the due date is in the detail line, and
        # its column follows when there is room).
        await pilot.resize_terminal(120, 36)
        await settle(pilot)
        assert table.shown[:4] == ["state", "when", "gates", "task"]


async def test_a_done_task_reads_the_same_instant_in_its_row_and_its_dialog(
    make_app: Callable[..., OffboardApp],
) -> None:
    """Issue 14: a row said done 21:11, its dialog 05:11. Both now name the customer's zone."""
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_timeline(pilot)
        screen.query_one("#tasks", DataTable).move_cursor(row=row_of(screen, "attrition_box"))
        await pilot.press("enter")
        form = app.screen
        assert isinstance(form, TaskForm)
        label = str(form.query_one("#steps", OptionList).get_option_at_index(0).prompt)
        assert "Lead, 2026-01-15 01:30 PST" in label
        await pilot.press("enter")  # already done: says so, in the same zone
        message = str(form.query_one("#form-message", Static).render())
        assert message.startswith("'\"Customer Attrition\" checked on the customer's account' was")
        assert "on 2026-01-15 01:30 PST" in message


async def test_g_goes_to_the_cancellations_tool_from_the_timeline_and_today(
    make_app: Callable[..., OffboardApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_timeline(pilot)
        await pilot.press("g")
        await settle(pilot)
        assert isinstance(app.screen, ToolScreen) and app.screen.account == FOUR_DAYS_IN
        app.screen.post_message(CustomerListScreen.OpenToday())
        await settle(pilot)
        today = app.screen
        assert isinstance(today, TodayScreen)
        today.query_one("#today", DataTable).move_cursor(row=0)
        await pilot.press("g")
        await settle(pilot)
        assert isinstance(app.screen, ToolScreen)
        assert app.screen.account == today.rows[0].account == "100015"


async def test_several_sign_offs_at_once_and_z_undoes_the_latest(
    make_app: Callable[..., OffboardApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_timeline(pilot)
        table = screen.query_one("#tasks", DataTable)
        table.move_cursor(row=row_of(screen, "sign_offs"))
        # Nothing to undo but Finance's; z is available on the sign-offs row.
        await pilot.pause()
        assert screen.check_action("undo", ()) is True
        await pilot.press("enter")
        form = app.screen
        assert isinstance(form, SignOffForm)
        # space ticks the highlighted outstanding one and moves on to the next (Finance signed).
        await pilot.press("space", "space", "space")
        assert form.ticked == {"customer_operations", "marketing_exclusion", "marketing_references"}
        await pilot.press("space")  # Sales Ops; on to the final confirmation
        await pilot.press("up", "up", "space")  # untick Marketing (public references)
        form.query_one("#note", Input).value = "Weekly termination call"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form  # two are left: the form stays open on the next
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        signed = read_termination(FOUR_DAYS_IN).sign_offs
        assert set(signed) == {"finance", "customer_operations", "marketing_exclusion", "sales_ops"}
        assert signed["sales_ops"].note == "Weekly termination call"
        # z undoes the latest (the last of those signed together), after a confirmation.
        await pilot.press("z")
        undo = app.screen
        assert isinstance(undo, ActionForm)
        assert undo.title_text == "Undo a sign-off"
        assert undo.explanation.startswith("Sales Ops confirms no pipeline: recorded by Lead on ")
        await pilot.press("enter")
        await settle(pilot)
        assert set(read_termination(FOUR_DAYS_IN).sign_offs) == {
            "finance",
            "customer_operations",
            "marketing_exclusion",
        }
        # On a hand-ticked task z undoes the tick; on one not ticked it says why not.
        table.move_cursor(row=row_of(screen, "attrition_box"))
        await pilot.press("z", "enter")
        await settle(pilot)
        assert screen.view is not None
        assert screen.view.timeline.tasks[row_of(screen, "attrition_box")].done is None
        await pilot.pause()
        assert screen.check_action("undo", ()) is None
        assert screen.unavailable_reason("undo").endswith(
            "is not ticked, so there is nothing to undo."
        )


async def test_z_is_unavailable_once_the_cancellation_is_processed(
    make_app: Callable[..., OffboardApp], db_path: str
) -> None:
    with connection():
        customer = Customer.get(Customer.account == FOUR_DAYS_IN)
        Cancellation.update(
            state=CancellationState.PROCESSED, processed_at=clock.now(), processed_by=1
        ).where(Cancellation.customer == customer).execute()
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_timeline(pilot)
        screen.query_one("#tasks", DataTable).move_cursor(row=row_of(screen, "sign_offs"))
        await pilot.pause()
        assert screen.check_action("undo", ()) is None
        assert "can only be undone while it is pending" in screen.unavailable_reason("undo")
        await pilot.press("z")
        assert app.screen is screen


async def test_today_fits_80_columns_and_s_cycles_the_sort(
    make_app: Callable[..., OffboardApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        today = app.screen
        assert isinstance(today, TodayScreen)
        table = today.query_one("#today", FittedTable)
        assert "task" in table.shown and "customer" in table.shown
        head = lambda: str(today.query_one("#today-count", Static).render())  # noqa: E731
        assert head().endswith("sorted by due (s)")
        assert "when" not in table.shown  # gives way first, the state says how late
        due_order = list(today.rows)
        await pilot.press("s")
        await settle(pilot)
        assert head().endswith("sorted by customer (s)")
        assert table.columns[ColumnKey("customer")].label.plain == "Customer ▼"
        names = [row.customer_name for row in today.rows]
        assert names == sorted(names) and names[0] != names[-1]
        await pilot.press("s")
        await settle(pilot)
        assert head().endswith("sorted by task (s)")
        titles = [row.task.task.title.lower() for row in today.rows]
        assert titles == sorted(titles)
        await pilot.press("s")
        await settle(pilot)
        assert today.rows == due_order
        # The highlighted row in full under the table: customer, task, its due day and zone.
        dated = next(n for n, row in enumerate(today.rows) if row.task.due is not None)
        table.move_cursor(row=dated)
        await pilot.pause()
        detail = detail_of(today)
        row = today.rows[dated]
        assert f"{row.customer_name} ({row.account}) — {row.task.task.title}" in detail
        assert row.task.relative in detail and f", {row.time_zone} · " in detail
