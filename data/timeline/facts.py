"""The facts the timeline reads of each cancellation: hand-ticked tasks, sign-offs and e-mails
written from the plan's templates, read for many cancellations in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from peewee import JOIN

from data import statements
from data.models import (
    Cancellation,
    Completion,
    CompletionKind,
    OutboxMessage,
    OutboxStatus,
    User,
)
from data.timeline.plan import plan_of, playbooks_of

if TYPE_CHECKING:
    from data.playbook.model import Playbook


@dataclass(frozen=True)
class Done:
    """Who did something, when, and what they noted."""

    by: str
    at: dt.datetime
    note: str = ""


@dataclass
class Facts:
    """What has happened on one cancellation that the timeline reads: hand-ticked tasks,
    sign-offs, e-mails written from templates, and the access and data records."""

    tasks: dict[str, Done] = field(default_factory=dict)
    sign_offs: dict[str, Done] = field(default_factory=dict)
    # The latest e-mail queued or sent per outbox kind, with its status.
    emails: dict[str, tuple[str, Done]] = field(default_factory=dict)
    users: dict[int, str] = field(default_factory=dict)


def email_kind(template: str) -> str:
    """The outbox kind of an e-mail written from a plan's template."""
    return template.replace("_", "-")


def read_facts(
    cancellations: Sequence[Cancellation], playbooks: Mapping[int, Playbook] | None = None
) -> dict[int, Facts]:
    """The facts of several cancellations in a few queries, whatever their number; ``playbooks``
    are the cancellations' playbooks by id, when the caller has read them."""
    facts: dict[int, Facts] = {cancellation.id: Facts() for cancellation in cancellations}
    if not facts:
        return facts
    if playbooks is None:
        playbooks = playbooks_of(cancellations)
    ids = [int(pk) for pk in facts]
    rows: Any = statements.select(
        Completion,
        f"timeline.completions.{len(ids)}",
        lambda *wanted: (
            Completion.select(
                Completion.cancellation,
                Completion.kind,
                Completion.key,
                User.display_name,
                Completion.done_at,
                Completion.note,
            )
            .join(User, on=(Completion.done_by == User.id))
            .where(Completion.cancellation.in_(list(wanted)))
        ),
        *ids,
    ).tuples()
    for cancellation_id, kind, key, by, at, note in rows:
        done = Done(str(by), at, str(note))
        if kind == CompletionKind.TASK:
            facts[cancellation_id].tasks[str(key)] = done
        elif kind == CompletionKind.SIGN_OFF:
            facts[cancellation_id].sign_offs[str(key)] = done
    kinds = {
        email_kind(task.template)
        for playbook in {id(p): p for p in playbooks.values()}.values()
        for task in plan_of(playbook).tasks
        if task.template
    }
    if kinds:
        named = sorted(kinds)

        def written(*values: Any) -> Any:
            wanted, plan_kinds = list(values[: len(ids)]), list(values[len(ids) :])
            return (
                OutboxMessage.select(
                    OutboxMessage.cancellation,
                    OutboxMessage.kind,
                    OutboxMessage.status,
                    User.display_name,
                    OutboxMessage.created_at,
                    OutboxMessage.recipients,
                )
                .join(User, JOIN.LEFT_OUTER, on=(OutboxMessage.created_by == User.id))
                .where(
                    OutboxMessage.cancellation.in_(wanted)
                    & OutboxMessage.kind.in_(plan_kinds)
                    & OutboxMessage.status.in_(
                        [OutboxStatus.QUEUED, OutboxStatus.SENDING, OutboxStatus.SENT]
                    )
                )
                .order_by(OutboxMessage.id)
            )

        mails: Any = statements.select(
            OutboxMessage, f"timeline.emails.{len(ids)}.{len(named)}", written, *ids, *named
        ).tuples()
        for cancellation_id, kind, status, by, at, recipients in mails:
            facts[cancellation_id].emails[str(kind)] = (
                str(status),
                Done(str(by or "the app"), at, f"to {recipients}"),
            )
    user_ids = {
        user_id
        for cancellation in cancellations
        for user_id in (
            cancellation.access_deactivated_by_id,
            cancellation.decided_by_id,
            cancellation.purged_by_id,
            cancellation.processed_by_id,
        )
        if user_id is not None
    }
    if user_ids:
        names: Any = (
            User.select(User.id, User.display_name).where(User.id.in_(sorted(user_ids))).tuples()
        )
        shared = {int(pk): str(name) for pk, name in names}
        for one in facts.values():
            one.users = shared
    return facts
