"""Two team leads at once: a stale version is refused with a message to refresh, and two OS
processes on the same database (the same SQLite file, the same PostgreSQL database) neither
process a cancellation twice nor lose each other's changes."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from data import cancellations, termination
from data.db import connection
from data.demo import SAMPLE_GUID, finish_termination
from data.errors import Conflict
from data.models import (
    Asset,
    AuditEvent,
    Cancellation,
    Customer,
    CustomerStatus,
    Expiry,
    OutboxMessage,
)
from tests.conftest import OpenedDatabase
from tests.data.world import LEAD, OTHER, TESS, World

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 60.0  # seconds for the workers to start and open the database
RUN_TIMEOUT = 90.0  # seconds for them to finish once told to go
FUTURE = dt.date.today() + dt.timedelta(days=50)
ACME, FRESH = "500001", "500002"

# ----------------------------------------------------------------------------- stale versions

# Each operation in turn, on the account it changes, with the audit action it writes. The order
# matters: the cancellation of Acme Widgets is ready once its records are resolved and its
# termination timeline worked through (a task ticked and reopened, a sign-off given and
# withdrawn, access deactivated, the data held, approved and purged, the final e-mail queued;
# the rest of the timeline is finished just before Process), and is processed last; Fresh Co is
# then begun and removed.
STALE: list[tuple[str, str, Callable[[World, int], object]]] = [
    (
        "set mood",
        ACME,
        lambda w, v: cancellations.set_mood(LEAD, ACME, "Angry", expected_version=v),
    ),
    (
        "set notify",
        ACME,
        lambda w, v: cancellations.set_notify(LEAD, ACME, [TESS], expected_version=v),
    ),
    (
        "set reasons",
        ACME,
        lambda w, v: cancellations.set_reasons(
            LEAD, ACME, [w.reasons["Price"]], expected_version=v
        ),
    ),
    (
        "choose owner",
        ACME,
        lambda w, v: cancellations.choose_owner(LEAD, ACME, TESS, expected_version=v),
    ),
    (
        "add expiry",
        ACME,
        lambda w, v: cancellations.add_expiry(LEAD, ACME, FUTURE, expected_version=v),
    ),
    (
        "close quotation",
        ACME,
        lambda w, v: cancellations.close_records(
            LEAD, ACME, "quotations", "Lost", expected_version=v
        ),
    ),
    (
        "cease asset",
        ACME,
        lambda w, v: cancellations.cease_assets(
            LEAD, ACME, dt.date(2026, 1, 1), expected_version=v
        ),
    ),
    (
        "confirm step",
        ACME,
        lambda w, v: cancellations.confirm_step(
            LEAD, ACME, "final-amount-email", expected_version=v
        ),
    ),
    (
        "confirm step",
        ACME,
        lambda w, v: cancellations.confirm_step(
            LEAD, ACME, "payment-confirmed", expected_version=v
        ),
    ),
    (
        "confirm step",
        ACME,
        lambda w, v: cancellations.confirm_step(LEAD, ACME, "admin-notified", expected_version=v),
    ),
    (
        "set scenario",
        ACME,
        lambda w, v: cancellations.set_scenario(LEAD, ACME, "non-renewal", expected_version=v),
    ),
    (
        "set scenario",
        ACME,
        lambda w, v: cancellations.set_scenario(LEAD, ACME, "buyout", expected_version=v),
    ),
    (
        "set effective date",
        ACME,
        # today: the purge below waits for the de-provisioning date
        lambda w, v: termination.set_effective_date(LEAD, ACME, "today", expected_version=v),
    ),
    (
        "complete task",
        ACME,
        lambda w, v: termination.complete_task(
            LEAD, ACME, "legal_terms", "Legal (Pat) confirmed", expected_version=v
        ),
    ),
    (
        "reopen task",
        ACME,
        lambda w, v: termination.reopen_task(LEAD, ACME, "legal_terms", expected_version=v),
    ),
    (
        "sign off",
        ACME,
        lambda w, v: termination.sign_off(LEAD, ACME, "finance", "Kim", expected_version=v),
    ),
    (
        "withdraw sign-off",
        ACME,
        lambda w, v: termination.withdraw_sign_off(LEAD, ACME, "finance", expected_version=v),
    ),
    (
        "record deactivation",
        ACME,
        lambda w, v: termination.record_deactivation(LEAD, ACME, SAMPLE_GUID, expected_version=v),
    ),
    (
        "data decision",
        ACME,
        lambda w, v: termination.decide_data(
            LEAD, ACME, "hold", reason="Audit", review_date=FUTURE, expected_version=v
        ),
    ),
    (
        "data decision",
        ACME,
        lambda w, v: termination.decide_data(LEAD, ACME, "approve", expected_version=v),
    ),
    (
        "data purge done",
        ACME,
        lambda w, v: termination.record_purge(LEAD, ACME, expected_version=v),
    ),
    (
        "queue e-mail",
        ACME,
        lambda w, v: termination.queue_task_email(
            LEAD,
            ACME,
            "final_termination_mail",
            "legal@example.com",
            "Termination of Acme Widgets",
            "The data will be purged.",
            expected_version=v,
        ),
    ),
    ("process", ACME, lambda w, v: cancellations.process(LEAD, ACME, expected_version=v)),
    ("begin", FRESH, lambda w, v: cancellations.begin(LEAD, FRESH, expected_version=v)),
    ("remove", FRESH, lambda w, v: cancellations.remove(LEAD, FRESH, expected_version=v)),
]


# The operations that touch one part of the cancellation (data/cancellations/kernel.py): a stale
# version is refused only when that part changed.
NARROW = {
    "set notify",
    "set reasons",
    "choose owner",
    "add expiry",
    "close quotation",
    "cease asset",
    "confirm step",
    "set scenario",
}


def change_behind_their_back(account: str) -> None:
    """Otto changes the customer after the team lead loaded it."""
    with connection():
        live = Customer.get(Customer.account == account).status == CustomerStatus.LIVE
    if live:
        cancellations.begin(OTHER, account)
        cancellations.remove(OTHER, account)
    else:
        cancellations.set_mood(OTHER, account, "Neutral")


def test_a_stale_version_is_refused_with_a_message_to_refresh(world: World) -> None:
    cancellations.begin(LEAD, ACME)
    world.quotation()
    world.asset(start=dt.date(2025, 1, 1))
    world.customer(FRESH, "Fresh Co")

    for action, account, call in STALE:
        if action == "process":
            # Access and data were done by the operations above; the rest of the timeline now.
            finish_termination(LEAD, ACME, leave="access_data")
        loaded = world.version(account)
        change_behind_their_back(account)
        before = world.snapshot()

        if action in NARROW:
            # Otto changed the mood: a change to another part of the cancellation goes through.
            call(world, loaded)
            assert world.actions()[-1] == action
            continue

        with pytest.raises(Conflict) as refused:
            call(world, loaded)

        name = "Fresh Co" if account == FRESH else "Acme Widgets"
        if action == "set mood":  # the part Otto changed too: refused, naming it
            assert re.fullmatch(
                r"The customer mood was changed by Otto Other at \d{4}-\d\d-\d\d \d\d:\d\d "
                r"after you read them\. Nothing was saved\. Refresh to see the change, then try "
                r"again\.",
                str(refused.value),
            ), action
        else:
            assert re.fullmatch(
                rf"{name} was changed by Otto Other at \d{{4}}-\d\d-\d\d \d\d:\d\d after you "
                r"loaded it\. Refresh to see the change, then try again\.",
                str(refused.value),
            ), action
        assert world.snapshot() == before, action

        # After a refresh, the same change goes through.
        call(world, world.version(account))
        assert world.actions()[-1] == action

    assert world.now().status == CustomerStatus.CANCELLED


# ----------------------------------------------------------------------------- two processes


def run_together(location: str, barrier: Path, jobs: dict[str, list[str]]) -> dict[str, Any]:
    """Start a worker process per job, let them all go at once, and return what each printed."""
    barrier.mkdir()
    workers: dict[str, subprocess.Popen[str]] = {}
    try:
        for name, job in jobs.items():
            workers[name] = subprocess.Popen(
                [sys.executable, "-m", "tests.data.worker", location, str(barrier), name, *job],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        deadline = time.monotonic() + READY_TIMEOUT
        while not all((barrier / f"ready-{name}").exists() for name in workers):
            for name, worker in workers.items():
                if worker.poll() is not None:
                    pytest.fail(
                        f"worker {name} ended before it was ready:\n{worker.communicate()[1]}"
                    )
            if time.monotonic() > deadline:
                pytest.fail(f"the workers were not ready within {READY_TIMEOUT} seconds")
            time.sleep(0.01)
        (barrier / "go").touch()
        outputs = {
            name: worker.communicate(timeout=RUN_TIMEOUT) for name, worker in workers.items()
        }
    finally:
        for worker in workers.values():
            if worker.poll() is None:  # a hang: end it, the test has failed already
                worker.kill()
                worker.communicate()
    for name, worker in workers.items():
        assert worker.returncode == 0, f"worker {name} failed:\n{outputs[name][1]}"
    return {name: json.loads(out) for name, (out, _) in outputs.items()}


def test_two_processes_processing_at_once_cancel_exactly_once(
    db: OpenedDatabase, world: World, tmp_path: Path
) -> None:
    world.ready()

    results = run_together(
        db.location,
        tmp_path / "barrier",
        {
            LEAD: ["race", LEAD, world.account, "process"],
            OTHER: ["race", OTHER, world.account, "process"],
        },
    )

    [lead], [other] = results[LEAD], results[OTHER]
    assert sorted([lead["ok"], other["ok"]]) == [False, True]
    winner, loser = (LEAD, other) if lead["ok"] else (OTHER, lead)
    winner_name = {LEAD: "Lena Lead", OTHER: "Otto Other"}[winner]
    assert loser["error"] == "Conflict"
    assert re.search(
        rf"was already cancelled on .* by {winner_name}\. Nothing was changed", loser["message"]
    )
    with connection():
        assert AuditEvent.select().where(AuditEvent.action == "process").count() == 1
        # the final termination e-mail of the timeline, and one notification of Process
        assert sorted(message.kind for message in OutboxMessage.select()) == [
            "cancellation-notification",
            "final-termination-notice",
        ]
        customer = Customer.get_by_id(world.customer_id)
        cancellation = Cancellation.get(Cancellation.customer == customer)
    assert (customer.status, customer.owner.login) == (CustomerStatus.CANCELLED, TESS)
    assert (cancellation.state, cancellation.processed_by.login) == ("processed", winner)


def test_two_processes_beginning_at_once_begin_exactly_once(
    db: OpenedDatabase, world: World, tmp_path: Path
) -> None:
    results = run_together(
        db.location,
        tmp_path / "barrier",
        {
            LEAD: ["race", LEAD, world.account, "begin"],
            OTHER: ["race", OTHER, world.account, "begin"],
        },
    )

    outcomes = [results[LEAD][0], results[OTHER][0]]
    assert sorted(o["ok"] for o in outcomes) == [False, True]
    [loser] = [o for o in outcomes if not o["ok"]]
    assert loser["error"] == "Conflict"
    assert "is already pending cancellation since" in loser["message"]
    with connection():
        assert Cancellation.select().count() == 1
        assert AuditEvent.select().where(AuditEvent.action == "begin").count() == 1
    assert world.now().status == CustomerStatus.PENDING_CANCELLATION
    assert world.version() == 2


@pytest.mark.parametrize("mode", ["plain", "optimistic"])
def test_two_processes_changing_at_once_lose_no_update(
    db: OpenedDatabase, world: World, tmp_path: Path, mode: str
) -> None:
    """Each ceases its own assets one at a time and adds expiries; every change must land.

    In "optimistic" mode each passes the version it read and, told it is stale, reads again."""
    per_worker, expiries = 8, 3
    cancellations.begin(LEAD, world.account)
    ids = [world.asset(f"Asset {n}") for n in range(2 * per_worker)]
    mine, theirs = ids[:per_worker], ids[per_worker:]
    start = world.version()

    results = run_together(
        db.location,
        tmp_path / "barrier",
        {
            LEAD: [
                "changes",
                LEAD,
                world.account,
                "2026-03-01",
                ",".join(map(str, mine)),
                str(expiries),
                mode,
            ],
            OTHER: [
                "changes",
                OTHER,
                world.account,
                "2026-04-01",
                ",".join(map(str, theirs)),
                str(expiries),
                mode,
            ],
        },
    )

    everything = results[LEAD] + results[OTHER]
    assert len(everything) == 2 * (per_worker + expiries)
    assert [r for r in everything if not r["ok"]] == []
    for result in everything:
        for stale in result.get("stale", []):
            assert "Refresh to see the change, then try again." in stale
    with connection():
        ceased = {a.id: (a.live, a.cease_date) for a in Asset.select()}
        notes = sorted(e.note for e in Expiry.select())
        cease_events = sorted(
            e.record_id for e in AuditEvent.select().where(AuditEvent.action == "cease asset")
        )
        expiry_events = AuditEvent.select().where(AuditEvent.action == "add expiry").count()
    assert ceased == {
        **{pk: (False, dt.date(2026, 3, 1)) for pk in mine},
        **{pk: (False, dt.date(2026, 4, 1)) for pk in theirs},
    }
    assert notes == sorted(
        [f"{LEAD} {n}" for n in range(expiries)] + [f"{OTHER} {n}" for n in range(expiries)]
    )
    assert cease_events == sorted(ids)
    assert expiry_events == 2 * expiries
    assert world.version() == start + len(everything)  # each change counted once
