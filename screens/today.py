"""Today: across every open termination case — pending cancellations, and processed ones whose
case is not closed yet — the timeline tasks due today or overdue, most urgent first. Enter opens
the task on its cancellation's Timeline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Static

from data.timeline import TaskState, TodayTask
from data.views import today_screen
from screens.base import OffboardScreen, Session
from screens.timeline import MARKS
from screens.widgets import SizedCell


class TodayScreen(OffboardScreen):
    """The day's work across open termination cases."""

    HELP_TEXT = (
        "Every task of every open termination case that is due today or overdue (and those "
        "waiting for an effective date), the longest overdue first: pending cancellations, and "
        'processed ones ("Cancelled, case open") whose tasks for Close are not all done yet. '
        "Dates are the customer's own. Enter opens the task on the cancellation's Timeline; m "
        "shows only the cancellations you began."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open timeline", priority=True),
        Binding("m", "mine", "Mine / everyone's"),
        Binding("r", "refresh", "Refresh"),
    ]

    @dataclass
    class Loaded(Message):
        rows: list[TodayTask]
        # The accounts already Cancelled: processed, their termination case still open.
        cancelled: frozenset[str]

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.rows: list[TodayTask] = []
        self.mine = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Reading the open cancellations…", id="today-count")
        yield DataTable(id="today", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Today"
        self.sub_title = "everyone's cancellations"
        table = self.query_one("#today", DataTable)
        table.add_column("State", key="state", width=10)
        table.add_column("When", key="when", width=17)
        table.add_column("Due", key="due")
        table.add_column("Customer", key="customer")
        table.add_column("Task", key="task", width=44)
        table.add_column("Party", key="party")
        table.focus()

    def on_screen_resume(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="today")
    def load(self) -> None:
        self.post_read(self.Loaded(*today_screen(self.session.login if self.mine else None)))

    def on_today_screen_loaded(self, event: Loaded) -> None:
        self.rows = event.rows
        table = self.query_one("#today", DataTable)
        keep = table.cursor_row
        table.clear()
        for row in event.rows:
            task = row.task
            mark, style = MARKS[task.state]
            late = style if task.state is TaskState.OVERDUE else ""
            table.add_row(
                Content.styled(mark, style),
                Content.styled(task.relative, style),
                SizedCell(Content.styled(task.due.absolute() if task.due else "—", late)),
                Text.assemble(
                    f"{row.customer_name} ({row.account})",
                    (" · Cancelled, case open", "italic") if row.account in event.cancelled else "",
                ),
                Content.styled(task.task.title, late),
                Text(task.task.party_names),
                key=f"{row.account}:{task.key}",
            )
        if keep is not None and keep < table.row_count:
            table.move_cursor(row=keep)
        overdue = sum(1 for row in event.rows if row.task.state is TaskState.OVERDUE)
        count = self.query_one("#today-count", Static)
        if event.rows:
            accounts = {row.account for row in event.rows}
            processed = len(accounts & event.cancelled)
            after = f" ({processed} processed, case open)" if processed else ""
            count.update(
                f"{len(event.rows)} tasks on {len(accounts)} cancellations{after}, "
                f"{overdue} overdue. Enter opens one."
            )
        else:
            count.update("Nothing is due today or overdue. Well done.")
        count.set_class(overdue > 0, "-blocked")

    def action_refresh(self) -> None:
        self.load()

    def action_mine(self) -> None:
        self.mine = not self.mine
        self.sub_title = "cancellations you began" if self.mine else "everyone's cancellations"
        self.load()

    @on(DataTable.RowSelected, "#today")
    def _selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        row = self.query_one("#today", DataTable).cursor_row
        if row is None or not 0 <= row < len(self.rows):
            return
        chosen = self.rows[row]
        self.post_message(self.OpenTimeline(chosen.account, chosen.task.key))
