"""What the database itself refuses, whoever writes to it: the rules do not rest on the data
layer's checks alone."""

from __future__ import annotations

import pytest
from peewee import IntegrityError

from data import cancellations
from data.db import database
from data.models import Cancellation, User
from tests.data.world import LEAD, World


def test_a_customer_cannot_have_two_pending_cancellations(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    lead = User.get(User.login == LEAD)

    with pytest.raises(IntegrityError), database.atomic():
        Cancellation.create(
            customer=world.customer_id, previous_status="Live", begun_by=lead, state="pending"
        )

    assert Cancellation.select().where(Cancellation.customer == world.customer_id).count() == 1


def test_finished_cancellations_do_not_count_against_the_one_pending(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    cancellations.remove(LEAD, world.account)
    cancellations.begin(LEAD, world.account)

    states = sorted(
        c.state for c in Cancellation.select().where(Cancellation.customer == world.customer_id)
    )
    assert states == ["pending", "removed"]
