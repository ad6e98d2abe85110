"""Today: across every open termination case — pending cancellations, and processed ones whose
case is not closed yet — the timeline tasks due today or overdue, and beside them the retention
reminders (issue 15: an approved change request's effective date coming, a pause ending), most
urgent first (s sorts by customer or task instead). Enter opens the task on its cancellation's
Timeline, g the cancellation's tool; on a reminder both open the customer. Columns give way by
priority at narrow widths; the detail lines under the table show the highlighted line in full,
its times in the customer's zone, named."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar, TypeAlias

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Header, Static

from data.retention.reminders import Reminder, retention_reminders
from data.retention.requests import KIND_LABELS
from data.timeline import Due, TaskState, TodayTask, local_now, relative, start_of, urgency
from data.views import today_screen
from screens.base import OffboardScreen, Session
from screens.fitted import Column, FittedTable
from screens.footer import KeyFooter
from screens.plain import plain, plain_text, shown
from screens.timeline import MARKS, task_detail

# Today's columns, in display order; the priority says which give way first (highest).
COLUMNS = (
    Column("state", "State", 0, most=10),
    Column("when", "When", 3, most=17),
    Column("due", "Due", 4, most=24),
    Column("customer", "Customer", 1, most=30),
    Column("task", "Task", 2, least=24, flex=True),
    Column("party", "Party", 5, most=30),
)

# The orders s cycles through: (name, the column its header marks).
SORTS = (("due", "when"), ("customer", "customer"), ("task", "task"))


# A reminder's mark in the State column, and who it is for (seed 004: "remind the MA team as
# we get closer to the effective date"; the account manager resumes a pause).
REMINDER_MARK = ("◆ reminder", "bold $text-primary")
REMINDER_PARTY = {"effective": "MA Team", "pause-end": "Account Manager"}


@dataclass(frozen=True)
class TodayReminder:
    """A retention reminder on Today: the reminder, the customer's zone, and its due day as a
    timeline task's (due by the end of that day in the customer's zone) with its words."""

    reminder: Reminder
    time_zone: str
    due: Due
    relative: str

    @property
    def account(self) -> str:
        return self.reminder.account

    @property
    def customer_name(self) -> str:
        return self.reminder.customer_name

    @property
    def key(self) -> str:
        return f"reminder:{self.reminder.kind}:{self.reminder.request_id}"


# One line of Today's table: a timeline task or a retention reminder.
TodayLine: TypeAlias = TodayTask | TodayReminder


def today_reminder(reminder: Reminder) -> TodayReminder:
    """A reminder as Today shows it: due by the end of its day in the customer's zone."""
    now = local_now(reminder.time_zone)
    due = Due(start_of(reminder.due + dt.timedelta(days=1), now), reminder.due, False)
    return TodayReminder(reminder, reminder.time_zone, due, relative(due, now))


def short_title(reminder: Reminder) -> str:
    """The reminder's title without the customer's name, which its own column shows:
    "Cancel: change request #3 takes effect on 2026-12-04", "Pause ends on 2026-12-05: Resume
    it (…)"; the whole title when it reads another way."""
    name = reminder.customer_name
    for label in KIND_LABELS.values():
        if reminder.title.startswith(f"{label} {name}: "):
            return f"{label}: " + reminder.title.removeprefix(f"{label} {name}: ")
    if reminder.title.startswith(f"{name}'s "):
        rest = reminder.title.removeprefix(f"{name}'s ")
        return rest[:1].upper() + rest[1:]
    return reminder.title


def _title(line: TodayLine) -> str:
    return short_title(line.reminder) if isinstance(line, TodayReminder) else line.task.task.title


def _urgency(line: TodayLine) -> tuple[int, float]:
    if isinstance(line, TodayReminder):
        return (1, line.due.at.timestamp())
    return urgency(line.task)


def _key(line: TodayLine) -> str:
    return line.key if isinstance(line, TodayReminder) else line.task.key


def sorted_rows(rows: list[TodayLine], sort: str) -> list[TodayLine]:
    """The lines in the order chosen: by due (most urgent first; tasks without a date first,
    then by due moment, reminders among them), customer or task (a reminder's title)."""
    if sort == "customer":
        return sorted(rows, key=lambda row: (row.customer_name.lower(), row.account))
    if sort == "task":
        return sorted(rows, key=lambda row: (_title(row).lower(), *_urgency(row)))
    return sorted(rows, key=lambda row: (*_urgency(row), row.account))


def _same(one: TodayLine, other: TodayLine) -> bool:
    return (one.account, _key(one)) == (other.account, _key(other))


class TodayScreen(OffboardScreen):
    """The day's work across open termination cases, and the retention reminders."""

    HELP_TEXT = (
        "Every task of every open termination case that is due today or overdue (and those "
        "waiting for an effective date), the longest overdue first: pending cancellations, and "
        'processed ones ("Cancelled, case open") whose tasks for Close are not all done yet. '
        'Beside them the retention reminders ("◆ reminder"): an approved change request whose '
        "effective date comes within the playbook's reminder days, and a paused customer whose "
        "pause ends within them (or has ended: resume it). "
        "Dates are the customer's own; times name their zone. The lines under the table show "
        "the highlighted line in full. Enter opens the task on the cancellation's Timeline; g "
        "opens the cancellation's tool; on a reminder both open the customer. s sorts by due, "
        "customer or task (the header marks which); m shows only the cancellations you began "
        "(without the reminders, which are everyone's)."
    )
    # Most important first: the Footer shows them in this order.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "open",
            "Open",
            priority=True,
            tooltip="Open the highlighted task's Timeline; on a reminder, its customer",
        ),
        Binding(
            "g",
            "tool",
            "Go to tool",
            tooltip="The highlighted task's Cancellation Tool; on a reminder, its customer",
        ),
        Binding("s", "sort", "Sort"),
        Binding("m", "mine", "Mine / everyone's"),
        Binding("r", "refresh", "Refresh"),
    ]

    @dataclass
    class Loaded(Message):
        rows: list[TodayTask]
        # The accounts already Cancelled: processed, their termination case still open.
        cancelled: frozenset[str]
        reminders: list[TodayReminder]

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.read: list[TodayLine] = []
        # Every line of the table, in its order; ``rows`` the timeline tasks among them.
        self.lines: list[TodayLine] = []
        self.rows: list[TodayTask] = []
        self.reminders: list[TodayReminder] = []
        self.cancelled: frozenset[str] = frozenset()
        self.mine = False
        self.sort = "due"

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Reading the open cancellations…", id="today-count")
        yield FittedTable(COLUMNS, id="today")
        yield Static("", id="today-detail", classes="row-detail")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = "Today"
        self.sub_title = "everyone's cancellations"
        self.query_one("#today", FittedTable).focus()

    def on_screen_resume(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="today")
    def load(self) -> None:
        rows, cancelled = today_screen(self.session.login if self.mine else None)
        # The reminders are no one's cancellation: shown with everyone's, each in its
        # customer's zone.
        found = [] if self.mine else retention_reminders()
        reminders = [today_reminder(reminder) for reminder in found]
        self.post_read(self.Loaded(rows, cancelled, reminders))

    def on_today_screen_loaded(self, event: Loaded) -> None:
        self.read = [*event.rows, *event.reminders]
        self.reminders = event.reminders
        self.cancelled = event.cancelled
        self._show()

    def _show(self) -> None:
        """The lines in the chosen order, the header marking it, and the count line."""
        table = self.query_one("#today", FittedTable)
        before = self.highlighted()
        keep = table.cursor_row
        marked = dict(SORTS)[self.sort]
        for column in COLUMNS:
            table.labels[column.key] = column.label + (" ▼" if column.key == marked else "")
        self.lines = sorted_rows(self.read, self.sort)
        self.rows = [row for row in self.lines if isinstance(row, TodayTask)]
        if before is not None:
            # The same line stays highlighted when the order changes.
            same = [n for n, row in enumerate(self.lines) if _same(row, before)]
            keep = same[0] if same else keep
        table.set_rows([self._cells(row) for row in self.lines], keep)
        self._show_detail()
        overdue = sum(1 for row in self.rows if row.task.state is TaskState.OVERDUE)
        count = self.query_one("#today-count", Static)
        reminders = len(self.reminders)
        also = f"{reminders} reminder{'s' if reminders != 1 else ''}" if reminders else ""
        if self.rows:
            accounts = {row.account for row in self.rows}
            processed = len(accounts & self.cancelled)
            after = f" ({processed} processed, case open)" if processed else ""
            count.update(
                f"{len(self.rows)} tasks on {len(accounts)} cancellations{after}, "
                f"{overdue} overdue{' · ' + also if also else ''} · sorted by {self.sort} (s)"
            )
        elif reminders:
            count.update(f"Nothing is due today or overdue; {also} · sorted by {self.sort} (s)")
        else:
            count.update("Nothing is due today or overdue. Well done.")
        count.set_class(overdue > 0, "-blocked")

    def _cells(self, row: TodayLine) -> tuple[str, dict[str, object]]:
        if isinstance(row, TodayReminder):
            return self._reminder_cells(row)
        task = row.task
        mark, style = MARKS[task.state]
        late = style if task.state is TaskState.OVERDUE else ""
        cells: dict[str, object] = {
            "state": Content.styled(mark, style),
            "when": Content.styled(task.relative, style),
            "due": Content.styled(task.due.absolute() if task.due else "—", late),
            "customer": Text.assemble(
                shown(f"{row.customer_name} ({row.account})"),
                (" · Cancelled, case open", "italic") if row.account in self.cancelled else "",
            ),
            "task": plain(task.task.title, late),
            "party": plain_text(task.task.party_names),
        }
        return f"{row.account}:{task.key}", cells

    def _reminder_cells(self, row: TodayReminder) -> tuple[str, dict[str, object]]:
        mark, style = REMINDER_MARK
        cells: dict[str, object] = {
            "state": Content.styled(mark, style),
            "when": Content(row.relative),
            "due": Content(row.due.absolute()),
            "customer": plain_text(f"{row.customer_name} ({row.account})"),
            "task": plain(short_title(row.reminder)),
            "party": Text(REMINDER_PARTY.get(row.reminder.kind, "")),
        }
        return f"{row.account}:{row.key}", cells

    @on(DataTable.RowHighlighted, "#today")
    def _highlighted_row(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        chosen = self.highlighted()
        detail = self.query_one("#today-detail", Static)
        if chosen is None:
            detail.update("")
            return
        customer = f"{chosen.customer_name} ({chosen.account})"
        if isinstance(chosen, TodayReminder):
            detail.update(reminder_detail(chosen, customer))
            return
        if chosen.account in self.cancelled:
            customer += " · Cancelled, case open"
        detail.update(task_detail(chosen.task, chosen.time_zone, customer))

    def highlighted(self) -> TodayLine | None:
        row = self.query_one("#today", FittedTable).cursor_row
        if row is None or not 0 <= row < len(self.lines):
            return None
        return self.lines[row]

    def action_refresh(self) -> None:
        self.load()

    def action_mine(self) -> None:
        self.mine = not self.mine
        self.sub_title = "cancellations you began" if self.mine else "everyone's cancellations"
        self.load()

    def action_sort(self) -> None:
        names = [name for name, _ in SORTS]
        self.sort = names[(names.index(self.sort) + 1) % len(names)]
        self._show()

    def action_tool(self) -> None:
        chosen = self.highlighted()
        if isinstance(chosen, TodayReminder):
            self.post_message(self.OpenCustomer(chosen.account))
        elif chosen is not None:
            self.post_message(self.OpenTool(chosen.account))

    @on(DataTable.RowSelected, "#today")
    def _selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        chosen = self.highlighted()
        if isinstance(chosen, TodayReminder):
            # A reminder has no tool or task: its customer is where the request and pause are.
            self.post_message(self.OpenCustomer(chosen.account))
        elif chosen is not None:
            self.post_message(self.OpenTimeline(chosen.account, chosen.task.key))


def reminder_detail(row: TodayReminder, customer: str) -> Content:
    """The highlighted reminder in full: the customer and what is coming; how soon; the day it
    is due in the customer's zone, who it is for, and where Enter takes you."""
    mark, style = REMINDER_MARK
    reminder = row.reminder
    what = (
        f"change request #{reminder.request_id} takes effect"
        if reminder.kind == "effective"
        else f"the pause (change request #{reminder.request_id}) ends"
    )
    head = Content.assemble((shown(f"{customer} — "), "bold"), (shown(reminder.title), "bold"))
    state = Content.assemble((mark, style), f" — {row.relative}: {what}")
    party = REMINDER_PARTY.get(reminder.kind, "")
    about = f"on {row.due.absolute()}, {row.time_zone} · {party} · Enter or g opens the customer"
    return Content("\n").join([head, state, plain(about)])
