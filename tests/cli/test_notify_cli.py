"""``offboard notify`` takes the same choices as the Process confirmation (issue 14): any
active user by login and, with --party, the playbook's parties that have an address; it
replaces the list, --nobody empties it, and a bad choice is one line with exit 1."""

from __future__ import annotations

import json

from data.notices import notify_choices
from tests.cli.conftest import Run

REDWOOD = "100012"  # pending in the demo, begun by the lead


def test_notify_users_and_parties(run: Run, demo_db: str) -> None:
    done = run("notify", REDWOOD, "tess", "--party", "legal", "--party", "security")
    assert done.code == 0, done.err
    assert done.out == "On Process, Tess Okafor, Legal, Security will be notified.\n"
    choices = notify_choices(REDWOOD)
    assert (choices.chosen_logins, choices.chosen_parties) == (("tess",), ("legal", "security"))
    shown = json.loads(run("show", REDWOOD, "--json").out)["cancellation"]
    assert (shown["notify_logins"], shown["notify_parties"]) == (["tess"], ["legal", "security"])

    done = run("notify", REDWOOD, "sam")  # replaces: the parties are gone too
    assert done.code == 0 and done.out == "On Process, Sam Lee will be notified.\n"
    assert notify_choices(REDWOOD).chosen_parties == ()

    done = run("notify", REDWOOD, "--nobody")
    assert done.out == "On Process, nobody will be notified.\n"
    assert notify_choices(REDWOOD).chosen_logins == ()


def test_a_party_without_an_address_is_refused_in_one_line(run: Run, demo_db: str) -> None:
    done = run("notify", REDWOOD, "sam", "--party", "finance")
    assert done.code == 1
    assert done.out == ""
    assert len(done.err.strip().splitlines()) == 1
    assert "The playbook's party 'finance' has no e-mail address" in done.err
    assert "Parties that can be notified: " in done.err and "legal" in done.err
    assert notify_choices(REDWOOD).chosen_logins == ("lead", "sam")  # nothing changed
