"""The JSON shapes the commands print with --json: one function per kind of record.

These shapes are documented in the README ("Command line"); add keys, never rename them."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from data.models import CancellationState
from data.playbook.model import Milestone
from data.sections import Section, SectionState
from tui.cli.output import Json, iso

CENT = Decimal("0.01")

if TYPE_CHECKING:
    # The records' types only: each command imports the data module it reads (the outbox's
    # pulls in the mail machinery), so a shape for one must not load them all.
    from data.billing import Billing
    from data.cancellations import Outcome
    from data.customers import CancellationView, CustomerRow, ExpiryRow, ToolView
    from data.notices import Draft
    from data.outbox_review import OutboxRow
    from data.pick_lists import Listed
    from data.records import RecordRow
    from data.timeline import TaskView
    from data.users import UserRow


def customer_json(row: CustomerRow) -> Json:
    return {
        "account": row.account,
        "name": row.name,
        "status": row.status,
        "owner": row.owner or None,
    }


def gates(section: Section) -> str | None:
    """The milestone the section holds back while it has work left: "process" or "close";
    None for a section that never blocks (one the playbook only shows, or the mood)."""
    if section.milestone is None or section.state in (SectionState.OPTIONAL, SectionState.NOTE):
        return None
    return section.milestone.value


def red_for(sections: Sequence[Section], milestone: Milestone) -> list[str]:
    """The names of the red sections that hold back ``milestone`` (Close: those red only for
    Close; what holds back Process holds back Close too, but is listed as red for Process)."""
    return [
        section.name for section in sections if section.is_red and section.milestone is milestone
    ]


def section_json(section: Section) -> Json:
    return {
        "key": section.key,
        "name": section.name,
        "state": section.state.value,
        "summary": section.summary,
        "blocking": section.blocking,
        "total": section.total,
        "gates": gates(section),
    }


def cancellation_json(view: CancellationView | None) -> Json | None:
    if view is None:
        return None
    return {
        "state": view.state,
        "previous_status": view.previous_status,
        "begun_at": iso(view.begun_at),
        "begun_by": view.begun_by,
        "reasons": list(view.reasons),
        "reason_text": view.reason_text,
        "extra_information": view.extra_information,
        "mood": view.mood,
        "new_owner": view.new_owner,
        "new_owner_login": view.new_owner_login,
        "owner_applied_at": iso(view.owner_applied_at),
        "notify": list(view.notify),
        "notify_logins": list(view.notify_logins),
        "notify_parties": list(view.notify_parties),
        "processed_at": iso(view.processed_at),
        "processed_by": view.processed_by,
        "scenario": view.scenario,
        "scenario_name": view.scenario_label,
    }


def is_ready(view: ToolView) -> bool:
    pending = view.cancellation is not None and view.cancellation.state == CancellationState.PENDING
    # Exactly what Process checks: nothing left that holds Process back (red, or waiting for
    # a task that gates Process), whatever is left for Close.
    return pending and not view.unfinished


def tool_json(view: ToolView) -> Json:
    detail = view.customer
    return {
        "account": detail.account,
        "name": detail.name,
        "status": detail.status,
        "owner": detail.owner or None,
        "owner_login": detail.owner_login,
        "customer_type": detail.customer_type,
        "time_zone": detail.time_zone,
        "admin_name": detail.admin_name,
        "admin_email": detail.admin_email,
        "version": detail.version,
        "cancellation": cancellation_json(view.cancellation),
        "case": case_json(view.cancellation),
        "sections": [section_json(section) for section in view.sections],
        # What holds Process back (what ``ready`` checks), and what is red only for Close.
        "red": red_for(view.sections, Milestone.PROCESS),
        "red_for_close": red_for(view.sections, Milestone.CLOSE),
        "ready": is_ready(view),
    }


def case_json(view: CancellationView | None) -> Json | None:
    """The termination case: open or closed (when, by whom), and the playbook it runs on."""
    if view is None:
        return None
    return {
        "open": view.case_open,
        "closed_at": iso(view.closed_at),
        "closed_by": view.closed_by,
        "playbook": {
            "name": view.playbook_name,
            "version": view.playbook_digest[:8] or None,
            "digest": view.playbook_digest,
        },
        "read_only": view.playbook_note or None,
    }


def user_json(user: UserRow) -> Json:
    return {
        "login": user.login,
        "name": user.display_name,
        "email": user.email or None,
        "roles": list(user.roles),
        "active": user.active,
    }


def listed_json(row: Listed) -> Json:
    """An entry of a list the CRM admins edit: a reason or an offer."""
    return {"id": row.id, "name": row.name, "active": row.active}


def outbox_json(row: OutboxRow) -> Json:
    return {
        "id": row.id,
        "account": row.account,
        "customer": row.customer,
        "kind": row.kind,
        "audience": row.audience,
        "recipients": list(row.recipients),
        "cc": list(row.cc),
        "subject": row.subject,
        "status": row.status,
        "created_at": iso(row.created_at),
        "sent_at": iso(row.sent_at),
        "attempts": row.attempts,
        "last_error": row.last_error or None,
        "next_attempt_at": iso(row.next_attempt_at),
        "claimed_by": row.claimed_by or None,
        "handed_over_at": iso(row.handed_over_at),
        "message_id": row.message_id or None,
        "body": row.body,
    }


def task_json(account: str, name: str, task: TaskView) -> Json:
    return {
        "account": account,
        "customer": name,
        "task": task.key,
        "title": task.task.title,
        "party": task.task.party_names,
        "state": task.state.value,
        "due": task.due.at.isoformat() if task.due else None,
        "due_date": task.due.date.isoformat() if task.due else None,
        "relative": task.relative,
        "done_by": task.done.by if task.done else None,
        "done_at": iso(task.done.at) if task.done else None,
        "note": task.done.note if task.done else None,
        "detail": task.detail,
    }


def outcome_json(outcome: Outcome, customer: Json) -> Json:
    """What a change did (reasons set, owner, expiry, mood, cease, close-records, mail), and
    the customer as ``show --json`` prints it afterwards."""
    return {
        "account": outcome.account,
        "message": outcome.message,
        "count": outcome.count,
        "version": outcome.version,
        "customer": customer,
    }


def expiry_json(row: ExpiryRow) -> Json:
    return {"date": row.date.isoformat(), "note": row.note, "future": row.future}


def record_json(account: str, row: RecordRow) -> Json:
    return {
        "account": account,
        "kind": str(row.kind),
        "id": row.id,
        "label": row.label,
        "status": row.status,
        "detail": row.detail,
        "blocking": row.blocking,
    }


def draft_json(which: str, task: str | None, draft: Draft) -> Json:
    return {
        "account": draft.account,
        "customer": draft.customer_name,
        "email": which,
        "task": task,
        "to": draft.recipients,
        "cc": draft.cc,
        "subject": draft.subject,
        "body": draft.body,
        "date": draft.deactivation_date.isoformat() if draft.deactivation_date else None,
        "warnings": list(draft.warnings),
    }


def money(amount: Decimal) -> str:
    """An amount as JSON carries it: a string with two decimals ("1234.50")."""
    return str(amount.quantize(CENT))


def billing_json(data: Billing) -> Json:
    """A customer's billing as the app's Billing screen (b) shows it: the summary line, the
    latest invoices (newest due first) and Billing's notes on the cases with the phrases that
    matter. Amounts are strings with two decimals, so no cent is lost to floating point."""
    summary = data.summary
    return {
        "account": data.account,
        "name": data.name,
        "time_zone": data.time_zone,
        "summary": {
            "line": summary.line(),
            "status": summary.status,
            "invoices": summary.invoices,
            "past_due": summary.past_due,
            "past_due_amount": money(summary.past_due_amount),
            "open_amount": money(summary.open_amount),
        },
        "invoices": [
            {
                "number": invoice.number,
                "issued_on": invoice.issued_on.isoformat(),
                "due_date": invoice.due_date.isoformat(),
                "amount": money(invoice.amount),
                "status": invoice.status,
                "paid_on": invoice.paid_on.isoformat() if invoice.paid_on else None,
                "days_overdue": invoice.days_overdue,
            }
            for invoice in data.invoices
        ],
        "notes": [
            {
                "case_id": note.case_id,
                "subject": note.subject,
                "status": note.status,
                "opened_at": iso(note.opened_at),
                "note": note.note,
                "flags": list(note.phrases),
            }
            for note in data.notes
        ],
    }
