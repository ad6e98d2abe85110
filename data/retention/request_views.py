"""Reading change requests: one request with its approval chain and its history (read from
its audit events), a customer's requests, and the requests waiting for a user's decision, as
``RequestView`` (with ``StepView`` and ``HistoryEntry``)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from data.db import connection
from data.models import AuditEvent, Customer, User
from data.retention.chain import chain_of, waiting_step
from data.retention.models import Approval, ChangeRequest, RequestState
from data.retention.requests import REQUEST_KIND, find_request


@dataclass(frozen=True)
class StepView:
    number: int  # from 1
    key: str
    label: str
    approver: str
    state: str  # approved, rejected, waiting, to come
    by: str | None = None
    at: dt.datetime | None = None
    comment: str = ""


@dataclass(frozen=True)
class HistoryEntry:
    at: dt.datetime
    by: str
    action: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class RequestView:
    id: int
    account: str
    customer_name: str
    kind: str
    state: str
    effective_date: dt.date
    end_date: dt.date | None
    credit: Decimal
    notes: str
    retention: bool
    created_by: str
    created_at: dt.datetime
    submitted_by: str | None
    submitted_at: dt.datetime | None
    decided_at: dt.datetime | None
    round: int
    version: int
    cancellation_id: int | None
    steps: list[StepView] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)

    @property
    def waiting_for(self) -> StepView | None:
        return next((s for s in self.steps if s.state == "waiting"), None)


def _names(ids: set[int | None]) -> dict[int, User]:
    wanted = {i for i in ids if i is not None}
    return {u.id: u for u in User.select().where(User.id.in_(wanted))} if wanted else {}


def _actor(event: AuditEvent) -> int:
    return int(event.__data__["actor"])


def _view(request: ChangeRequest, *, history: bool = False) -> RequestView:
    customer = Customer.get_by_id(request.customer_id)
    decisions = {
        a.step: a
        for a in Approval.select().where(
            (Approval.request == request.id) & (Approval.round == request.round)
        )
    }
    users = _names(
        {request.created_by_id, request.submitted_by_id, *(a.by_id for a in decisions.values())}
    )
    steps = []
    for number, step in enumerate(chain_of(request)):
        decided = decisions.get(number)
        if decided is not None:
            user = users.get(decided.by_id)
            steps.append(
                StepView(
                    number + 1,
                    step.key,
                    step.label,
                    step.approver_words,
                    str(decided.decision),
                    str(user.display_name) if user else None,
                    decided.at,
                    str(decided.comment),
                )
            )
        elif request.state == RequestState.SUBMITTED and number == request.step:
            steps.append(StepView(number + 1, step.key, step.label, step.approver_words, "waiting"))
        else:
            steps.append(StepView(number + 1, step.key, step.label, step.approver_words, "to come"))
    entries: list[HistoryEntry] = []
    if history:
        events = list(
            AuditEvent.select()
            .where((AuditEvent.record_kind == REQUEST_KIND) & (AuditEvent.record_id == request.id))
            .order_by(AuditEvent.id)
        )
        actors = _names({_actor(e) for e in events})
        entries = [
            HistoryEntry(
                e.at,
                str(actors[_actor(e)].display_name) if _actor(e) in actors else "?",
                str(e.action),
                json.loads(str(e.after) or "{}"),
            )
            for e in events
        ]
    creator = users.get(request.created_by_id)
    submitter = users.get(request.submitted_by_id) if request.submitted_by_id else None
    return RequestView(
        int(request.id),
        str(customer.account),
        str(customer.name),
        str(request.kind),
        str(request.state),
        request.effective_date,
        request.end_date,
        Decimal(request.credit),
        str(request.notes),
        bool(request.retention),
        str(creator.display_name) if creator else "?",
        request.created_at,
        str(submitter.display_name) if submitter else None,
        request.submitted_at,
        request.decided_at,
        int(request.round),
        int(request.version),
        request.cancellation_id,
        steps,
        entries,
    )


def show_request(request_id: int) -> RequestView:
    """The request with its chain and its history."""
    with connection():
        return _view(find_request(request_id), history=True)


def requests_of(account: str) -> list[RequestView]:
    """The customer's change requests, latest first."""
    with connection():
        customer = Customer.by_account(account)
        query = (
            ChangeRequest.select()
            .where(ChangeRequest.customer == customer.id)
            .order_by(ChangeRequest.id.desc())
        )
        return [_view(request) for request in query]


def waiting_for(login: str) -> list[RequestView]:
    """The submitted requests waiting for ``login``'s decision now (not their own, nor a round
    they already decided a step of), oldest first."""
    from data import audit

    with connection():
        who = audit.actor(login)
        found = []
        query = (
            ChangeRequest.select()
            .where(ChangeRequest.state == RequestState.SUBMITTED)
            .order_by(ChangeRequest.submitted_at, ChangeRequest.id)
        )
        for request in query:
            step = waiting_step(request)
            if step is None or not step.decides(who):
                continue
            if who.id in (request.created_by_id, request.submitted_by_id):
                continue
            if (
                Approval.select()
                .where(
                    (Approval.request == request.id)
                    & (Approval.round == request.round)
                    & (Approval.by == who.id)
                )
                .exists()
            ):
                continue
            found.append(_view(request))
        return found


__all__ = [
    "HistoryEntry",
    "RequestView",
    "StepView",
    "requests_of",
    "show_request",
    "waiting_for",
]
