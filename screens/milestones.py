"""The two milestones as the Cancellation Tool and the Timeline put them to a team lead: what
Process and Close the termination case will do (their confirmations), why each is unavailable,
why Remove is refused once something irreversible happened, and Close itself in a worker.

While a screen's last read shows tasks still open, Close asks the data layer straight away (no
confirmation: nothing can be closed, and the customer version guards a stale read) and the app
shows the data layer's reason; otherwise a confirmation says what Close does first."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen

from data import cancellations
from data.cancellations import Outcome
from data.customers import ToolView
from data.dates import when
from data.models import CustomerStatus, CustomerType
from data.rules import describe_left_for_close
from data.timeline import TaskView, Timeline, left_for_close
from screens.dialogs import ConfirmDialog

CLOSE_BINDING = Binding(
    "c",
    "close_case",
    "Close termination case",
    tooltip="Close the case once every task is done: the customer becomes a Former Customer",
)


@dataclass
class CaseClosed(Message):
    """The termination case was closed: the outcome says so."""

    outcome: Outcome


def tasks_left(timeline: Timeline | None) -> list[TaskView]:
    """The case's tasks not done yet, most urgent first (none without a timeline)."""
    return left_for_close(timeline) if timeline is not None else []


def view_tasks_left(view: ToolView) -> list[TaskView]:
    return tasks_left(view.termination.timeline if view.termination is not None else None)


def _tasks(count: int) -> str:
    return f"{count} task{'s' if count != 1 else ''}"


def process_lines(view: ToolView) -> list[str]:
    """What Process will do, in the words of the confirmation."""
    assert view.cancellation is not None
    customer, cancellation = view.customer, view.cancellation
    if cancellation.owner_applied_at is not None:
        owner = f"Owner: {cancellation.new_owner} (already applied)"
    else:
        owner = f"Owner: {customer.owner or 'nobody'} → {cancellation.new_owner}"
    if view.playbook is not None and not view.playbook.needs_close:
        case = (
            f"• Customer type: {customer.customer_type} → {CustomerType.FORMER_CUSTOMER} "
            "(nothing is left for Close: the termination case closes at once)"
        )
    else:
        left = len(view_tasks_left(view))
        case = (
            f"• The termination case stays open: {_tasks(left)} left on the Timeline; the "
            f"customer type stays {customer.customer_type} until it is closed"
            if left
            else "• The termination case stays open until closed with c (every task is done "
            f"already); the customer type stays {customer.customer_type} until then"
        )
    return [
        f"Process the cancellation of {customer.name} ({customer.account})?",
        "",
        f"• Status: {CustomerStatus.PENDING_CANCELLATION} → Cancelled",
        f"• {owner}",
        f"• Notified by e-mail: {', '.join(cancellation.notify) or 'nobody'}",
        f"• Reasons: {', '.join(cancellation.reasons)}",
        case,
        "",
        "This cannot be undone.",
    ]


def close_lines(name: str, account: str, customer_type: str | None) -> list[str]:
    """What Close does, in the words of the confirmation (``customer_type`` as last read, when
    the screen knows it)."""
    before = f"{customer_type} → " if customer_type else "becomes "
    return [
        f"Close the termination case of {name} ({account})?",
        "",
        "Every task of its termination plan is done (the data purge recorded).",
        "",
        f"• Customer type: {before}{CustomerType.FORMER_CUSTOMER}",
        "• Status stays Cancelled; the owner stays as it is",
        "• The Timeline becomes read-only: no task can be done or reopened",
        "",
        "This cannot be undone.",
    ]


def close_dialog(name: str, account: str, customer_type: str | None) -> ConfirmDialog:
    return ConfirmDialog(
        "Close termination case", close_lines(name, account, customer_type), "Close case"
    )


def ask_to_close(
    screen: Screen[Any], tasks_open: bool, dialog: ConfirmDialog, close: Callable[[], object]
) -> None:
    """Close the case from a screen: at once while its last read shows tasks open (nothing to
    confirm: the data layer refuses, naming them, and the version guards a stale read), else
    once the team lead confirms ``dialog``."""
    if tasks_open:
        close()
        return

    def confirmed(yes: bool | None) -> None:
        if yes:
            close()

    screen.app.push_screen(dialog, confirmed)


def close_case(login: str, account: str, version: int) -> CaseClosed:
    """Close the case (runs in a worker); the data layer refuses while tasks are open."""
    return CaseClosed(cancellations.close_case(login, account, expected_version=version))


def close_reason(case_open: bool, processed: bool, customer_name: str) -> str:
    """Why Close is unavailable for the case's state (empty when the case may be closed)."""
    if not case_open:
        return f"The termination case of {customer_name} is closed."
    if not processed:
        return (
            f"Close comes after Process: {customer_name}'s cancellation is pending. Process "
            "it first; the termination case stays open until its tasks are done."
        )
    return ""


def removal_refused(view: ToolView) -> str:
    """Why Remove is refused once something irreversible happened (processed, purged)."""
    customer, cancellation = view.customer, view.cancellation
    if cancellation is None:
        return ""
    if cancellation.processed_at is not None:
        return (
            f"Remove is unavailable: {customer.name} was processed "
            f"{when(cancellation.processed_at)}, and a processed cancellation cannot be removed. "
            "Close its termination case when the tasks are done, or ask a CRM admin to set the "
            "customer Live again."
        )
    if view.termination is not None and view.termination.purged:
        return (
            f"Remove is unavailable: {customer.name}'s data was purged, so the cancellation "
            "cannot be removed."
        )
    return ""


def after_process_words(view: ToolView) -> str:
    """What the line under the tool's sections says of a processed cancellation."""
    customer, cancellation = view.customer, view.cancellation
    assert cancellation is not None
    processed = "Processed"
    if cancellation.processed_at is not None:
        who = cancellation.processed_by or "an unknown user"
        processed = f"Processed {when(cancellation.processed_at)} by {who}"
    if not cancellation.case_open:
        closed = ""
        if cancellation.closed_at is not None:
            who = cancellation.closed_by or "an unknown user"
            closed = f"; the termination case was closed {when(cancellation.closed_at)} by {who}"
        return f"{processed}{closed}. {customer.name} is a {customer.customer_type}."
    # The banner above names the next task: the line says what is left, in two lines at 80.
    left = left_for_close_words(view, next_task=False)
    if not left:
        return f"{processed}. Every task of the termination case is done: press c to close it."
    return f"{processed} — for Close: {left}. t works them on the Timeline; c closes the case."


def left_for_close_words(view: ToolView, *, next_task: bool = True) -> str:
    """What the open termination case still needs before Close (empty when nothing)."""
    timeline = view.termination.timeline if view.termination is not None else None
    return describe_left_for_close(view.sections, timeline, next_task=next_task)
