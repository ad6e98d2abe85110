"""The reports' benchmark (issue 16): each report's time on the 100,000-customer database
against a floor measured in the same run — the same rows counted by a hand-written SQL query
through the bare sqlite3 driver — with the target of under 200 ms each on SQLite.

The cached database holds 5,200 cancellations (5,000 processed) but no save attempts: a copy
of it is given 20,000, spread over the measured period, so the save rate reads a real table.
Run alone (``python -m bench.reports``) or as ``bench/run.py --only reports``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench import generate

if TYPE_CHECKING:
    from bench.run import Figure

BACK = ("2026-08-01", "2026-10-31")  # the generated cancellations were processed in October
AHEAD = ("2027-07-01", "2027-09-30")  # their future expiries fall in September 2027
PERIODS = {
    "churn-reasons": BACK,
    "voluntary": BACK,
    "save-rate": BACK,
    "time-to-cancel": BACK,
    "win-back": AHEAD,
}
ATTEMPTS = 20_000
OUTCOMES = ("saved", "lost", "lost", "paused", "downgraded", "open")
TARGET_MS = 200.0

# The floors: the rows each report reads, counted by the database alone.
FLOORS = {
    "churn-reasons": (
        "SELECT COUNT(*) FROM cancellation c "
        "LEFT JOIN cancellation_reason cr ON cr.cancellation_id = c.id "
        "WHERE c.state = 'processed' AND c.processed_at >= ? AND c.processed_at < ?",
        "previous",
    ),
    "voluntary": (
        "SELECT COUNT(*) FROM cancellation c "
        "WHERE c.state = 'processed' AND c.processed_at >= ? AND c.processed_at < ?",
        "previous",
    ),
    "save-rate": (
        "SELECT COUNT(*) FROM save_attempt s WHERE s.at >= ? AND s.at < ?",
        "previous",
    ),
    "time-to-cancel": (
        "SELECT COUNT(*) FROM cancellation c "
        "WHERE (c.processed_at >= ? AND c.processed_at < ?) OR c.state = 'pending'",
        "previous",
    ),
    "win-back": (
        "SELECT COUNT(*) FROM expiry e JOIN customer cu ON cu.id = e.customer_id "
        "WHERE cu.status = 'Cancelled' AND e.date >= ? AND e.date <= ?",
        "period",
    ),
}


def seed_attempts(path: Path, count: int = ATTEMPTS) -> None:
    """Add ``count`` save attempts (deterministic) to the copy at ``path``."""
    rng = random.Random(generate.SEED + 16)
    connection = sqlite3.connect(path)
    try:
        customers = connection.execute("SELECT MAX(id) FROM customer").fetchone()[0]
        users = [row[0] for row in connection.execute('SELECT id FROM "user"')]
        start = dt.datetime(2026, 5, 1)
        span = int((dt.datetime(2026, 11, 1) - start).total_seconds())
        rows = [
            (
                rng.randint(1, customers),
                rng.choice(users),
                str(start + dt.timedelta(seconds=rng.randrange(span))),
                "Price",
                "Discount",
                rng.choice(OUTCOMES),
                "",
            )
            for _ in range(count)
        ]
        with connection:
            connection.executemany(
                "INSERT INTO save_attempt (customer_id, by_id, at, concern, offers, outcome, note) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
    finally:
        connection.close()


def _bounds(name: str) -> tuple[Any, ...]:
    from data.reports import Period

    first, last = (dt.date.fromisoformat(day) for day in PERIODS[name])
    period = Period(first, last)
    if FLOORS[name][1] == "period":
        return (period.start.isoformat(), period.end.isoformat())
    return (str(period.previous.since), str(period.until))


def report_figures(large: Path, work: Path, runs: int) -> list[Figure]:
    """Each report against its floor, on a copy of the large database with save attempts."""
    from bench.run import close_database, figure, paired
    from data.db import SQLITE_PRAGMAS, open_database
    from data.reports import Period, report

    copy = generate.copy_database(large, work / "reports.db")
    open_database(str(copy))  # brings the copy's schema up to date (the retention tables)
    close_database()
    seed_attempts(copy)
    open_database(str(copy), pooled=True)  # as the app opens it
    floor = sqlite3.connect(copy, isolation_level=None)
    for pragma, value in SQLITE_PRAGMAS.items():
        floor.execute(f"PRAGMA {pragma}={value}")
    figures: list[Figure] = []
    try:
        for name, (first, last) in PERIODS.items():
            period = Period(dt.date.fromisoformat(first), dt.date.fromisoformat(last))
            query, bounds = FLOORS[name][0], _bounds(name)

            def ours(name: str = name, period: Period = period) -> object:
                return report(name, period)

            def theirs(query: str = query, bounds: tuple[Any, ...] = bounds) -> object:
                return floor.execute(query, bounds).fetchall()

            mine, floors, ratios = paired(ours, theirs, runs)
            rows = len(report(name, period).table.rows)
            figures += [
                figure(
                    f"10.{name}",
                    f"Report {name} ({period.days} days, {rows} rows), 100,000 customers",
                    "ms",
                    mine,
                    target=f"< {TARGET_MS:.0f} ms",
                    limit=TARGET_MS,
                ),
                figure(
                    f"10.{name}_floor",
                    "  floor: its rows counted by hand-written SQL",
                    "ms",
                    floors,
                ),
                figure(f"10.{name}_ratio", "  report ÷ floor", "×", ratios),
            ]
    finally:
        floor.close()
        close_database()
    return figures


def main(argv: list[str] | None = None) -> int:
    from bench.run import say, table

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--runs", type=int, default=15, help="runs of each report (default 15)")
    parser.add_argument("--db", type=Path, help="a generated database (default: the cached one)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    began = time.perf_counter()
    large = args.db or generate.sqlite_database(generate.FULL, say=say)
    generate.CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=generate.CACHE, prefix="reports-") as scratch:
        found = report_figures(large, Path(scratch), args.runs)
    print(table(found))
    print(f"\n({time.perf_counter() - began:.0f} s)")
    return 0 if all(f.met is not False for f in found) else 1


if __name__ == "__main__":
    sys.exit(main())
