"""The audit trail: every change writes its events, each naming who, which customer and
cancellation, and what was before and after; a refusal writes none. (That the events share the
change's transaction and cannot be altered: test_audit_guards.py.)"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from data import cancellations, users
from data.db import connection
from data.demo import finish_termination
from data.errors import Conflict, NotReady
from data.models import (
    AuditEvent,
    Cancellation,
    Completion,
    CompletionKind,
    DoneBy,
    OutboxMessage,
)
from data.retention.models import SaveAttempt
from data.timeline import SIGN_OFFS, current_plan
from tests.data.world import ADMIN, LEAD, TESS, World

FUTURE = dt.date.today() + dt.timedelta(days=45)
REFUSED = re.escape("The audit trail cannot be changed.")


def events(world: World) -> list[AuditEvent]:
    with connection():
        return list(AuditEvent.select().order_by(AuditEvent.id))


def test_a_whole_cancellation_leaves_a_complete_trail(world: World) -> None:
    a1, a2 = world.asset("One"), world.asset("Two")
    case = world.case()
    opportunity = world.opportunity()

    cancellations.begin(LEAD, world.account)
    cancellations.set_reasons(LEAD, world.account, [world.reasons["Price"]], "Too dear")
    cancellations.choose_owner(LEAD, world.account, TESS)
    cancellations.add_expiry(LEAD, world.account, FUTURE, "Call in a year")
    cancellations.cease_assets(LEAD, world.account, dt.date(2026, 2, 1))
    cancellations.close_cases(LEAD, world.account)
    cancellations.close_records(LEAD, world.account, "opportunities", "Lost")
    cancellations.set_mood(LEAD, world.account, "Neutral")
    cancellations.set_notify(LEAD, world.account, [TESS])
    cancellations.confirm_step(LEAD, world.account, "final-amount-email")
    cancellations.confirm_step(LEAD, world.account, "payment-confirmed", "Paid by card")
    cancellations.confirm_step(LEAD, world.account, "admin-notified", "Told on the phone")
    finish_termination(LEAD, world.account)
    cancellations.process(LEAD, world.account)

    trail = events(world)
    with connection():
        cancellation = Cancellation.get(Cancellation.customer == world.customer_id)
        done = {
            (str(row.kind), str(row.key)): int(row.id)
            for row in Completion.select().where(Completion.cancellation == cancellation.id)
        }
        [email] = OutboxMessage.select().where(OutboxMessage.kind == "final-termination-notice")
        [attempt] = SaveAttempt.select().where(SaveAttempt.customer == world.customer_id)
    # The Retention section cleared by a lost save attempt (finish_termination records it).
    # The timeline: each task ticked by hand or e-mail queued, in the plan's order, then the
    # access, data and sign-off records; one event for each.
    tasks = [
        ("queue e-mail", email.id)
        if task.completed_by == DoneBy.EMAIL
        else ("complete task", done[CompletionKind.TASK, task.key])
        for task in current_plan().tasks
        if task.by_hand or task.completed_by == DoneBy.EMAIL
    ]
    assert [(e.action, e.record_id) for e in trail] == [
        ("begin", None),
        ("set reasons", None),
        ("choose owner", None),
        ("add expiry", trail[3].record_id),
        ("cease asset", a1),
        ("cease asset", a2),
        ("close case", case),
        ("close opportunity", opportunity),
        ("set mood", None),
        ("set notify", None),
        ("confirm step", trail[10].record_id),
        ("confirm step", trail[11].record_id),
        ("confirm step", trail[12].record_id),
        ("save attempt", attempt.id),
        ("set effective date", None),
        *tasks,
        ("record deactivation", None),
        ("data decision", None),
        ("data purge done", None),
        *(("sign off", done[CompletionKind.SIGN_OFF, key]) for key in SIGN_OFFS),
        ("process", None),
    ]
    assert {e.actor.login for e in trail} == {LEAD}
    assert {e.customer_id for e in trail} == {world.customer_id}
    assert {e.cancellation_id for e in trail} == {cancellation.id}
    assert json.loads(trail[1].after) == {
        "extra_information": "",
        "reason_text": "Too dear",
        "reasons": ["Price"],
    }
    assert json.loads(trail[3].after) == {"date": str(FUTURE), "note": "Call in a year"}
    assert json.loads(trail[7].before) == {"stage": "Prospecting"}
    assert json.loads(trail[7].after) == {"stage": "Lost"}
    assert json.loads(trail[11].after) == {"step": "payment-confirmed", "note": "Paid by card"}
    assert json.loads(trail[13].after) == {
        "outcome": "lost",
        "concern": "Leaving whatever we offer.",
        "offers": [],
        "note": "",
    }
    assert json.loads(trail[14].after) == {"effective_date": str(cancellation.effective_date)}
    assert json.loads(trail[-2].after) == {"sign_off": "final", "note": ""}


def test_managing_users_and_reasons_is_audited(world: World) -> None:
    users.add_user(ADMIN, "newbie", "New Bie", "new@example.com", ["customer-cancellation"])
    users.update_user(ADMIN, "newbie", active=False)
    reason = users.add_reason(ADMIN, "Relocated")
    users.retire_reason(ADMIN, reason.id)
    users.retire_reason(ADMIN, reason.id, active=True)

    trail = events(world)
    assert [(e.action, e.record_kind, e.actor.login) for e in trail] == [
        ("add user", "user", ADMIN),
        ("change user", "user", ADMIN),
        ("add reason", "reason", ADMIN),
        ("retire reason", "reason", ADMIN),
        ("restore reason", "reason", ADMIN),
    ]
    assert json.loads(trail[1].before)["active"] is True
    assert json.loads(trail[1].after)["active"] is False


def test_a_refused_operation_writes_no_event(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    world.asset()
    count = len(events(world))

    with pytest.raises(NotReady):
        cancellations.process(LEAD, world.account)
    with pytest.raises(Conflict):
        cancellations.begin(LEAD, world.account)

    assert len(events(world)) == count == 1
