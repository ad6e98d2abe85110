"""A team lead in a process of its own, for the concurrency tests.

Run as ``python -m tests.data.worker LOCATION BARRIER NAME JOB ARGS...``: it opens the database,
says it is ready (a file ``ready-NAME`` in the BARRIER folder), waits for the file ``go`` so that
every worker starts at the same moment, does its job and prints what happened as JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from data import cancellations, customers
from data.cancellations import Outcome
from data.db import connection, open_database
from data.errors import Conflict, OffboardError

WAIT = 60.0  # seconds to wait for the signal; the test itself gives up long before


def wait_for_go(barrier: Path, name: str) -> None:
    (barrier / f"ready-{name}").touch()
    deadline = time.monotonic() + WAIT
    while not (barrier / "go").exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"{name}: no signal to go within {WAIT} seconds")
        time.sleep(0.001)


def attempt(call: Callable[[], Outcome]) -> dict[str, Any]:
    try:
        outcome = call()
    except OffboardError as error:
        return {"ok": False, "error": type(error).__name__, "message": str(error)}
    return {"ok": True, "message": outcome.message, "version": outcome.version}


def optimistic(account: str, call: Callable[[int], Outcome]) -> dict[str, Any]:
    """Read the version, change with it, and on a stale version read again and retry."""
    stale: list[str] = []
    for _ in range(200):
        version = customers.customer_detail(account).version
        try:
            outcome = call(version)
        except Conflict as error:
            stale.append(str(error))
            continue
        return {"ok": True, "message": outcome.message, "stale": stale}
    return {"ok": False, "error": "gave up", "stale": stale}


def race(login: str, account: str, operation: str) -> list[dict[str, Any]]:
    """One attempt at begin or process: the test starts two at once."""
    chosen = {"begin": cancellations.begin, "process": cancellations.process}[operation]
    return [attempt(lambda: chosen(login, account))]


def changes(
    login: str, account: str, cease_date: str, ids: str, expiries: str, mode: str
) -> list[dict[str, Any]]:
    """Cease each asset on its own, adding an expiry after each of the first few."""
    date = dt.date.fromisoformat(cease_date)
    soon = dt.date.today() + dt.timedelta(days=30)  # expiries must be in the future
    results = []
    for n, pk in enumerate(int(text) for text in ids.split(",")):
        steps: list[Callable[[int | None], Outcome]] = [
            lambda v, pk=pk: cancellations.cease_assets(
                login, account, date, [pk], expected_version=v
            )
        ]
        if n < int(expiries):
            steps.append(
                lambda v, n=n: cancellations.add_expiry(
                    login, account, soon + dt.timedelta(days=n), f"{login} {n}", expected_version=v
                )
            )
        for step in steps:
            if mode == "optimistic":
                results.append(optimistic(account, step))
            else:
                results.append(attempt(lambda step=step: step(None)))
    return results


JOBS: dict[str, Callable[..., list[dict[str, Any]]]] = {"race": race, "changes": changes}


def main(argv: list[str]) -> None:
    location, barrier, name, job, *args = argv
    open_database(location, migrate=False)
    # One connection for the whole job, as an app's worker thread would hold; each operation is
    # still its own transaction.
    with connection():
        wait_for_go(Path(barrier), name)
        print(json.dumps(JOBS[job](*args)))


if __name__ == "__main__":
    main(sys.argv[1:])
