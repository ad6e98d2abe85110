"""Undo (issue 14): a ceased asset, a closed record and a confirmed step are taken back by the
team lead while the cancellation is pending — exactly to what they were, audited — and refused
once it is processed, or when there is nothing to undo."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from data import cancellations
from data.cancellations.records import undo_cease, undo_close
from data.db import connection
from data.errors import Conflict, NotAllowed
from data.models import (
    Asset,
    AuditEvent,
    Cancellation,
    CancellationState,
    Case,
    Opportunity,
    Step,
    User,
)
from tests.data.world import LEAD, VIEWER, World

CEASED = dt.date(2026, 3, 31)


def last_event() -> AuditEvent:
    with connection():
        event: AuditEvent = AuditEvent.select().order_by(AuditEvent.id.desc()).get()
        return event


def test_undo_a_ceased_asset(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    asset = world.asset()
    cancellations.cease_assets(LEAD, world.account, CEASED, [asset])

    done = undo_cease(LEAD, world.account, asset)

    assert done.message == "Undone: 'Seat bundle' is live again, without a cease date."
    restored = Asset.get_by_id(asset)
    assert (restored.live, restored.cease_date) == (True, None)
    event = last_event()
    assert (event.action, event.record_kind, event.record_id) == (
        "undo cease asset",
        "asset",
        asset,
    )
    assert json.loads(event.after) == {"live": True, "cease_date": None}
    assert json.loads(event.before) == {"live": False, "cease_date": "2026-03-31"}
    # Nothing left to undo: the asset is live.
    with pytest.raises(Conflict, match="'Seat bundle' is live: there is no ceasing to undo"):
        undo_cease(LEAD, world.account, asset)


def test_undo_a_closed_record_restores_its_previous_state(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    opportunity = world.opportunity("Negotiation")
    case = world.case("In progress")
    cancellations.close_records(LEAD, world.account, "opportunities", "Lost", [opportunity])
    cancellations.close_cases(LEAD, world.account, [case])

    undo_close(LEAD, world.account, "opportunities", opportunity)
    done = undo_close(LEAD, world.account, "cases", case)

    assert Opportunity.get_by_id(opportunity).stage == "Negotiation"
    reopened = Case.get_by_id(case)
    assert (reopened.status, reopened.closed) == ("In progress", False)
    assert done.message == "Undone: 'Case In progress' is In progress again."
    assert world.actions()[-2:] == ["undo close opportunity", "undo close case"]


def test_a_record_closed_elsewhere_has_nothing_to_undo(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    already = world.opportunity("Won")  # closed in the CRM, not in this cancellation
    before = world.snapshot()
    with pytest.raises(Conflict, match="was not closed in this cancellation"):
        undo_close(LEAD, world.account, "opportunities", already)
    assert world.snapshot() == before


def test_undo_a_confirmed_step(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    cancellations.confirm_step(LEAD, world.account, Step.ADMIN_NOTIFIED, "told in a call")
    cancellations.unconfirm_step(LEAD, world.account, Step.ADMIN_NOTIFIED)
    assert world.actions()[-1] == "take back step"


def test_undo_needs_the_team_lead(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    asset = world.asset()
    cancellations.cease_assets(LEAD, world.account, CEASED, [asset])
    with pytest.raises(NotAllowed, match="cannot undo ceasing an asset"):
        undo_cease(VIEWER, world.account, asset)


def test_undo_is_refused_once_processed(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    asset = world.asset()
    cancellations.cease_assets(LEAD, world.account, CEASED, [asset])
    cancellations.confirm_step(LEAD, world.account, Step.ADMIN_NOTIFIED, "told in a call")
    # Processed (written straight to the table: what Process waits for is not this test's).
    with connection():
        Cancellation.update(
            state=CancellationState.PROCESSED,
            processed_at=dt.datetime(2026, 4, 1, 9, 0),
            processed_by=User.get(User.login == LEAD),
        ).execute()
    before = world.snapshot()

    for undo in (
        lambda: undo_cease(LEAD, world.account, asset),
        lambda: cancellations.unconfirm_step(LEAD, world.account, Step.ADMIN_NOTIFIED),
    ):
        with pytest.raises(Conflict) as refused:
            undo()
        assert str(refused.value) == (
            "Acme Widgets was processed on 2026-04-01 09:00 by Lena Lead: its changes can be "
            "undone only while the cancellation is pending. Nothing was changed."
        )
    assert world.snapshot() == before
