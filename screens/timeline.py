"""The Timeline of one cancellation: the termination plan's tasks with their due dates (absolute
and relative, in the customer's time zone), the milestone each gates (Process or Close),
responsible party, state and who did them; overdue tasks stand out. Enter does the highlighted
task the way the plan says it is done. The Timeline stays workable after Process, until the
termination case is closed (c, once every task is done).

Its columns give way by priority at narrow widths (``screens.fitted``); the detail lines under
the table show the highlighted task in full. Every time reads in the customer's zone, named."""

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
from textual.widgets import DataTable, Header, Static

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
    Timeline,
    sign_off_many,
    undo_sign_off,
    undo_task,
    zoned,
)
from data.views import sign_off_choices
from screens.base import OffboardScreen, Session
from screens.fitted import Column, FittedTable
from screens.footer import KeyFooter
from screens.form_confirmations import ActionForm, DecisionForm
from screens.form_screen import Expected, FormScreen
from screens.forms import EffectiveDateForm, GuidForm
from screens.milestones import (
    CLOSE_BINDING,
    CaseClosed,
    ask_to_close,
    close_case,
    close_dialog,
    tasks_left,
)
from screens.plain import plain, plain_text, shown
from screens.timeline_forms import SignOffForm, TaskForm
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


# The Timeline's columns, in display order; the priority says which give way first (highest).
COLUMNS = (
    Column("state", "State", 0, most=10),
    Column("due", "Due", 4, most=24),
    Column("when", "When", 2, most=25),
    Column("gates", "For", 3, most=7),
    Column("task", "Task", 1, least=24, flex=True),
    Column("done", "Done by", 5, most=16),
    Column("party", "Party", 6, most=30),
)


def due_words(task: TaskView, time_zone: str) -> str:
    """When a task is due, with the zone: a day is the customer's, a time names its zone."""
    if task.due is None:
        return "no due date until the effective date is set"
    if task.due.timed:
        return f"due {task.due.absolute()}"
    return f"due by the end of {task.due.absolute()}, {time_zone}"


def task_detail(task: TaskView, time_zone: str, customer: str = "") -> Content:
    """The highlighted task in full, for the detail lines under a table: its name (and the
    customer's, on Today); where it stands — who did it when (in the customer's zone, named)
    with the note or the e-mail's recipients, or how late it is; then when it is due, its
    parties and the milestone it holds back."""
    mark, style = MARKS[task.state]
    gates = GATES.get(task.task.gates, (str(task.task.gates), ""))[0]
    head = Content.assemble(
        (shown(f"{customer} — ") if customer else "", "bold"), (shown(task.task.title), "bold")
    )
    if task.done is not None:
        note = f" — {task.detail}" if task.detail else ""
        if not note and task.done.note:
            note = f" — {task.done.note}"
        state = Content.assemble(
            (mark, style), shown(f" by {task.done.by}, {zoned(task.done.at, time_zone)}{note}")
        )
    else:
        detail = f" — {task.detail}" if task.detail else ""
        state = Content.assemble((mark, style), shown(f" — {task.relative}{detail}"))
    about = f"{due_words(task, time_zone)} · {task.task.party_names} · holds back {gates}"
    return Content("\n").join([head, state, plain(about)])


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
        "zone; every time shown names its zone. Red tasks are overdue, yellow ones due today. "
        "Enter does the highlighted task: ticks it (with a note), or opens what completes it — "
        "the GUIDs of the deactivated access, the account team's hold or approval, Data Purge "
        "Done (only after approval), the sign-offs (space ticks several to sign at once), the "
        "final termination e-mail. The lines under the table show the highlighted task in "
        "full. g goes to the cancellation's tool. z undoes the highlighted sign-off (the final "
        "one first, else the latest) or a task ticked by hand, while the cancellation is "
        "pending; u reopens a task ticked by mistake (also after Process); f sets the effective "
        "date (a past one only once you confirm the contract really ended then). The For column "
        "says which milestone a task holds back: Process (cancel the customer record) or Close "
        "(the termination case; the customer becomes a Former Customer). After Process the "
        "Timeline stays workable; c closes the case once every task is done."
    )
    GUARDED_ACTIONS: ClassVar[frozenset[str]] = frozenset(
        {"do", "reopen", "undo", "effective", "close_case"}
    )
    # Most important first: the Footer shows them in this order.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "do",
            "Do task",
            priority=True,
            tooltip="Do the highlighted task the way the plan says (a tick, a form, an e-mail)",
        ),
        Binding("g", "tool", "Go to tool", tooltip="Back to the cancellation's tool"),
        Binding(
            "z",
            "undo",
            "Undo",
            tooltip="Undo the highlighted sign-off or hand tick (while pending)",
        ),
        Binding(
            "f",
            "effective",
            "Effective date",
            tooltip="Set the contract end or de-provisioning date",
        ),
        # Shown once the cancellation is processed: the case is then closed from here too.
        CLOSE_BINDING,
        Binding("r", "refresh", "Refresh", tooltip="Re-read the timeline"),
        # In the palette and Help; z undoes a tick in the Footer's room.
        Binding(
            "u",
            "reopen",
            "Reopen a ticked task",
            show=False,
            tooltip="Take back the tick of a task ticked by hand (also after Process)",
        ),
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
        # The task last opened with Enter: once it reads done, the cursor moves on.
        self._worked_on: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(plain(f"Loading the timeline of {self.account}…"), id="timeline-head")
        yield SectionLine(id="timeline-section")
        yield FittedTable(COLUMNS, id="tasks")
        yield Static("", id="timeline-detail", classes="row-detail")
        yield Static("", id="timeline-line", classes="reason-line")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = "Timeline"
        self.sub_title = self.account
        self.query_one("#tasks", FittedTable).focus()

    def on_screen_resume(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="timeline")
    def load(self) -> None:
        self.post_read(self.Loaded(read_termination(self.account)))

    def on_timeline_screen_loaded(self, event: Loaded) -> None:
        self.view = view = event.view
        line = view.timeline
        self.sub_title = f"{view.customer_name} ({view.account})"
        # f is suggested only where it may be pressed (never on a closed case, say).
        press_f = "" if self.unavailable_reason("effective") else " (press f)"
        effective = (
            f"Effective date {line.effective_date}"
            if line.effective_date
            else f"No effective date yet{press_f}"
        )
        case = ""
        if not view.pending:
            case = " · Cancelled, case open" if view.case_open else " · Cancelled, case closed"
        # The customer is named in the header above.
        self.query_one("#timeline-head", Static).update(
            Text.assemble(
                (effective, "bold"),
                shown(f"{case} · {line.time_zone} · today {line.today:%a %Y-%m-%d}"),
            )
        )
        section = self.query_one("#timeline-section", SectionLine)
        if view.sections:
            section.show(view.sections[0], processed=not view.pending)
        section.display = bool(view.sections)
        table = self.query_one("#tasks", FittedTable)
        cursor = table.cursor_row
        worked_on, self._worked_on = self._worked_on, None
        if self.focus_task is None and worked_on is not None:
            self.focus_task = next_task_due(line, worked_on, pending=view.pending)
        if self.focus_task is not None:
            keys = [task.key for task in line.tasks]
            if self.focus_task in keys:
                cursor = keys.index(self.focus_task)
            self.focus_task = None
        table.set_rows(task_rows(line), cursor)
        self._show_detail()
        self._show_line()

    @on(DataTable.RowHighlighted, "#tasks")
    def _highlighted_row(self) -> None:
        self._show_detail()
        self.refresh_bindings()

    def _show_detail(self) -> None:
        task = self.highlighted()
        detail = self.query_one("#timeline-detail", Static)
        if self.view is None or task is None:
            detail.update("")
            return
        detail.update(task_detail(task, self.view.timeline.time_zone))

    def _show_line(self) -> None:
        reason = self.unavailable_reason("do")
        line = self.query_one("#timeline-line", Static)
        words = "Enter does the highlighted task; g goes to the tool."
        if self.view is not None and not self.view.pending and not reason:
            left = len(tasks_left(self.view.timeline))
            words = (
                f"Processed; the termination case is open: {left} task"
                f"{'s' if left != 1 else ''} left. Enter does the highlighted task."
                if left
                else "Every task is done: press c to close the termination case."
            )
        line.update(plain_text(reason or words))
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
        # Close is shown once the cancellation is processed (Process is the tool's), while its
        # termination case is open.
        if action == "close_case" and (
            self.view is None or self.view.pending or not self.view.case_open
        ):
            return False
        return super().check_action(action, parameters)

    def unavailable_reason(self, action: str) -> str:
        if self.view is None:
            return "The timeline is still loading."
        if action in ("refresh", "tool"):
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
        if action == "undo":
            return self._undo_reason()
        return ""

    def _undo_reason(self) -> str:
        assert self.view is not None
        task = self.highlighted()
        if not self.view.pending:
            return (
                f"{self.view.customer_name}'s cancellation is processed: a sign-off or a task "
                "can only be undone while it is pending."
            )
        if task is None:
            return "Highlight a sign-off or a task ticked by hand to undo it."
        if task.task.completed_by == DoneBy.SIGN_OFFS:
            if not self.view.sign_offs:
                return "No sign-off is recorded yet, so there is nothing to undo."
            return ""
        if task.task.completed_by == DoneBy.HAND:
            if task.done is None:
                return f"'{task.task.title}' is not ticked, so there is nothing to undo."
            return ""
        return "Only a sign-off or a task ticked by hand can be undone (z)."

    # ------------------------------------------------------------------ actions

    def action_refresh(self) -> None:
        self.load()
        self.notify("Re-read the timeline.", timeout=2)

    def action_tool(self) -> None:
        self.post_message(self.OpenTool(self.account))

    def action_undo(self) -> None:
        task = self.highlighted()
        view = self.view
        if view is None or task is None:
            return
        reason = self.unavailable_reason("undo")
        if reason:
            self.notify(reason, title="Unavailable", severity="warning")
            return
        login, account, version = self.session.login, self.account, view.version
        time_zone = view.timeline.time_zone
        if task.task.completed_by == DoneBy.SIGN_OFFS:
            key, label, done = last_sign_off(view)
            self._open(
                ActionForm(
                    "Undo a sign-off",
                    f"{label}: recorded by {done.by} on {zoned(done.at, time_zone)}. The final "
                    "confirmation is undone first, then the latest one; the audit trail keeps "
                    "who had signed. Enter on the Sign-offs task undoes any other (ctrl+u).",
                    save=partial(undo_sign_off, login, account, key, expected_version=version),
                    save_label="Undo",
                )
            )
            return
        assert task.done is not None
        self._open(
            ActionForm(
                "Undo a tick",
                f"{task.task.title}: ticked by {task.done.by} on "
                f"{zoned(task.done.at, time_zone)}. The tick is taken back (the audit trail "
                "keeps both).",
                save=partial(undo_task, login, account, task.key, expected_version=version),
                save_label="Undo",
            )
        )

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
        # Once done, the cursor moves on to the next task due (fewer keys).
        self._worked_on = task.key if task.done is None else None
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
                TaskForm(
                    task.task.title,
                    f"{task.task.party_names}; {due_words(task, self.view.timeline.time_zone)}."
                    " Enter ticks it with the note; ctrl+u takes a tick back.",
                    steps=[(task.key, task.task.title, step)],
                    time_zone=self.view.timeline.time_zone,
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


def next_task_due(line: Timeline, done: str, *, pending: bool) -> str | None:
    """The task the cursor moves to once ``done`` is done, looking on from it (then from the
    top): while the cancellation is pending, a task that holds Process back — one due first —
    as the tool moves to the next section Process waits for; else the next one due (overdue or
    today), else the next one not done. None while ``done`` is not done (the form was left)."""
    keys = [task.key for task in line.tasks]
    if done not in keys or line.tasks[keys.index(done)].state is not TaskState.DONE:
        return None
    index = keys.index(done)
    order = [*line.tasks[index + 1 :], *line.tasks[:index]]
    left = [t for t in order if t.state is not TaskState.DONE]
    due = [t for t in left if t.state in (TaskState.OVERDUE, TaskState.DUE)]
    for_process = [t for t in left if pending and t.task.gates is Milestone.PROCESS]
    due_for_process = [t for t in for_process if t in due]
    chosen = (due_for_process or for_process or due or left)[:1]
    return chosen[0].key if chosen else None


def sign_off_form(view: TerminationView, login: str) -> SignOffForm:
    """The termination team's sign-offs, each with who recorded it and when (in the customer's
    zone, named); several are signed at once in one change."""
    account = view.account
    # The form stays open from one sign-off to the next: each saves on the version the one
    # before it left.
    expected = Expected(view.version)
    form = SignOffForm(
        "Sign-offs of the termination team",
        "Space ticks several, Enter signs them; ctrl+u undoes one.",
        steps=sign_off_steps(view),
        time_zone=view.timeline.time_zone,
        sign=lambda keys, note: sign_off_many(
            login, account, keys, note, expected_version=expected.version
        ),
        undo=lambda key: undo_sign_off(login, account, key, expected_version=expected.version),
    )
    form.expected = expected
    return form


def last_sign_off(view: TerminationView) -> tuple[str, str, StepDone]:
    """The sign-off ``z`` undoes: the final confirmation when it is in (the others rest on
    it), else the one recorded last."""
    steps = [(key, title, done) for key, title, done in sign_off_steps(view) if done is not None]
    # The playbook lists its final confirmation last.
    final = next((step for step in steps if step[0] == view.sign_off_list[-1][0]), None)
    if final is not None:
        return final
    # Signed together, they share a moment: the one written last comes later in the list.
    return max(reversed(steps), key=lambda step: step[2].at)


def task_rows(line: Timeline) -> list[tuple[str, dict[str, object]]]:
    """The Timeline's rows, each cell by its column's key."""
    rows: list[tuple[str, dict[str, object]]] = []
    for task in line.tasks:
        mark, style = MARKS[task.state]
        row_style = style if task.state is TaskState.OVERDUE else ""
        detail = f" — {task.detail}" if task.detail and task.state is not TaskState.DONE else ""
        gates, gates_style = GATES.get(task.task.gates, (str(task.task.gates), ""))
        cells: dict[str, object] = {
            "state": Content.styled(mark, style),
            "due": Content.styled(task.due.absolute() if task.due else "—", row_style),
            "when": Content.styled(task.relative, style if task.is_late else ""),
            "gates": Content.styled(gates, gates_style if task.state is not TaskState.DONE else ""),
            "task": plain(task.task.title + detail, row_style),
            "done": plain_text(task.done.by if task.done is not None else ""),
            "party": plain_text(task.task.party_names),
        }
        rows.append((task.key, cells))
    return rows
