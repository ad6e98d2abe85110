"""Deciding change requests (seed 004): the account manager (or retention) submits a request
(only a retention member when the retention team took part, else the account manager); the
request's approval chain (``data.retention.chain``) then decides it step by step, each step's
approvers e-mailed; the last approval hands it over (and pauses the customer for a pause).
Rejected, it goes back to the submitter, who may edit and submit it again; the submitter may
recall it. While submitted it is locked.

Every refusal is one line and writes nothing; every change is audited (the request's history
is read from its audit events) and bumps the request's version and the customer's."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from string import Template

from peewee import IntegrityError

from data import outbox
from data.cancellations.kernel import CustomerChange, clean_text, pending
from data.errors import Conflict, InvalidInput, NotAllowed, printable
from data.models import Customer, CustomerStatus, Role, User
from data.playbook import current_playbook
from data.retention.chain import (
    ChainStep,
    chain_of,
    step_approvers,
    submission_chain,
    waiting_step,
)
from data.retention.changes import retention_change
from data.retention.models import Approval, ChangeRequest, RequestKind, RequestState, Verdict
from data.retention.requests import (
    KIND_LABELS,
    REQUEST_KIND,
    RequestDone,
    account_of,
    bump,
    find_request,
    locked_request,
    refuse_if_locked,
    request_done,
)

TEMPLATES = Path(__file__).parent / "templates"


# ----------------------------------------------------------------------------- e-mail


def _values(request: ChangeRequest, customer: Customer) -> dict[str, object]:
    return {
        "customer_name": customer.name,
        "account": customer.account,
        "request_id": request.id,
        "kind": KIND_LABELS.get(str(request.kind), str(request.kind)),
        "effective_date": request.effective_date,
        "end_date": request.end_date or "none",
        "credit": f"{Decimal(request.credit):.2f}",
        "notes": str(request.notes) or "(none)",
    }


def render(template: str, values: dict[str, object]) -> tuple[str, str]:
    """A retention e-mail (data/retention/templates): its subject and Markdown body, each value
    put in as text (escaped)."""
    text = (TEMPLATES / f"{template}.md").read_text(encoding="utf-8")
    first, _, rest = text.partition("\n")
    subject = Template(first.removeprefix("Subject:").strip()).substitute(
        {key: printable(str(value)) for key, value in values.items()}
    )
    body = Template(rest.lstrip("\n")).substitute(
        {key: outbox.as_text(value) for key, value in values.items()}
    )
    return " ".join(subject.split()), body.strip() + "\n"


def _mail(
    c: CustomerChange,
    request: ChangeRequest,
    template: str,
    to: Sequence[str],
    extra: dict[str, object],
    cc: Sequence[str] = (),
) -> int:
    """Queue one internal e-mail about the request; none when nobody has an address."""
    addresses = [address for address in to if address]
    if not addresses:
        return 0
    subject, body = render(template, {**_values(request, c.customer), **extra})
    outbox.queue(
        c.customer,
        pending(c.customer),
        template,
        addresses,
        subject,
        body,
        created_by=c.who,
        cc=[address for address in cc if address],
    )
    return 1


def _mail_step(c: CustomerChange, request: ChangeRequest, step: ChainStep) -> None:
    approvers = step_approvers(request, step)
    _mail(
        c,
        request,
        "change_request_approval",
        [str(u.email) for u in approvers],
        {"step_label": step.label, "submitted_by": c.who.display_name},
    )


# ----------------------------------------------------------------------------- operations


def _may_submit(who: User, customer: Customer, request: ChangeRequest) -> None:
    if request.retention:
        if not who.has_any_role(Role.RETENTION):
            # Say who they are: the account manager is refused here too; anyone else is not it.
            why = (
                f"{who.display_name} is {customer.name}'s account manager, not a retention member"
                if who.id == customer.owner_id
                else f"{who.display_name} has no 'retention' role"
            )
            raise NotAllowed(
                f"{who.display_name} cannot submit change request #{request.id}: the retention "
                "team took part, so only a member of the retention team ('retention' role) "
                f"submits it, and {why}. Ask a retention member to submit it."
            )
        return
    if customer.owner_id is not None:
        if who.id != customer.owner_id:
            owner = User.get_by_id(customer.owner_id)
            raise NotAllowed(
                f"{who.display_name} cannot submit change request #{request.id}: without the "
                f"retention team, the account manager ({owner.display_name}) submits it, and "
                f"{who.display_name} is not {customer.name}'s. Ask {owner.display_name} to."
            )
        return
    if not who.has_any_role(Role.ADMIN):
        raise NotAllowed(
            f"{who.display_name} cannot submit change request #{request.id}: "
            f"{customer.name} has no account manager, so a CRM admin submits it."
        )


def submit_request(
    login: str, request_id: int, *, expected_version: int | None = None
) -> RequestDone:
    """Submit a draft (or resubmit a rejected or recalled request): a new round of the chain
    begins and its first step's approvers are e-mailed. Locked from now on."""

    def allowed(who: User, customer: Customer) -> None:
        _may_submit(who, customer, find_request(request_id))

    with retention_change(login, account_of(request_id), allowed=allowed) as c:
        request = locked_request(request_id, expected_version)
        refuse_if_locked(request)
        if request.kind == RequestKind.PAUSE:
            if request.end_date is None:
                raise InvalidInput(
                    f"Change request #{request_id} pauses the contract but has no end date: set "
                    "the date the pause ends (offboard change-request edit "
                    f"{request_id} --end DATE), and a reminder for un-pausing comes with it."
                )
            if c.customer.status != CustomerStatus.LIVE:
                raise Conflict(
                    f"{c.customer.name} is {c.customer.status}: only a Live customer's contract "
                    "can be paused."
                )
        steps = submission_chain(request)
        before = {"state": request.state}
        bump(
            request,
            state=RequestState.SUBMITTED,
            submitted_by=c.who.id,
            submitted_at=c.now,
            round=request.round + 1,
            step=0,
            chain=json.dumps([step.__dict__ for step in steps]),
            decided_at=None,
        )
        request.submitted_by_id = c.who.id
        c.audit(
            "submit change request",
            record_kind=REQUEST_KIND,
            record_id=request.id,
            before=before,
            after={
                "state": RequestState.SUBMITTED,
                "round": request.round,
                "steps": [s.key for s in steps],
            },
        )
        if not steps:  # no step applies: approved as it is
            return _approved(c, request, "no approval step applies")
        _mail_step(c, request, steps[0])
        return request_done(
            c,
            request,
            f"Change request #{request_id} submitted: waiting for {steps[0].label} "
            f"({steps[0].approver_words}).",
        )


def recall_request(
    login: str, request_id: int, *, expected_version: int | None = None
) -> RequestDone:
    """The submitter takes a submitted request back (it may be edited and submitted again)."""

    def allowed(who: User, customer: Customer) -> None:
        request = find_request(request_id)
        if who.id != request.submitted_by_id and not who.has_any_role(Role.ADMIN):
            raise NotAllowed(
                f"{who.display_name} cannot recall change request #{request_id}: only the person "
                "who submitted it may."
            )

    with retention_change(login, account_of(request_id), allowed=allowed) as c:
        request = locked_request(request_id, expected_version)
        if request.state != RequestState.SUBMITTED:
            raise Conflict(
                f"Change request #{request_id} is {request.state}: only a submitted request is "
                "recalled."
            )
        bump(request, state=RequestState.RECALLED)
        c.audit(
            "recall change request",
            record_kind=REQUEST_KIND,
            record_id=request.id,
            before={"state": RequestState.SUBMITTED},
            after={"state": RequestState.RECALLED},
        )
        return request_done(
            c, request, f"Change request #{request_id} recalled: edit it and submit it again."
        )


def _may_decide(who: User, request: ChangeRequest, doing: str) -> ChainStep:
    """The step ``who`` decides now, or the refusal: their own request, twice, out of turn,
    without the role."""
    if request.state != RequestState.SUBMITTED:
        raise Conflict(
            f"Change request #{request.id} is {request.state}, not waiting for approval: "
            "nothing was decided."
        )
    steps = chain_of(request)
    step = waiting_step(request)
    assert step is not None
    if who.id in (request.created_by_id, request.submitted_by_id):
        raise NotAllowed(
            f"{who.display_name} cannot {doing} change request #{request.id}: it is your own "
            "request (you created or submitted it)."
        )
    earlier = Approval.get_or_none(
        (Approval.request == request.id)
        & (Approval.round == request.round)
        & (Approval.by == who.id)
    )
    if earlier is not None:
        raise Conflict(
            f"You already decided step {earlier.step + 1} of change request #{request.id} in this "
            "round: another approver decides the next step."
        )
    if step.decides(who):
        return step
    later = [
        (number, s) for number, s in enumerate(steps) if number > request.step and s.decides(who)
    ]
    if later:
        number, mine = later[0]
        raise Conflict(
            f"Out of turn: change request #{request.id} waits for step {request.step + 1}, "
            f"{step.label} ({step.approver_words}); your step {number + 1}, {mine.label}, comes "
            "after it."
        )
    needed = f"the '{step.role}' role" if step.role else f"{step.approver_words} to decide it"
    raise NotAllowed(
        f"{who.display_name} cannot {doing} step {request.step + 1} ({step.label}) of change "
        f"request #{request.id}: that needs {needed}."
    )


def _record_decision(
    c: CustomerChange, request: ChangeRequest, step: ChainStep, verdict: Verdict, comment: str
) -> None:
    try:
        Approval.create(
            request=request.id,
            round=request.round,
            step=request.step,
            step_key=step.key,
            by=c.who,
            at=c.now,
            decision=verdict,
            comment=comment,
        )
    except IntegrityError:
        raise Conflict(
            f"Step {request.step + 1} of change request #{request.id} was decided by someone "
            "else at the same moment. Refresh to see the decision."
        ) from None


def _approved(c: CustomerChange, request: ChangeRequest, last: str) -> RequestDone:
    """The last step approved: the request is approved, Accounting and the distribution list
    are e-mailed; an approved pause pauses the customer."""
    if request.kind == RequestKind.PAUSE:
        if request.end_date is None:
            raise InvalidInput(
                f"Change request #{request.id} pauses the contract but has no end date: it "
                "cannot be approved without one."
            )
        if c.customer.status != CustomerStatus.LIVE:
            raise Conflict(
                f"{c.customer.name} is {c.customer.status}: only a Live customer's contract can "
                "be paused."
            )
    bump(request, state=RequestState.APPROVED, decided_at=c.now)
    paused = ""
    if request.kind == RequestKind.PAUSE:
        before = {"status": c.customer.status}
        c.bump(status=CustomerStatus.PAUSED)
        c.audit(
            "pause",
            before=before,
            after={"status": CustomerStatus.PAUSED, "until": request.end_date},
            record_kind=REQUEST_KIND,
            record_id=request.id,
        )
        paused = f" {c.customer.name} is Paused until {request.end_date}."
    playbook = current_playbook()
    chain = playbook.approval
    if chain is not None:
        _mail(
            c,
            request,
            "change_request_approved",
            playbook.addresses(chain.distribution),
            {"handover": playbook.party_labels((chain.handover,))},
            cc=playbook.addresses((chain.handover,)),
        )
    c.audit(
        "approve change request",
        record_kind=REQUEST_KIND,
        record_id=request.id,
        before={"state": RequestState.SUBMITTED},
        after={"state": RequestState.APPROVED, "last": last},
    )
    handover = playbook.party_labels((chain.handover,)) if chain is not None else "Accounting"
    return request_done(
        c,
        request,
        f"Change request #{request.id} approved: handed over to {handover}.{paused}",
    )


def approve_request(
    login: str, request_id: int, comment: str = "", *, expected_version: int | None = None
) -> RequestDone:
    """Approve the step a submitted request waits for (as its approver)."""
    text = clean_text(comment, "The comment")

    def allowed(who: User, customer: Customer) -> None:
        _may_decide(who, find_request(request_id), "approve")

    with retention_change(login, account_of(request_id), allowed=allowed) as c:
        request = locked_request(request_id, expected_version)
        step = _may_decide(c.who, request, "approve")
        _record_decision(c, request, step, Verdict.APPROVED, text)
        c.audit(
            "approve step",
            record_kind=REQUEST_KIND,
            record_id=request.id,
            after={"round": request.round, "step": step.key, "comment": text},
        )
        steps = chain_of(request)
        if request.step + 1 >= len(steps):
            return _approved(c, request, step.key)
        bump(request, step=request.step + 1)
        following = steps[request.step]
        _mail_step(c, request, following)
        return request_done(
            c,
            request,
            f"Step {request.step} ({step.label}) of change request #{request_id} approved: "
            f"next, {following.label} ({following.approver_words}).",
        )


def reject_request(
    login: str, request_id: int, comment: str, *, expected_version: int | None = None
) -> RequestDone:
    """Reject a submitted request at its step (with a comment): it goes back to the
    submitter, who may edit it and submit it again."""
    text = clean_text(comment, "The comment")
    if not text:
        raise InvalidInput("Say why the request is rejected: --comment is empty.")

    def allowed(who: User, customer: Customer) -> None:
        _may_decide(who, find_request(request_id), "reject")

    with retention_change(login, account_of(request_id), allowed=allowed) as c:
        request = locked_request(request_id, expected_version)
        step = _may_decide(c.who, request, "reject")
        _record_decision(c, request, step, Verdict.REJECTED, text)
        bump(request, state=RequestState.REJECTED, decided_at=c.now)
        submitter = User.get_or_none(User.id == request.submitted_by_id)
        if submitter is not None:
            _mail(
                c,
                request,
                "change_request_rejected",
                [str(submitter.email)],
                {"step_label": step.label, "decided_by": c.who.display_name, "comment": text},
            )
        c.audit(
            "reject change request",
            record_kind=REQUEST_KIND,
            record_id=request.id,
            before={"state": RequestState.SUBMITTED},
            after={"state": RequestState.REJECTED, "step": step.key, "comment": text},
        )
        return request_done(
            c,
            request,
            f"Change request #{request_id} rejected at {step.label}: it goes back to "
            f"{submitter.display_name if submitter else 'its submitter'}.",
        )


__all__ = ["approve_request", "recall_request", "reject_request", "render", "submit_request"]
