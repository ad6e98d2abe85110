"""The Timeline of one cancellation: the termination plan's tasks with their due dates (absolute
and relative, in the customer's time zone), the milestone each gates (Process or Close),
responsible party, state and who did them; overdue tasks stand out. Enter does the highlighted
task the way the plan says it is done. The Timeline stays workable after Process, until the
termination case is closed (c, once every task is done)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.reactive import var
from textual.widgets import DataTable, Footer, Header, Static

from data import termination
from data.cancellations import Outcome
from data.customers import read_termination
from data.models import DoneBy
from data.playbook import Milestone
from data.rules import StepDone
from data.timeline import (
    TaskState,
    TaskView,
    TerminationView,
)
from data.views import sign_off_choices
from screens.base import OffboardScreen, Session
from screens.form_confirmations import ActionForm, DecisionForm, StepForm
from screens.form_screen import FormScreen
from screens.forms import EffectiveDateForm, GuidForm
from screens.milestones import (
    CLOSE_BINDING,
    CaseClosed,
    ask_to_close,
    close_case,
    close_dialog,
    tasks_left,
)
from screens.widgets import GLYPH_GREEN, GLYPH_RED, SectionLine

# The milestone a task gates, as its column says it.
GATES = {Milestone.PROCESS: ("Process", "bold"), Milestone.CLOSE: ("Close", "")}

# A task's mark and the style of its emphasis, in the theme's colours (so they follow it).
MARKS = {
    TaskState.DONE: (f"{GLYPH_GREEN} done", "bold $success"),
    TaskState.OVERDUE: (f"{GLYPH_RED} overdue", "bold $error"),
    TaskState.DUE: ("● due", "bold $warning"),
    # Plain: the theme's $text-muted is "auto 60%", which a table cell cannot resolve.
    TaskState.UPCOMING: ("· later", ""),
    TaskState.UNSCHEDULED: ("? no date", "bold $warning"),
}


def sign_off_steps(view: TerminationView) -> list[tuple[str, str, StepDone | None]]:
    """The sign-offs as the step form lists them."""
    steps: list[tuple[str, str, StepDone | None]] = []
    for key, title, _team in sign_off_choices(view):
        done = view.sign_offs.get(key)
        steps.append(
            (key, title, StepDone(key, title, done.by, done.at, done.note) if done else None)
        )
    return steps


class TimelineScreen(OffboardScreen):
    """The tasks of one cancellation's termination plan, in plan order."""

    HELP_TEXT = (
        "The termination runs for about a month: each task has a due date counted from Begin or "
        "from the effective date (contract end or de-provisioning), in the customer's time "
        "zone. Red tasks are overdue, yellow ones due today. Enter does the highlighted task: "
        "ticks it (with a note), or opens what completes it — the GUIDs of the deactivated "
        "access, the account team's hold or approval, Data Purge Done (only after approval), "
        "the sign-offs, the final termination e-mail. u reopens a task ticked by mistake; f "
        "sets the effective date (a past one only once you confirm the contract really ended "
        "then). The For column says which milestone a task holds back: Process (cancel the "
        "customer record) or Close (the termination case; the customer becomes a Former "
        "Customer). After Process the Timeline stays workable; c closes the case once every "
        "task is done."
    )
    GUARDED_ACTIONS: ClassVar[frozenset[str]] = frozenset(
        {"do", "reopen", "effective", "close_case"}
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "do", "Do task", priority=True),
        Binding("u", "reopen", "Reopen"),
        Binding("f", "effective", "Effective date"),
        # Shown once the cancellation is processed: the case is then closed from here too.
        CLOSE_BINDING,
        Binding("r", "refresh", "Refresh"),
    ]

    @dataclass
    class Loaded(Message):
        view: TerminationView

    # The timeline as last read; the actions are enabled from it.
    view: var[TerminationView | None] = var(None, bindings=True)

    def __init__(self, session: Session, account: str, focus: str | None = None) -> None:
        super().__init__(session)
        self.account = account
        self.focus_task = focus

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Loading the timeline of {self.account}…", id="timeline-head")
        yield SectionLine(id="timeline-section")
        yield DataTable(id="tasks", cursor_type="row", zebra_stripes=True)
        yield Static("", id="timeline-line", classes="reason-line")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Timeline"
        self.sub_title = self.account
        table = self.query_one("#tasks", DataTable)
        table.add_column("State", key="state", width=10)
        table.add_column("Due", key="due", width=24)
        table.add_column("When", key="when", width=21)
        table.add_column("For", key="gates", width=7)
        table.add_column("Task", key="task", width=36)
        table.add_column("Done by", key="done", width=12)
        table.add_column("Party", key="party")
        table.focus()

    def on_screen_resume(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="timeline")
    def load(self) -> None:
        self.post_read(self.Loaded(read_termination(self.account)))

    def on_timeline_screen_loaded(self, event: Loaded) -> None:
        self.view = view = event.view
        line = view.timeline
        self.sub_title = f"{view.customer_name} ({view.account})"
        effective = (
            f"Effective date {line.effective_date}"
            if line.effective_date
            else "No effective date yet (press f)"
        )
        case = ""
        if not view.pending:
            case = " · Cancelled, case open" if view.case_open else " · Cancelled, case closed"
        self.query_one("#timeline-head", Static).update(
            Text.assemble(
                (view.customer_name, "bold"),
                f"{case} · {effective} · {line.time_zone} · today {line.today:%a %Y-%m-%d}",
            )
        )
        section = self.query_one("#timeline-section", SectionLine)
        if view.sections:
            section.show(view.sections[0], processed=not view.pending)
        section.display = bool(view.sections)
        table = self.query_one("#tasks", DataTable)
        keep = table.cursor_row
        table.clear()
        for task in line.tasks:
            mark, style = MARKS[task.state]
            row_style = style if task.state is TaskState.OVERDUE else ""
            # When it was done is in the When column, in the customer's time.
            done = task.done.by if task.done is not None else ""
            detail = f" — {task.detail}" if task.detail and task.state is not TaskState.DONE else ""
            gates, gates_style = GATES.get(task.task.gates, (str(task.task.gates), ""))
            table.add_row(
                Content.styled(mark, style),
                Content.styled(task.due.absolute() if task.due else "—", row_style),
                Content.styled(task.relative, style if task.is_late else ""),
                Content.styled(gates, gates_style if task.state is not TaskState.DONE else ""),
                Content.styled(task.task.title + detail, row_style),
                Text(done),
                Text(task.task.party_names),
                key=task.key,
            )
        if self.focus_task is not None:
            keys = [task.key for task in line.tasks]
            if self.focus_task in keys:
                table.move_cursor(row=keys.index(self.focus_task))
            self.focus_task = None
        elif keep is not None and keep < table.row_count:
            table.move_cursor(row=keep)
        self._show_line()

    def _show_line(self) -> None:
        reason = self.unavailable_reason("do")
        line = self.query_one("#timeline-line", Static)
        words = "Enter does the highlighted task; f sets the effective date."
        if self.view is not None and not self.view.pending and not reason:
            left = len(tasks_left(self.view.timeline))
            words = (
                f"Processed; the termination case is open: {left} task"
                f"{'s' if left != 1 else ''} left. Enter does the highlighted task."
                if left
                else "Every task is done: press c to close the termination case."
            )
        line.update(Text(reason or words))
        line.set_class(bool(reason), "-blocked")

    # ------------------------------------------------------------------ availability

    def highlighted(self) -> TaskView | None:
        if self.view is None:
            return None
        table = self.query_one("#tasks", DataTable)
        tasks = self.view.timeline.tasks
        row = table.cursor_row
        return tasks[row] if row is not None and 0 <= row < len(tasks) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Close is shown once the cancellation is processed (Process is the tool's).
        if action == "close_case" and (self.view is None or self.view.pending):
            return False
        return super().check_action(action, parameters)

    def unavailable_reason(self, action: str) -> str:
        if self.view is None:
            return "The timeline is still loading."
        if action == "refresh":
            return ""
        if not self.view.case_open:
            return (
                f"The termination case of {self.view.customer_name} is closed: its Timeline "
                "is read-only."
            )
        if not self.session.can_cancel:
            return self.session.refusal
        if action == "reopen":
            task = self.highlighted()
            if task is None or task.task.completed_by != DoneBy.HAND or task.done is None:
                return "Only a task ticked by hand can be reopened."
        return ""

    # ------------------------------------------------------------------ actions

    def action_refresh(self) -> None:
        self.load()
        self.notify("Re-read the timeline.", timeout=2)

    def action_effective(self) -> None:
        if self.view is None or self.unavailable_reason("effective"):
            return
        login, account, version = self.session.login, self.account, self.view.version

        def save(date: dt.date, allow_past: bool) -> Outcome:
            return termination.set_effective_date(
                login, account, date, allow_past=allow_past, expected_version=version
            )

        current = self.view.timeline.effective_date
        self.app.push_screen(
            EffectiveDateForm(
                "Effective date",
                "The contract end or de-provisioning date, in "
                f"{self.view.timeline.time_zone}. Tasks such as the final termination e-mail "
                "(72 hours before) are counted from it, and Data Purge Done waits for it. A "
                "date in the past needs you to confirm the contract really ended then.",
                time_zone=self.view.timeline.time_zone,
                today=self.view.timeline.today,
                save=save,
                initial=str(current) if current else "",
            ),
            self._form_closed,
        )

    def action_reopen(self) -> None:
        task = self.highlighted()
        if self.view is None or task is None or self.unavailable_reason("reopen"):
            return
        self._open(
            ActionForm(
                f"Reopen: {task.task.title}",
                "The tick is taken back (the audit trail keeps both).",
                save=partial(
                    termination.reopen_task,
                    self.session.login,
                    self.account,
                    task.key,
                    expected_version=self.view.version,
                ),
                save_label="Reopen",
            )
        )

    def action_do(self) -> None:
        task = self.highlighted()
        if self.view is None or task is None:
            return
        reason = self.unavailable_reason("do")
        if reason:
            self.notify(reason, title="Unavailable", severity="warning")
            return
        login, account, version = self.session.login, self.account, self.view.version
        how = task.task.completed_by
        if how == DoneBy.EMAIL:
            self.post_message(self.OpenEmail(account, version, task.key))
        elif how == DoneBy.PROCESS:
            self.notify(
                "This task is Process itself: press p on the Cancellation Tool once every "
                "section is clear.",
                title=task.task.title,
            )
        elif how == DoneBy.HAND:
            done = task.done
            step = (
                StepDone(task.key, task.task.title, done.by, done.at, done.note) if done else None
            )
            self._open(
                StepForm(
                    task.task.title,
                    f"{task.task.party_names}; due {task.due.absolute() if task.due else 'once dated'}."
                    " Enter ticks it with the note; ctrl+u takes a tick back.",
                    steps=[(task.key, task.task.title, step)],
                    confirm=lambda key, note: termination.complete_task(
                        login, account, key, note, expected_version=version
                    ),
                    take_back=lambda key: termination.reopen_task(
                        login, account, key, expected_version=version
                    ),
                )
            )
        elif how == DoneBy.SIGN_OFFS:
            self._open(sign_off_form(self.view, login))
        elif how == DoneBy.DEACTIVATION:
            self._open(
                GuidForm(
                    "Deactivate the customer's access",
                    "Paste the GUIDs of what was deactivated, one per line; they are attached to "
                    "the termination. Recording again replaces the list.",
                    save=lambda text: termination.record_deactivation(
                        login, account, text, expected_version=version
                    ),
                    initial="\n".join(self.view.guids),
                )
            )
        elif how == DoneBy.DECISION:
            self._open(
                DecisionForm(
                    "The account team's decision about the data",
                    "Approve deletion lets the purge go ahead. A hold keeps the data until a "
                    "review date, with a reason; approve later to lift it.",
                    time_zone=self.view.timeline.time_zone,
                    save=lambda decision, reason, review: termination.decide_data(
                        login,
                        account,
                        decision,
                        reason=reason,
                        review_date=review or None,
                        expected_version=version,
                    ),
                    current=self.view.decision,
                )
            )
        elif how == DoneBy.PURGE:
            self._open(
                ActionForm(
                    "Data Purge Done",
                    "Infrastructure Engineering Provisioning has purged the customer's data. "
                    "Recorded only after the account team approved deletion; it cannot be "
                    "taken back.",
                    save=partial(
                        termination.record_purge, login, account, expected_version=version
                    ),
                    save_label="Purge done",
                )
            )

    @on(DataTable.RowSelected, "#tasks")
    def _selected(self) -> None:
        self.action_do()

    def _open(self, form: FormScreen) -> None:
        self.app.push_screen(form, self._form_closed)

    def _form_closed(self, outcome: Outcome | None) -> None:
        if outcome is not None:
            self.notify(outcome.message, title="Saved")

    # ------------------------------------------------------------------ closing the case

    def action_close_case(self) -> None:
        if self.view is None or self.unavailable_reason("close_case"):
            return
        version = self.view.version
        ask_to_close(
            self,
            bool(tasks_left(self.view.timeline)),
            close_dialog(self.view.customer_name, self.view.account, None),
            lambda: self._close(version),
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="close")
    def _close(self, version: int) -> None:
        self.post_message(close_case(self.session.login, self.account, version))

    def on_case_closed(self, event: CaseClosed) -> None:
        self.notify(event.outcome.message, title="Termination case closed")
        self.load()


def sign_off_form(view: TerminationView, login: str) -> StepForm:
    """The termination team's sign-offs, each with who recorded it and when."""
    account, version = view.account, view.version
    return StepForm(
        "Sign-offs of the termination team",
        "Record each team's sign-off as it comes in (a note says who confirmed it); the final "
        "confirmation comes last. ctrl+u withdraws one recorded by mistake.",
        steps=sign_off_steps(view),
        confirm=lambda key, note: termination.sign_off(
            login, account, key, note, expected_version=version
        ),
        take_back=lambda key: termination.withdraw_sign_off(
            login, account, key, expected_version=version
        ),
    )
