"""Approvals (``a`` on the start screen): the change requests waiting for my decision — their
step is mine, they are not my own, and I decided no other step of their round — oldest first.
Enter opens a request with its chain and history; y approves and n rejects (with a comment)
the step it waits for. The data layer checks every rule again when the decision is saved."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from data.cancellations import Outcome
from data.retention.decisions import approve_request, reject_request
from data.retention.request_views import RequestView, waiting_for
from data.retention.requests import KIND_LABELS, RequestDone
from screens.base import OffboardScreen, Session
from screens.fitted import Column, FittedTable
from screens.footer import KeyFooter
from screens.plain import plain_text
from screens.retention_forms import CommentForm

# The columns, in display order; the priority says which give way first (highest).
# Credit keeps its place at 80 columns (the step gives way to it; the detail line names it).
COLUMNS = (
    Column("id", "#", 0, most=6),
    Column("kind", "Kind", 4, most=7),
    Column("customer", "Customer", 1, least=20, flex=True),
    Column("effective", "Effective", 5, most=10),
    Column("credit", "Credit", 2, most=12),
    Column("step", "Step", 3, most=24),
)


def as_outcome(done: RequestDone) -> Outcome:
    """A request's outcome as the forms close with it."""
    return Outcome(done.message, done.account, done.customer_version)


def decide(
    screen: Screen[None],
    session: Session,
    view: RequestView,
    approve: bool,
    reload: Callable[[], object],
) -> None:
    """Ask for the comment and approve or reject the step ``view`` waits for; ``reload``
    reads again once it is saved."""
    step = view.waiting_for
    label = step.label if step else "its step"
    login, request_id, version = session.login, view.id, view.version

    def save(comment: str) -> Outcome:
        call = approve_request if approve else reject_request
        return as_outcome(call(login, request_id, comment, expected_version=version))

    what = f"{KIND_LABELS.get(view.kind, view.kind)} {view.customer_name} ({view.account})"
    if approve:
        explanation = (
            f"Approve {label} of change request #{view.id}: {what} from {view.effective_date}, "
            f"credit {view.credit:.2f}. A comment is optional."
        )
    else:
        explanation = (
            f"Reject change request #{view.id} ({what}) at {label}: it goes back to "
            f"{view.submitted_by or 'its submitter'}, who may edit it and submit it again."
        )

    def done(outcome: Outcome | None) -> None:
        if outcome is not None:
            screen.notify(outcome.message, title="Approved" if approve else "Rejected")
            reload()

    screen.app.push_screen(
        CommentForm(
            f"{'Approve' if approve else 'Reject'} change request #{view.id}",
            explanation,
            save=save,
            save_label="Approve" if approve else "Reject",
            required=not approve,
        ),
        done,
    )


class ApprovalsScreen(OffboardScreen):
    """The change requests waiting for my approval."""

    CSS_PATH = "retention.tcss"
    HELP_TEXT = (
        "The change requests (cancel, pause, reduce a contract) waiting for your decision: the "
        "step each waits for is yours — a step named for you, or one for a role you have — and "
        "none is your own request. Oldest first. Enter opens the request with its chain and "
        "history; y approves the step, n rejects the request (with a comment: it goes back to "
        "whoever submitted it, who may edit it and submit it again). Nobody decides two steps "
        "of one round, so once you decide, the request leaves your list."
    )
    GUARDED_ACTIONS: ClassVar[frozenset[str]] = frozenset({"open", "approve", "reject"})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open request", priority=True),
        Binding("y", "approve", "Approve"),
        Binding("n", "reject", "Reject"),
        Binding("r", "refresh", "Refresh"),
    ]

    @dataclass
    class Loaded(Message):
        rows: list[RequestView]

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.rows: list[RequestView] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Reading the requests waiting for you…", id="approvals-count")
        yield FittedTable(COLUMNS, id="approvals")
        yield Static("", id="approvals-detail", classes="row-detail")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = "Approvals"
        self.sub_title = "waiting for me"
        self.query_one("#approvals", FittedTable).focus()

    def on_screen_resume(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="approvals")
    def load(self) -> None:
        self.post_read(self.Loaded(waiting_for(self.session.login)))

    def on_approvals_screen_loaded(self, event: Loaded) -> None:
        self.rows = event.rows
        table = self.query_one("#approvals", FittedTable)
        keep = min(table.cursor_row, len(event.rows) - 1) if event.rows else None
        rows: list[tuple[str, dict[str, object]]] = []
        for view in event.rows:
            step = view.waiting_for
            cells: dict[str, object] = {
                "id": str(view.id),
                "kind": plain_text(KIND_LABELS.get(view.kind, view.kind)),
                "customer": plain_text(
                    f"{view.customer_name} ({view.account})", overflow="ellipsis", no_wrap=True
                ),
                "effective": str(view.effective_date),
                "credit": f"{view.credit:,.2f}",
                "step": plain_text(step.label if step else "—", overflow="ellipsis", no_wrap=True),
            }
            rows.append((str(view.id), cells))
        table.set_rows(rows, keep)
        count = len(event.rows)
        self.query_one("#approvals-count", Static).update(
            f"{count} change request{'s' if count != 1 else ''} waiting for your approval"
            if count
            else "Nothing waits for your approval."
        )
        self._show_detail()
        self.refresh_bindings()

    @on(DataTable.RowHighlighted, "#approvals")
    def _highlighted(self) -> None:
        self._show_detail()

    def highlighted(self) -> RequestView | None:
        if not self.rows:
            return None
        row = self.query_one("#approvals", FittedTable).cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def _show_detail(self) -> None:
        view = self.highlighted()
        detail = self.query_one("#approvals-detail", Static)
        if view is None:
            detail.update("")
            return
        end = f" until {view.end_date}" if view.end_date else ""
        notes = f"\nNotes: {view.notes}" if view.notes else ""
        detail.update(
            plain_text(
                f"#{view.id} {KIND_LABELS.get(view.kind, view.kind)} {view.customer_name} from "
                f"{view.effective_date}{end} · submitted by {view.submitted_by or '—'} · round "
                f"{view.round}{notes}"
            )
        )

    # ------------------------------------------------------------------ actions

    def unavailable_reason(self, action: str) -> str:
        if self.rows is None:
            return "The requests are still loading."
        if not self.rows:
            return "Nothing waits for your approval."
        return ""

    def action_refresh(self) -> None:
        self.load()

    def action_open(self) -> None:
        view = self.highlighted()
        if view is not None:
            from screens.retention_request import RequestScreen

            self.app.push_screen(RequestScreen(self.session, view.id))

    def action_approve(self) -> None:
        view = self.highlighted()
        if view is not None:
            decide(self, self.session, view, True, self.load)

    def action_reject(self) -> None:
        view = self.highlighted()
        if view is not None:
            decide(self, self.session, view, False, self.load)
