"""Today's retention reminders (issue 15): an approved change request whose effective date comes
within the playbook's reminder days, and a paused customer whose pause ends soon, listed beside
the timeline tasks in the same table, sorted with them; Enter and g open the customer.

The demo (clock frozen on 2026-01-15) holds Pinecrest Home Health's approved cancel request,
effective in five days (2026-01-20, America/Denver), and Brightside Pediatrics paused until
2026-01-21 (Europe/Berlin). The tests add an approved reduce request due in two days, and one
due in twenty (beyond the seven reminder days)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from data import clock
from data.retention import decisions, request_views, requests
from screens.customer import CustomerScreen
from screens.today import TodayReminder, TodayScreen, short_title
from tests.app.conftest import FROZEN_NOW, FROZEN_TODAY, settle
from tui.app import OffboardApp

NEARLY_READY = "100011"  # Pinecrest Home Health: its cancel request approved, effective in 5 days
PAUSED = "100006"  # Brightside Pediatrics: paused, its pause ends in 6 days
SOON = "100001"  # given an approved reduce request effective in 2 days
LATER = "100002"  # given one effective in 20 days: no reminder yet


def approved(account: str, days: int) -> int:
    """A reduce request for ``account`` effective in ``days`` days, through both approvals."""
    made = requests.create_request(
        "amy",
        account,
        "reduce",
        FROZEN_TODAY + dt.timedelta(days=days),
        notes="Drop a module.",
        retention=True,
    )
    decisions.submit_request("amy", made.request_id)
    decisions.approve_request("jeremy", made.request_id)
    decisions.approve_request("dustin", made.request_id, "Agreed")
    assert request_views.show_request(made.request_id).state == "approved"
    return made.request_id


async def open_today(pilot: Pilot[None]) -> TodayScreen:
    await settle(pilot)
    await pilot.press("t")
    await settle(pilot)
    today = pilot.app.screen
    assert isinstance(today, TodayScreen)
    return today


def head(today: TodayScreen) -> str:
    return str(today.query_one("#today-count", Static).render())


def detail(today: TodayScreen) -> str:
    return str(today.query_one("#today-detail", Static).render())


def reminders(today: TodayScreen) -> list[TodayReminder]:
    return [line for line in today.lines if isinstance(line, TodayReminder)]


async def test_today_lists_the_reminders_with_the_tasks_sorted_by_due(
    make_app: Callable[..., OffboardApp], db_path: str
) -> None:
    soon = approved(SOON, 2)
    approved(LATER, 20)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        today = await open_today(pilot)
        found = reminders(today)
        # Soonest first; the request due in twenty days is not on Today yet.
        assert [(r.account, r.reminder.kind, r.due.date) for r in found] == [
            (SOON, "effective", dt.date(2026, 1, 17)),
            (NEARLY_READY, "effective", dt.date(2026, 1, 20)),
            (PAUSED, "pause-end", dt.date(2026, 1, 21)),
        ]
        assert found[0].reminder.request_id == soon
        assert [r.relative for r in found] == ["due in 2 days", "due in 5 days", "due in 6 days"]
        assert found[1].time_zone == "America/Denver" and found[2].time_zone == "Europe/Berlin"
        # The same table as the tasks: the late and undated tasks first (by due), the reminders
        # after them; the tasks alone are still ``rows``.
        assert today.lines[-3:] == found
        assert today.rows == [line for line in today.lines if line not in found]
        assert head(today).endswith("overdue · 3 reminders · sorted by due (s)")
        table = today.query_one("#today", DataTable)
        row = table.get_row_at(len(today.lines) - 1)
        cells = [str(cell) for cell in row]
        assert cells[0] == "◆ reminder"
        assert "Brightside Pediatrics (100006)" in cells
        assert "Pause ends on 2026-01-21: Resume it (offboard resume 100006)" in cells
        # The highlighted reminder in full: the whole title, how soon, the day in its zone.
        table.move_cursor(row=len(today.lines) - 2)
        await pilot.pause()
        shown = detail(today)
        assert "Pinecrest Home Health (100011) — Cancel Pinecrest Home Health:" in shown
        assert "◆ reminder — due in 5 days: change request" in shown
        assert "on Tue 2026-01-20, America/Denver · MA Team" in shown
        # Sorted by customer, the reminders sit among the tasks, by name.
        await pilot.press("s")
        await settle(pilot)
        names = [line.customer_name for line in today.lines]
        assert names == sorted(names, key=str.lower)
        assert names.index("Brightside Pediatrics") == 0
        # The highlighted reminder stays highlighted when the order changes.
        assert today.highlighted() == found[1]


async def test_enter_and_g_open_a_reminders_customer_and_m_leaves_them_out(
    make_app: Callable[..., OffboardApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        today = await open_today(pilot)
        table = today.query_one("#today", DataTable)
        paused = next(n for n, line in enumerate(today.lines) if line.account == PAUSED)
        table.move_cursor(row=paused)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerScreen) and app.screen.account == PAUSED
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is today
        nearly = next(n for n, line in enumerate(today.lines) if line.account == NEARLY_READY)
        table.move_cursor(row=nearly)
        await pilot.press("g")
        await settle(pilot)
        assert isinstance(app.screen, CustomerScreen) and app.screen.account == NEARLY_READY
        await pilot.press("escape")
        await settle(pilot)
        # Only the cancellations the team lead began: no reminders, which are no one's.
        await pilot.press("m")
        await settle(pilot)
        assert reminders(today) == [] and today.lines == today.rows
        assert "reminder" not in head(today)
        await pilot.press("m")
        await settle(pilot)
        assert len(reminders(today)) == 2


async def test_a_pause_that_has_ended_stays_until_resumed_and_a_passed_date_goes(
    make_app: Callable[..., OffboardApp],
) -> None:
    # Eight days on: Brightside's pause ended two days ago (resume it); Pinecrest's effective
    # date has passed, so its reminder is gone.
    with clock.frozen(FROZEN_NOW + dt.timedelta(days=8)):
        app = make_app()
        async with app.run_test(size=(120, 36)) as pilot:
            today = await open_today(pilot)
            found = reminders(today)
            assert [(r.account, r.relative) for r in found] == [(PAUSED, "2 days overdue")]
            assert "Pause ended on 2026-01-21: Resume it" in short_title(found[0].reminder)


async def test_the_count_line_names_the_reminders_when_no_task_is_due(
    make_app: Callable[..., OffboardApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        today = await open_today(pilot)
        # What the worker posts when no task is due but reminders are.
        today.post_message(TodayScreen.Loaded([], frozenset(), today.reminders))
        await settle(pilot)
        assert today.rows == [] and len(today.lines) == 2
        assert head(today) == ("Nothing is due today or overdue; 2 reminders · sorted by due (s)")
