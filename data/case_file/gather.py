"""Reading the case file from the database: ``case_file`` reads everything about one customer's
(latest) cancellation in one connection — the customer, the reasons, the sections and who last
changed each, the timeline tasks, the sign-offs, the data decision, the save attempts and change
requests with their approvals (or the note why no save attempt was made), the e-mails and the
audit trail with its chain check — into a ``CaseFile`` (``data.case_file.model``)."""

from __future__ import annotations

import datetime as dt

from data import clock
from data.case_file.model import NONE, CaseFile, Grid, Letter, Part
from data.db import connection
from data.models import OutboxMessage, User
from data.records import RECORD_KINDS
from data.reports import audit_trail
from data.reports.audit_trail import AuditLine, local_time
from data.retention.models import RetentionNote

# The parts, in order, by the id their HTML section carries.
PARTS = (
    ("customer", "Customer"),
    ("reasons", "Reasons"),
    ("sections", "Sections"),
    ("timeline", "Timeline tasks"),
    ("sign-offs", "Sign-offs"),
    ("data-decision", "Data decision"),
    ("change-request", "Save attempts, change request and approvals"),
    ("emails", "E-mails"),
    ("audit-trail", "Audit trail"),
)
# The audit actions (or record kinds) that change each section, for "last changed by".
SECTION_ACTIONS: dict[str, tuple[str, ...]] = {
    "reasons": ("set reasons",),
    "ownership": ("choose owner",),
    "expiry": ("add expiry", "remove expiry"),
    "timeline": ("complete task", "set effective date"),
    "sign_offs": ("sign off",),
    "access_data": ("record deactivation", "data decision", "data purge done"),
}


def _text(value: object) -> str:
    if value is None or value == "":
        return NONE
    if isinstance(value, dt.datetime):
        return local_time(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value) or NONE
    return str(value)


def _admin(name: str, email: str) -> str:
    if name and email:
        return f"{name} <{email}>"
    return name or email or NONE


def _who_when(by: object, at: dt.datetime | None) -> str:
    if at is None:
        return NONE
    return f"{_text(by)}, {local_time(at)}"


def _last_change(events: list[AuditLine], section: str) -> str:
    actions = SECTION_ACTIONS.get(section, ())
    record = next((kind for key, kind in RECORD_KINDS.items() if str(key) == section), None)
    kind = record.noun if record is not None else None
    found = [
        event
        for event in events
        if event.action in actions or (kind is not None and event.record_kind == kind)
    ]
    if not found:
        return NONE
    return _who_when(found[-1].actor, found[-1].at)


def case_file(account: str) -> CaseFile:
    """Everything about the customer's (latest) cancellation, read in one connection."""
    from data.customers import tool_view

    with connection():
        view = tool_view(account)
        customer = view.customer
        events = list(audit_trail.audit_events(account))
        messages = list(
            OutboxMessage.select()
            .where(OutboxMessage.customer == customer.id)
            .order_by(OutboxMessage.id)
        )
        verdict = audit_trail.verify_chain()
        changes = _change_requests(customer.account)
        if view.cancellation is not None:
            changes[:0] = _no_attempt(view.cancellation.id)
    cancellation = view.cancellation
    termination = view.termination
    parts = {key: Part(key, title) for key, title in PARTS}

    part = parts["customer"]
    part.facts += [
        ("Name", customer.name),
        ("Account", customer.account),
        ("Status", customer.status),
        ("Type", customer.customer_type),
        ("Owner", customer.owner or NONE),
        ("Time zone", customer.time_zone),
        ("Admin", _admin(customer.admin_name, customer.admin_email)),
        ("Billing", customer.billing_status),
        ("Modules", _text(customer.modules)),
    ]
    if cancellation is not None:
        part.facts += [
            ("Cancellation", cancellation.state),
            ("Scenario", cancellation.scenario_name or cancellation.scenario),
            ("Begun", _who_when(cancellation.begun_by, cancellation.begun_at)),
            ("Processed", _who_when(cancellation.processed_by, cancellation.processed_at)),
            ("Case closed", _who_when(cancellation.closed_by, cancellation.closed_at)),
            ("New owner", _text(cancellation.new_owner)),
            ("Notified", _text(cancellation.notify)),
            ("Playbook", cancellation.playbook_name or NONE),
        ]
    else:
        part.notes.append("This customer has no cancellation.")

    part = parts["reasons"]
    if cancellation is not None:
        part.facts += [
            ("Reasons", _text(cancellation.reasons)),
            ("In their words", _text(cancellation.reason_text)),
            ("Extra information", _text(cancellation.extra_information)),
            ("Mood", _text(cancellation.mood)),
        ]
    else:
        part.notes.append("No reasons: there is no cancellation.")

    part = parts["sections"]
    part.grids.append(
        (
            "Every section's final state",
            Grid(
                ("Section", "State", "Summary", "Last changed by"),
                [
                    (s.name, str(s.state), s.summary, _last_change(events, str(s.key)))
                    for s in view.sections
                ],
            ),
        )
    )
    if cancellation is not None and cancellation.steps:
        part.grids.append(
            (
                "Scenario steps confirmed",
                Grid(
                    ("Step", "Done by", "Note"),
                    [
                        (step.title, _who_when(step.by, step.at), step.note or NONE)
                        for step in cancellation.steps
                    ],
                ),
            )
        )

    part = parts["timeline"]
    if termination is not None:
        line = termination.timeline
        part.facts.append(("Effective date", _text(line.effective_date)))
        part.grids.append(
            (
                "Tasks",
                Grid(
                    ("Task", "Party", "Due", "State", "Done by", "Note"),
                    [
                        (
                            task.task.title,
                            task.task.party_names,
                            task.due.absolute() if task.due else NONE,
                            str(task.state),
                            _who_when(task.done.by, task.done.at) if task.done else NONE,
                            (task.done.note if task.done else "") or task.detail or NONE,
                        )
                        for task in line.tasks
                    ],
                ),
            )
        )
    else:
        part.notes.append("No termination timeline.")

    part = parts["sign-offs"]
    if termination is not None and termination.sign_off_list:
        rows = []
        for key, what, who in termination.sign_off_list:
            done = termination.sign_offs.get(key)
            rows.append(
                (
                    what,
                    who,
                    _who_when(done.by, done.at) if done else "not signed",
                    done.note if done and done.note else NONE,
                )
            )
        part.grids.append(("Sign-offs", Grid(("Sign-off", "By", "Signed", "Note"), rows)))
    else:
        part.notes.append("No sign-offs recorded.")

    part = parts["data-decision"]
    if termination is not None:
        part.facts += [
            ("Decision", _text(termination.decision)),
            ("Why", _text(termination.decision_reason)),
            ("Review date", _text(termination.review_date)),
            ("Access deactivated", "yes" if termination.deactivated else "no"),
            ("GUIDs deactivated", _text(termination.guids)),
            ("Data purged", "yes" if termination.purged else "no"),
        ]
        decided = [e for e in events if e.action in ("data decision", "data purge done")]
        for event in decided:
            part.facts.append((event.action.capitalize(), _who_when(event.actor, event.at)))
    else:
        part.notes.append("No data decision: there is no termination case.")

    part = parts["change-request"]
    if changes:
        part.grids += changes
    else:
        part.notes.append("No save attempt nor change request was recorded for this customer.")

    part = parts["emails"]
    for message in messages:
        when = message.sent_at or message.created_at
        part.letters.append(
            Letter(
                str(message.subject),
                str(message.recipients),
                str(message.cc or ""),
                str(message.status),
                local_time(when),
                str(message.body),
            )
        )
    if not messages:
        part.notes.append("No e-mail was queued or sent for this customer.")

    part = parts["audit-trail"]
    part.notes.append(audit_trail.verdict_text(verdict))
    part.grids.append(
        (
            f"{len(events):,} events of this customer, in order",
            Grid(
                ("#", "When", "Who", "What", "Before → after"),
                [(str(e.id), local_time(e.at), e.actor, e.what, e.change_text()) for e in events],
            ),
        )
    )
    return CaseFile(
        customer.account,
        customer.name,
        local_time(clock.now()),
        audit_trail.zone_name(),
        audit_trail.verdict_text(verdict),
        list(parts.values()),
    )


def _no_attempt(cancellation_id: int) -> list[tuple[str, Grid]]:
    """The note on the cancellation why no save attempt was made, with who wrote it when."""
    note = RetentionNote.get_or_none(RetentionNote.cancellation == cancellation_id)
    if note is None:
        return []
    writer = User.get_or_none(User.id == note.by_id)
    by = writer.display_name if writer is not None else "an unknown user"
    return [
        (
            "Why no save attempt was made",
            Grid(("Note", "Written by"), [(str(note.note) or NONE, _who_when(by, note.at))]),
        )
    ]


def _change_requests(account: str) -> list[tuple[str, Grid]]:
    """The save attempts, and each change request with its approval chain and its history
    (data.retention)."""
    from data.retention.attempts import attempts_of
    from data.retention.request_views import requests_of, show_request

    grids: list[tuple[str, Grid]] = []
    attempts = attempts_of(account)
    if attempts:
        grids.append(
            (
                "Save attempts",
                Grid(
                    ("When", "By", "Concern", "Offers", "Outcome", "Note"),
                    [
                        (
                            local_time(a.at),
                            a.by,
                            a.concern or NONE,
                            _text(a.offers),
                            a.outcome,
                            a.note or NONE,
                        )
                        for a in reversed(attempts)
                    ],
                ),
            )
        )
    for listed in reversed(requests_of(account)):
        request = show_request(listed.id)
        grids.append(
            (
                f"Change request {request.id}: {request.kind}, {request.state}",
                Grid(
                    (
                        "Effective",
                        "Ends",
                        "Credit",
                        "Retention",
                        "Created",
                        "Submitted",
                        "Decided",
                        "Notes",
                    ),
                    [
                        (
                            _text(request.effective_date),
                            _text(request.end_date),
                            f"{request.credit:,.2f}",
                            "yes" if request.retention else "no",
                            _who_when(request.created_by, request.created_at),
                            _who_when(request.submitted_by, request.submitted_at),
                            _text(request.decided_at),
                            request.notes or NONE,
                        )
                    ],
                ),
            )
        )
        if request.steps:
            grids.append(
                (
                    f"Change request {request.id}: approvals",
                    Grid(
                        ("Step", "Approver", "State", "By", "Comment"),
                        [
                            (
                                f"{step.number}. {step.label}",
                                step.approver,
                                step.state,
                                _who_when(step.by, step.at),
                                step.comment or NONE,
                            )
                            for step in request.steps
                        ],
                    ),
                )
            )
        if request.history:
            grids.append(
                (
                    f"Change request {request.id}: history",
                    Grid(
                        ("When", "Who", "What"),
                        [
                            (local_time(entry.at), entry.by, entry.action)
                            for entry in request.history
                        ],
                    ),
                )
            )
    return grids
