"""Conflicts as narrow as the data they touch (issue 14): a colleague's change to another part
of the cancellation does not refuse a save; a change to the same part does, naming who changed
what; a cancellation begun again after the read is refused as strictly as before."""

from __future__ import annotations

import re

import pytest

from data import cancellations
from data.errors import Conflict
from data.models import Cancellation
from tests.data.world import LEAD, OTHER, World


def test_a_scenario_change_does_not_refuse_a_reasons_save(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    read = world.version()  # A opens the reasons form
    cancellations.set_scenario(OTHER, world.account, "non-renewal")  # B changes the scenario

    done = cancellations.set_reasons(
        LEAD, world.account, [world.reasons["Price"]], "Too dear", expected_version=read
    )

    assert done.version == read + 2
    assert world.actions()[-1] == "set reasons"
    assert world.now().version == read + 2


def test_two_reasons_saves_conflict_naming_who_changed_what(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    read = world.version()  # A and B both open the reasons form
    cancellations.set_reasons(OTHER, world.account, [world.reasons["Budget cuts"]])
    before = world.snapshot()

    with pytest.raises(Conflict) as refused:
        cancellations.set_reasons(
            LEAD, world.account, [world.reasons["Price"]], expected_version=read
        )

    assert re.fullmatch(
        r"The reasons were changed by Otto Other at \d{4}-\d\d-\d\d \d\d:\d\d after you read "
        r"them\. Nothing was saved\. Refresh to see the change, then try again\.",
        str(refused.value),
    )
    assert world.snapshot() == before
    # With the version now (a refresh), A's reasons go through.
    cancellations.set_reasons(
        LEAD, world.account, [world.reasons["Price"]], expected_version=world.version()
    )


def test_a_step_conflicts_only_with_its_own_section(world: World) -> None:
    cancellations.begin(LEAD, world.account, scenario="non-renewal")
    read = world.version()
    cancellations.set_mood(OTHER, world.account, "Angry")
    # Another part changed: accepted.
    cancellations.confirm_step(LEAD, world.account, "bill-till-payout", expected_version=read)
    # The same section changed after the read: refused.
    with pytest.raises(Conflict, match="The bill till payout steps were changed by Lena Lead"):
        cancellations.unconfirm_step(
            OTHER, world.account, "bill-till-payout", expected_version=read
        )


def test_a_cancellation_begun_again_after_the_read_is_refused(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    read = world.version()
    cancellations.remove(OTHER, world.account)
    cancellations.begin(OTHER, world.account)

    with pytest.raises(Conflict, match="Acme Widgets was changed by Otto Other"):
        cancellations.set_reasons(
            LEAD, world.account, [world.reasons["Price"]], expected_version=read
        )
    pending = Cancellation.get(Cancellation.state == "pending")
    assert pending.reason_text == ""
