"""One change request (from the Approvals screen): what it asks (kind, customer, effective date,
a pause's end, the credit, the notes), its approval chain step by step — approved or rejected
by whom, when, with what comment; the step waiting; the steps to come — and its history, every
change and decision as audited. y approves and n rejects when the step waiting is mine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Header, Static

from data.dates import when
from data.retention.request_views import RequestView, show_request, waiting_for
from data.retention.requests import KIND_LABELS
from screens.approvals import decide
from screens.base import OffboardScreen, Session
from screens.footer import KeyFooter
from screens.plain import plain, shown

# How each step's state reads (the glyph reads without colour too).
STEP_MARKS = {
    "approved": ("✓", "bold $success"),
    "rejected": ("✗", "bold $error"),
    "waiting": ("●", "bold $warning"),
    "to come": ("·", ""),
}


def request_text(view: RequestView) -> Content:
    """The request, its chain and its history, as the screen shows them."""
    parts: list[str | tuple[str, str]] = []
    kind = KIND_LABELS.get(view.kind, view.kind)
    parts += [(f"{kind} {view.customer_name} ({view.account})", "bold"), f" — {view.state}\n"]
    end = f", pause ends {view.end_date}" if view.end_date else ""
    parts.append(f"Effective {view.effective_date}{end} · credit {view.credit:,.2f}\n")
    retention = "yes" if view.retention else "no"
    submitted = f" · submitted by {view.submitted_by}" if view.submitted_by else ""
    parts.append(
        f"Created by {view.created_by}{submitted} · retention took part: {retention} · round "
        f"{view.round}\n"
    )
    if view.notes:
        parts.append(f"Notes: {view.notes}\n")
    parts.append(("\nApproval chain\n", "bold"))
    if not view.steps:
        parts.append("Not submitted yet: the chain is fixed when it is submitted.\n")
    for step in view.steps:
        mark, style = STEP_MARKS.get(step.state, ("·", ""))
        parts += [(f" {mark} ", style), f"{step.number}. {step.label} ({step.approver}) — "]
        parts.append((step.state, style))
        if step.by:
            parts.append(f" by {step.by} {when(step.at)}")
        if step.comment:
            parts.append((f": {step.comment}", "italic"))
        parts.append("\n")
    parts.append(("\nHistory\n", "bold"))
    for entry in view.history:
        comment = entry.detail.get("comment")
        parts.append(f" {when(entry.at)}  {entry.by}: {entry.action}")
        if comment:
            parts.append((f" — {comment}", "italic"))
        parts.append("\n")
    return Content.assemble(
        *(shown(part) if isinstance(part, str) else (shown(part[0]), part[1]) for part in parts)
    )


class RequestScreen(OffboardScreen):
    """One change request with its chain and history."""

    CSS_PATH = "retention.tcss"
    HELP_TEXT = (
        "A change request: what it asks, its approval chain step by step (✓ approved, ✗ "
        "rejected, ● waiting, · to come) and its history, every change and decision as "
        "audited. y approves and n rejects the step it waits for, when that step is yours."
    )
    GUARDED_ACTIONS: ClassVar[frozenset[str]] = frozenset({"approve", "reject"})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "approve", "Approve"),
        Binding("n", "reject", "Reject"),
        Binding("r", "refresh", "Refresh"),
    ]

    @dataclass
    class Loaded(Message):
        view: RequestView
        mine: bool

    def __init__(self, session: Session, request_id: int) -> None:
        super().__init__(session)
        self.request_id = request_id
        self.view: RequestView | None = None
        self.mine = False

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="request-body"):
            yield Static(f"Reading change request #{self.request_id}…", id="request")
        yield Static("", id="request-line", classes="reason-line")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = f"Change request #{self.request_id}"
        self.query_one("#request-body", VerticalScroll).focus()

    def on_screen_resume(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="request")
    def load(self) -> None:
        view = show_request(self.request_id)
        mine = any(row.id == view.id for row in waiting_for(self.session.login))
        self.post_read(self.Loaded(view, mine))

    def on_request_screen_loaded(self, event: Loaded) -> None:
        self.view, self.mine = event.view, event.mine
        self.sub_title = f"{event.view.customer_name} ({event.view.account})"
        self.query_one("#request", Static).update(request_text(event.view))
        self.query_one("#request-line", Static).update(plain(self.unavailable_reason("approve")))
        self.refresh_bindings()

    def unavailable_reason(self, action: str) -> str:
        if self.view is None:
            return "The request is still loading."
        if not self.mine:
            waiting = self.view.waiting_for
            if waiting is None:
                return f"The request is {self.view.state}: no step waits for a decision."
            return f"It waits for {waiting.label} ({waiting.approver}): not yours to decide."
        return ""

    def action_refresh(self) -> None:
        self.load()

    def action_approve(self) -> None:
        if self.view is not None:
            decide(self, self.session, self.view, True, self.load)

    def action_reject(self) -> None:
        if self.view is not None:
            decide(self, self.session, self.view, False, self.load)
