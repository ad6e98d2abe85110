"""Who is told on Process (seed 002), on both backends: any active user and the playbook's
parties that have an address may be chosen; the choice replaces the one before, is audited, and
Process queues the notification to exactly the chosen ones."""

from __future__ import annotations

import json

import pytest

from data import cancellations, notices
from data.db import connection
from data.errors import Conflict, InvalidInput, NotFound
from data.models import AuditEvent, OutboxMessage
from data.playbook import current_playbook
from tests.data.world import GONE, LEAD, OTHER, TESS, VIEWER, World


def test_choices_are_the_active_users_and_the_parties_with_an_address(world: World) -> None:
    cancellations.begin(LEAD, world.account)

    choices = notices.notify_choices(world.account)

    logins = [user.key for user in choices.users]
    assert GONE not in logins  # deactivated, and not chosen
    assert {LEAD, OTHER, TESS, VIEWER} <= set(logins)
    # By default the team lead and the account owner hear of it.
    assert choices.chosen_logins == (LEAD, VIEWER)  # by name: Lena Lead, Vic Viewer
    assert choices.version == world.version()
    parties = {party.key: party for party in choices.parties}
    # The default playbook's parties that have an address; the customer (no address) is not one.
    playbook = current_playbook()
    assert set(parties) == {key for key, party in playbook.parties.items() if party.email}
    assert {"account_team", "legal", "security"} <= set(parties)
    assert "customer" not in parties and "finance" not in parties
    assert parties["legal"].email == "legal@example.com"
    assert parties["legal"].party and not parties["legal"].chosen
    assert choices.chosen_parties == ()


def test_chosen_users_and_parties_are_notified_on_process(world: World) -> None:
    world.ready()
    version = world.version()

    outcome = notices.choose_notified(
        LEAD, world.account, [TESS], ["legal", "security"], expected_version=version
    )

    assert outcome.message == "On Process, Tess Telesales, Legal, Security will be notified."
    assert (outcome.count, outcome.version) == (3, version + 1)
    choices = notices.notify_choices(world.account)
    assert (choices.chosen_logins, choices.chosen_parties) == ((TESS,), ("legal", "security"))
    with connection():
        event = AuditEvent.select().order_by(AuditEvent.id.desc()).first()
    assert event.action == "set notify"
    assert json.loads(event.before) == {"notify": [LEAD, VIEWER], "parties": []}
    assert json.loads(event.after) == {"notify": [TESS], "parties": ["legal", "security"]}

    done = cancellations.process(LEAD, world.account)

    assert "Tess Telesales, Legal, Security will be notified." in done.message
    with connection():
        message = OutboxMessage.get(OutboxMessage.kind == "cancellation-notification")
    assert message.recipients == "tess@example.com, legal@example.com, security@example.com"


def test_nobody_chosen_notifies_nobody(world: World) -> None:
    world.ready()
    outcome = notices.choose_notified(LEAD, world.account, [], [])
    assert outcome.message == "On Process, nobody will be notified."
    done = cancellations.process(LEAD, world.account)
    assert "Nobody was notified" in done.message
    with connection():
        kinds = [m.kind for m in OutboxMessage.select()]
    assert "cancellation-notification" not in kinds


@pytest.mark.parametrize(
    ("logins", "parties", "error", "words"),
    [
        (["ghost"], [], NotFound, "There is no user 'ghost' to notify."),
        ([GONE], [], InvalidInput, "Gus Gone is deactivated and cannot be notified."),
        ([], ["finance"], InvalidInput, "'finance' has no e-mail address"),
        ([], ["board"], InvalidInput, "'board' does not exist. Parties that can be notified:"),
    ],
)
def test_bad_choices_are_refused_and_change_nothing(
    world: World, logins: list[str], parties: list[str], error: type[Exception], words: str
) -> None:
    cancellations.begin(LEAD, world.account)
    version = world.version()
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        notices.choose_notified(LEAD, world.account, logins, parties)
    assert world.version() == version
    assert notices.notify_choices(world.account).chosen_logins == (LEAD, VIEWER)


def test_a_stale_choice_is_refused(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    read = notices.notify_choices(world.account)
    notices.choose_notified(OTHER, world.account, [OTHER], [])
    with pytest.raises(Conflict):
        notices.choose_notified(
            LEAD, world.account, [TESS], ["legal"], expected_version=read.version
        )
    assert notices.notify_choices(world.account).chosen_logins == (OTHER,)


def test_only_a_team_lead_chooses(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    with pytest.raises(Exception, match="role"):
        notices.choose_notified(TESS, world.account, [TESS], [])
