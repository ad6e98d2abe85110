"""The approval chain of a change request: the steps the playbook's chain
(``data.playbook.approval``) gives a request when it is submitted, stored on the request as it
was then (``chain_of``), the step a submitted request waits for, and who may decide a step."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

from data.errors import Conflict
from data.models import User
from data.playbook import current_playbook
from data.playbook.approval import ApprovalChain
from data.retention.models import Approval, ChangeRequest, RequestState


@dataclass(frozen=True)
class ChainStep:
    """A step of a request's round, as stored when it was submitted."""

    key: str
    label: str
    user: str | None
    role: str | None
    user_name: str = ""

    @property
    def approver_words(self) -> str:
        if self.user:
            return self.user_name or self.user
        return f"anyone with the {self.role} role"

    def decides(self, who: User) -> bool:
        if self.user:
            return str(who.login) == self.user
        return self.role is not None and who.has_any_role(self.role)


def chain_of(request: ChangeRequest) -> list[ChainStep]:
    """The steps of the request's round, as stored when it was submitted."""
    return [ChainStep(**item) for item in json.loads(str(request.chain) or "[]")]


def waiting_step(request: ChangeRequest) -> ChainStep | None:
    """The step a submitted request waits for."""
    if request.state != RequestState.SUBMITTED:
        return None
    steps = chain_of(request)
    return steps[request.step] if 0 <= request.step < len(steps) else None


def submission_chain(request: ChangeRequest) -> list[ChainStep]:
    """The steps the playbook's chain gives the request now, as submitting stores them."""
    approval: ApprovalChain | None = current_playbook().approval
    if approval is None:
        raise Conflict(
            "The playbook in force has no approval chain ([approval] with its "
            "[[approval.steps]]): a change request cannot be submitted. Add one to the playbook."
        )
    steps = []
    for step in approval.steps_for(credit=Decimal(request.credit), kind=str(request.kind)):
        name = ""
        if step.user:
            user = User.get_or_none(User.login == step.user)
            if user is None or not user.active:
                raise Conflict(
                    f"The approval step '{step.label}' names the user '{step.user}', who is not an "
                    "active offboard user: fix the playbook or add the user."
                )
            name = str(user.display_name)
        steps.append(ChainStep(step.key, step.label, step.user, step.role, name))
    return steps


def step_approvers(request: ChangeRequest, step: ChainStep) -> list[User]:
    """The active users who may decide ``step`` (not the request's own people)."""
    own = {request.created_by_id, request.submitted_by_id}
    decided = {
        a.by_id
        for a in Approval.select(Approval.by).where(
            (Approval.request == request.id) & (Approval.round == request.round)
        )
    }
    users = User.select().where(User.active == True).order_by(User.login)  # noqa: E712
    return [u for u in users if step.decides(u) and u.id not in own and u.id not in decided]


__all__ = ["ChainStep", "chain_of", "step_approvers", "submission_chain", "waiting_step"]
