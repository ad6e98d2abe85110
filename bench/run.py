"""offboard's benchmark: is the app still instant on a team lead's large CRM?

    python bench/run.py                   # SQLite; builds (then caches) the large database
    python bench/run.py --postgres postgresql://postgres@127.0.0.1:5432/test

Prints one line per figure (median of several runs, with min and max, beside its target) and
writes them all to bench/results/latest.json. Timings depend on the machine and on what else it
is doing; the targets are for the project's 2-core machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import generate  # noqa: E402
from bench.floor import Floor  # noqa: E402
from bench.generate import FULL, LEAD, SMALL, make_ready  # noqa: E402
from data import cancellations, customers, records, rules  # noqa: E402
from data.chain import event_hash  # noqa: E402
from data.customer_search import LIST_COUNT_LIMIT  # noqa: E402
from data.db import SQLITE_PRAGMAS, connection, database, open_database  # noqa: E402
from data.models import AuditEvent, Cancellation, Customer, User  # noqa: E402
from data.retention.sections import latest_attempt, linked_request, retention_note  # noqa: E402
from data.sections import SectionKey  # noqa: E402
from data.timeline.facts import read_facts  # noqa: E402

RESULTS = ROOT / "bench" / "results"
PARTS = ("data", "bulk", "process", "app")
PROBE = ROOT / "bench" / "app_probe.py"
# Searches as a team lead types them: a name, then an account number, 1 to 3 characters.
NAME_SEARCH = "mer"
# A word inside a name ("Meridian Health Partners"), as typed: the search finds any word's start.
WORD_SEARCH = "health"
ACCOUNT_SEARCH = FULL.large_account[:3]
SEARCH_LIMIT_MS = 16.0


@dataclass
class Figure:
    """One line of the table."""

    key: str
    measure: str
    unit: str
    median: float
    low: float
    high: float
    runs: int
    target: str = ""
    met: bool | None = None
    note: str = ""
    samples: list[float] = field(default_factory=list)


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def figure(
    key: str,
    measure: str,
    unit: str,
    samples: Sequence[float],
    *,
    target: str = "",
    limit: float | None = None,
    note: str = "",
) -> Figure:
    """A figure from its samples; ``limit`` is the largest median that meets the target."""
    median = statistics.median(samples)
    return Figure(
        key,
        measure,
        unit,
        median,
        min(samples),
        max(samples),
        len(samples),
        target,
        None if limit is None else median <= limit,
        note,
        [round(value, 4) for value in samples],
    )


def against_floor(
    keys: tuple[str, str, str],
    measures: tuple[str, str, str],
    timings: tuple[list[float], list[float], list[float]],
) -> list[Figure]:
    """The data layer's figure, its floor's, and their ratio, held to the 1.5× target."""
    ours, theirs, ratios = timings
    return [
        figure(keys[0], measures[0], "ms", ours),
        figure(keys[1], measures[1], "ms", theirs),
        figure(keys[2], measures[2], "×", ratios, target="≤ 1.5×", limit=1.5),
    ]


def elapsed_ms(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def paired(
    data_layer: Callable[[], object], floor: Callable[[], object], runs: int
) -> tuple[list[float], list[float], list[float]]:
    """Time both, back to back in alternating order so a busy moment hits both; returns the
    data layer's times, the floor's, and each pair's ratio."""
    data_layer()
    floor()
    ours: list[float] = []
    theirs: list[float] = []
    for run in range(runs):
        if run % 2:
            theirs.append(elapsed_ms(floor))
            ours.append(elapsed_ms(data_layer))
        else:
            ours.append(elapsed_ms(data_layer))
            theirs.append(elapsed_ms(floor))
    return ours, theirs, [a / b for a, b in zip(ours, theirs, strict=True)]


# ----------------------------------------------------------------------------- (1) (2) (3)


def data_layer_figures(
    floor: Floor, runs: int, label: str, page: int, *, check: bool = True
) -> list[Figure]:
    """Sections, blocking records and search, on the open database, against ``floor``."""
    account = FULL.large_account
    figures: list[Figure] = []

    def evaluate() -> list[rules.Section]:
        # "The one call that evaluates every section", with the customer and its cancellation
        # read first (the floor reads them too), in a connection of its own as a worker has it.
        with connection():
            customer = Customer.by_account(account)
            return rules.evaluate(customer, rules.current_cancellation(customer))

    def tool_view() -> customers.ToolView:
        # As the Cancellation Tool's worker calls it: in a connection of its own.
        with connection():
            return customers.tool_view(account)

    with connection():
        customer = Customer.get(Customer.account == account)
    if check:
        _check_sections(tool_view(), floor.sections(account))
        _check_sections(tool_view(), floor.tool_reads(account))
        _check_progress(account, floor.sections(account))
        _check_progress(account, floor.tool_reads(account))
        _check_retention(tool_view(), account, floor.sections(account))
        _check_retention(tool_view(), account, floor.tool_reads(account))

    figures += against_floor(
        ("1.evaluate", "1.floor", "1.evaluate_ratio"),
        (
            f"Sections, large customer: rules.evaluate ({label})",
            f"  floor: the same reads, by hand ({label})",
            f"  rules.evaluate ÷ floor ({label})",
        ),
        paired(evaluate, lambda: floor.sections(account), runs),
    )
    figures += against_floor(
        ("1.tool_view", "1.tool_floor", "1.tool_ratio"),
        (
            f"Sections and details: tool_view ({label})",
            f"  floor: the same reads, by hand ({label})",
            f"  tool_view ÷ floor ({label})",
        ),
        paired(tool_view, lambda: floor.tool_reads(account), runs),
    )

    def blocking() -> list[records.RecordRow]:
        with connection():
            return records.blocking_records(customer.id, SectionKey.ASSETS, limit=100)

    if check:
        found = [row.id for row in blocking()]
        expected = floor.blocking_assets(customer.id)
        if found != expected:
            raise SystemExit(f"blocking_records and the floor disagree: {found[:5]} {expected[:5]}")
    figures += against_floor(
        ("2.blocking", "2.floor", "2.ratio"),
        (
            f"Blocking assets, first 100: blocking_records ({label})",
            f"  floor: the same keyset query by hand ({label})",
            f"  blocking_records ÷ floor ({label})",
        ),
        paired(blocking, lambda: floor.blocking_assets(customer.id), runs),
    )

    def listing(term: str) -> Callable[[], object]:
        # What the list's worker runs for a new search: the first page and the count.
        def run() -> object:
            with connection():
                rows = customers.customer_page(term, None, limit=page)
                return rows, customers.customer_count(term, None, up_to=LIST_COUNT_LIMIT)

        return run

    searches = (("name", NAME_SEARCH, (1, 2, 3)), ("account", ACCOUNT_SEARCH, (1, 2, 3)))
    searches += (("word", WORD_SEARCH, (1, 3, 6)),)
    for kind, text, lengths in searches:
        for length in lengths:
            term = text[:length]
            search = listing(term)
            search()
            samples = [elapsed_ms(search) for _ in range(runs)]
            figures.append(
                figure(
                    f"3.{kind}{length}",
                    f"Search {kind} {term!r}: page of {page} + count ({label})",
                    "ms",
                    samples,
                    target=f"< {SEARCH_LIMIT_MS:.0f} ms",
                    limit=SEARCH_LIMIT_MS,
                )
            )
    return figures


def _check_sections(view: customers.ToolView, floor: dict[str, Any]) -> None:
    """The floor must count what the data layer counts, or the comparison means nothing."""
    by_key = {section.key: section for section in view.sections}
    for kind, (total, blocking) in floor["records"].items():
        section = by_key[kind]
        if (section.total, section.blocking) != (total, blocking):
            raise SystemExit(
                f"The floor counts {kind} as {total}/{blocking}, the data layer as "
                f"{section.total}/{section.blocking}."
            )
    if by_key[SectionKey.EXPIRY].total != floor["expiries"]:
        raise SystemExit("The floor and the data layer disagree on the future expiries.")
    if view.cancellation is not None:
        if tuple(name for _, name in floor["reasons"]) != view.cancellation.reasons:
            raise SystemExit("The floor and the data layer disagree on the reasons.")
        if "notify" in floor and tuple(name for name, _ in floor["notify"]) != (
            view.cancellation.notify
        ):
            raise SystemExit("The floor and tool_view disagree on the notify list.")
    billing = view.billing
    if (
        "invoices" in floor
        and billing is not None
        and int(floor["invoices"][0]) != billing.invoices
    ):
        raise SystemExit("The floor and tool_view disagree on the invoices.")


def _check_progress(account: str, floor: dict[str, Any]) -> None:
    """The floor's steps, notices and timeline facts are the data layer's."""
    with connection():
        customer = Customer.get(Customer.account == account)
        cancellation = rules.current_cancellation(customer)
        if cancellation is None:
            return
        steps = rules.steps_done(cancellation)
        notices = [rules.latest_notice(cancellation, sent=sent) for sent in (True, False)]
        facts = read_facts([cancellation])[cancellation.id]
    seen = (
        sorted(str(row[0]) for row in floor["steps"]),
        [None if row is None else int(row[0]) for row in (floor["sent_notice"], floor["notice"])],
        len(floor["completions"]),
        {str(row[0]) for row in floor["emails"]},
    )
    expected = (
        sorted(steps),
        [None if notice is None else int(notice.id) for notice in notices],
        len(facts.tasks) + len(facts.sign_offs),
        set(facts.emails),
    )
    if seen != expected:
        raise SystemExit(f"The floor reads {seen} of the progress, the data layer {expected}.")


def _check_retention(view: customers.ToolView, account: str, floor: dict[str, Any]) -> None:
    """The floor's retention note, latest save attempt and linked cancel request are the data
    layer's, and the tool shows the Retention and Approval sections they make."""
    with connection():
        customer = Customer.get(Customer.account == account)
        cancellation = rules.current_cancellation(customer)
        pending = cancellation is not None and cancellation.state == "pending"
        note = retention_note(int(cancellation.id)) if pending and cancellation else None
        attempt = latest_attempt(int(customer.id)) if note is None else None
        author = User.get_or_none(User.id == attempt.by_id) if attempt is not None else None
        request = linked_request(cancellation) if pending and cancellation else None
    seen = (
        None if floor["retention_note"] is None else str(floor["retention_note"][0]),
        None if floor["attempt"] is None else tuple(floor["attempt"][i] for i in (0, 1, 3)),
        None if floor["request"] is None else (int(floor["request"][0]), str(floor["request"][1])),
    )
    expected = (
        note,
        None
        if attempt is None
        else (int(attempt.id), str(attempt.outcome), author.display_name if author else None),
        None if request is None else (int(request.id), str(request.state)),
    )
    if seen != expected:
        raise SystemExit(f"The floor reads {seen} of retention, the data layer {expected}.")
    keys = {section.key for section in view.sections}
    if SectionKey.RETENTION not in keys or (SectionKey.APPROVAL in keys) != (
        floor["request"] is not None
    ):
        raise SystemExit("The floor and tool_view disagree on the Retention and Approval sections.")


# ----------------------------------------------------------------------------- (7) bulk changes

BULK_LIMIT = 1.5


def bulk_figures(floor: Floor, runs: int, label: str, *, check: bool = True) -> list[Figure]:
    """Cease 10,000 assets and close 10,000 cases of the large customer, through the data layer
    and by the floor, on a private copy of the database. Before each timed change every one of
    those records is made open again (not timed)."""
    account = FULL.large_account
    with connection():
        customer = Customer.get(Customer.account == account)
        pending = Cancellation.get(
            (Cancellation.customer == customer) & (Cancellation.state == "pending")
        )
        lead = User.get(User.login == LEAD)
    ids = (int(customer.id), int(lead.id), int(pending.id))
    true, false = ("1", "0") if floor.dialect == "sqlite" else ("TRUE", "FALSE")
    owned = f"WHERE customer_id = {ids[0]}"
    reopen = {
        SectionKey.ASSETS: f"UPDATE asset SET live = {true}, cease_date = NULL {owned}",
        SectionKey.CASES: f"UPDATE \"case\" SET closed = {false}, status = 'Open' {owned}",
    }
    today = dt.date.today()
    changes: dict[SectionKey, tuple[Callable[[], object], Callable[[], int]]] = {
        SectionKey.ASSETS: (
            lambda: cancellations.cease_assets(LEAD, account, today),
            lambda: floor.cease_assets(*ids, today),
        ),
        SectionKey.CASES: (
            lambda: cancellations.close_records(LEAD, account, SectionKey.CASES, "Closed"),
            lambda: floor.close_cases(*ids),
        ),
    }
    figures: list[Figure] = []
    for section, (ours, theirs) in changes.items():

        def opened(
            action: Callable[[], object], section: SectionKey = section
        ) -> Callable[[], float]:
            def timed() -> float:
                floor.cursor.execute(reopen[section])
                gc.collect()
                return elapsed_ms(action)

            return timed

        if check:
            _check_bulk(floor, opened(ours), opened(theirs))
        mine: list[float] = []
        floors: list[float] = []
        for run in range(runs):
            if run % 2:
                floors.append(opened(theirs)())
                mine.append(opened(ours)())
            else:
                mine.append(opened(ours)())
                floors.append(opened(theirs)())
        noun, operation = {
            SectionKey.ASSETS: ("Cease 10,000 assets", "cease_assets"),
            SectionKey.CASES: ("Close 10,000 cases", "close_records"),
        }[section]
        figures += against_floor(
            (f"7.{section}", f"7.{section}_floor", f"7.{section}_ratio"),
            (
                f"{noun}: {operation} ({label})",
                f"  floor: executemany UPDATE + multi-row audit INSERT ({label})",
                f"  {operation} ÷ floor ({label})",
            ),
            (mine, floors, [a / b for a, b in zip(mine, floors, strict=True)]),
        )
    return figures


AUDITED = ("actor_id", "customer_id", "cancellation_id", "action", "record_kind", "record_id")


def _check_bulk(floor: Floor, ours: Callable[[], float], theirs: Callable[[], float]) -> None:
    """Both change the same 10,000 records and write the same audit rows, chained on."""

    def written() -> list[tuple[Any, ...]]:
        columns = ", ".join([*AUDITED, "before", "after", "previous_hash", "event_hash"])
        floor.cursor.execute(
            f"SELECT {columns} FROM audit_event ORDER BY id DESC LIMIT {FULL.large_each + 1}"
        )
        return list(reversed(floor.cursor.fetchall()))

    ours()
    mine = written()
    theirs()
    floors = written()
    if [row[:8] for row in mine[1:]] != [row[:8] for row in floors[1:]]:
        raise SystemExit("The floor's audit rows are not the data layer's.")
    if len(floors) != FULL.large_each + 1 or floors[1][8] != mine[-1][9]:
        raise SystemExit("The floor did not chain its audit rows on the data layer's.")
    for row in floors[1:]:
        content = dict(zip([*AUDITED, "before", "after"], row[:8], strict=True))
        with connection():
            stored = AuditEvent.get(AuditEvent.event_hash == row[9])
        if event_hash(row[8], {**content, "at": stored.at}) != row[9]:
            raise SystemExit("A hash the floor wrote does not hold.")
        break  # one row is enough to show the hash is the chain's; the rest follow the same code


# ----------------------------------------------------------------------------- (6) process


def _process(account: str) -> None:
    outcome = cancellations.process(LEAD, account)
    if "is Cancelled" not in outcome.message:
        raise SystemExit(f"Process did not cancel the large customer: {outcome.message}")


def close_database() -> None:
    db: Any = database.obj
    if db is None:
        return
    db.close()
    close_all = getattr(db, "close_all", None)  # a pooled database keeps idle connections
    if close_all is not None:
        close_all()


def process_figure_sqlite(source: Path, runs: int, work: Path) -> Figure:
    """Process on private copies of the large database, made ready once (not timed)."""
    ready = generate.copy_database(source, work / "ready.db")
    open_database(str(ready))
    make_ready(FULL.large_account)
    database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    close_database()
    samples = []
    for _ in range(runs):
        copy = generate.copy_database(ready, work / "process.db")
        open_database(str(copy), pooled=True)  # as the app opens it
        with connection():
            database.execute_sql("SELECT COUNT(*) FROM customer").fetchone()  # open, as the app has
        samples.append(elapsed_ms(lambda: _process(FULL.large_account)))
        close_database()
    return figure(
        "6.process",
        "Process the large customer, all clear (sqlite)",
        "ms",
        samples,
        target="< 1000 ms",
        limit=1000,
    )


# ----------------------------------------------------------------------------- (4) (5) the app


# Starts of the app that failed before the list was drawn, with the last line of each error.
CRASHES: list[str] = []
ATTEMPTS = 10  # the app sometimes fails at start (see CRASHES); a sample is retried


def probe_app(location: Path, login: str) -> dict[str, float]:
    """Start the app in a new process; seconds from process start to the list drawn, and peak
    RSS. A start that fails before the list is drawn is noted in CRASHES and tried again."""
    for _ in range(ATTEMPTS):
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, str(PROBE), str(location), login],
            capture_output=True,
            text=True,
            timeout=180,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        printed = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if printed:
            result = json.loads(printed[-1])
            return {
                "seconds": float(result["drawn_at"]) - started,
                "peak_mb": int(result["VmHWM"]) / 1024,
                "rows": float(result["rows"]),
            }
        # Failed before the list was drawn: keep the error's last line and start again.
        last = next(
            (
                line.removeprefix("app_probe: the app failed: ")
                for line in done.stderr.splitlines()
                if line.startswith("app_probe:")
            ),
            done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "no output",
        )
        CRASHES.append(f"{location.name}: {last.strip()}")
        say(f"  the app failed before drawing the list ({last.strip()}); starting it again")
    raise SystemExit(f"The app failed {ATTEMPTS} times on {location}:\n{done.stderr[-3000:]}")


def app_figures(large: Path, small: Path, empty: Path, runs: int) -> list[Figure]:
    starts: dict[str, list[float]] = {"large": [], "empty": []}
    peaks: dict[str, list[float]] = {"large": [], "small": []}
    ratios_start: list[float] = []
    ratios_memory: list[float] = []
    probe_app(empty, LEAD)  # warm the interpreter's files into the page cache first
    for run in range(runs):
        order = [("large", large), ("empty", empty), ("small", small)]
        if run % 2:
            order.reverse()
        seen = {name: probe_app(path, LEAD) for name, path in order}
        if seen["large"]["rows"] < 1:
            raise SystemExit("The app drew no customers from the large database.")
        starts["large"].append(seen["large"]["seconds"])
        starts["empty"].append(seen["empty"]["seconds"])
        peaks["large"].append(seen["large"]["peak_mb"])
        peaks["small"].append(seen["small"]["peak_mb"])
        ratios_start.append(seen["large"]["seconds"] / seen["empty"]["seconds"])
        ratios_memory.append(seen["large"]["peak_mb"] / seen["small"]["peak_mb"])
        say(
            f"  app run {run + 1}/{runs}: large {seen['large']['seconds']:.2f} s, "
            f"empty {seen['empty']['seconds']:.2f} s; peak {seen['large']['peak_mb']:.1f} MB "
            f"vs {seen['small']['peak_mb']:.1f} MB"
        )
    return [
        figure("4.large", "App start to list drawn, large db", "s", starts["large"]),
        figure("4.empty", "App start to list drawn, empty db", "s", starts["empty"]),
        figure(
            "4.ratio",
            "App start: large ÷ empty",
            "×",
            ratios_start,
            target="≤ 1.2×",
            limit=1.2,
        ),
        figure("5.large", "Peak RSS, list on large db", "MB", peaks["large"]),
        figure("5.small", "Peak RSS, list on 1,000-customer db", "MB", peaks["small"]),
        figure(
            "5.ratio",
            "Peak RSS: large ÷ 1,000 customers",
            "×",
            ratios_memory,
            target="≤ 1.1×",
            limit=1.1,
        ),
    ]


def startup_figures(runs: int) -> list[Figure]:
    """bench/startup.py's figures: the app's start to its list drawn and its peak memory, each
    beside a bare Textual app's (Header + DataTable of 50 rows + Footer), as ratios."""
    from bench import startup

    seen = startup.measure(runs)

    def one(key: str, measure: str, unit: str, value: float, **target: Any) -> Figure:
        return figure(key, measure, unit, [value], **target, note=f"median of {runs} each")

    return [
        one(
            "4.start_app", "App start to list drawn, demo db (startup.py)", "s", seen["app_seconds"]
        ),
        one("4.start_bare", "  bare Textual app to first paint", "s", seen["bare_seconds"]),
        one(
            "4.start_ratio",
            "  app start ÷ bare Textual app",
            "×",
            seen["time_ratio"],
            target=f"≤ {startup.TIME_TARGET}×",
            limit=startup.TIME_TARGET,
        ),
        one("5.peak_app", "Peak RSS, app on demo db (startup.py)", "MB", seen["app_peak_mib"]),
        one("5.peak_bare", "  bare Textual app", "MB", seen["bare_peak_mib"]),
        one(
            "5.peak_ratio",
            "  app peak ÷ bare Textual app",
            "×",
            seen["memory_ratio"],
            target=f"≤ {startup.MEMORY_TARGET}×",
            limit=startup.MEMORY_TARGET,
        ),
    ]


# ----------------------------------------------------------------------------- PostgreSQL


@contextmanager
def throwaway_postgres(url: str) -> Iterator[Callable[[str], str]]:
    """Databases made on the server of ``url`` for this run, each dropped at the end.
    Yields a function that makes one (copied from a template when given) and returns its URL."""
    import psycopg2  # type: ignore[import-untyped]

    parsed = urlparse(url)
    admin = psycopg2.connect(url)
    admin.autocommit = True
    made: list[str] = []

    def make(template: str = "") -> str:
        name = f"offboard_bench_{os.getpid()}_{len(made)}"
        with admin.cursor() as cursor:
            copy = f' TEMPLATE "{template}"' if template else ""
            cursor.execute(f'CREATE DATABASE "{name}"{copy}')
        made.append(name)
        return urlunparse(parsed._replace(path=f"/{name}"))

    try:
        yield make
    finally:
        close_database()
        with admin.cursor() as cursor:
            for name in reversed(made):
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def postgres_figures(
    url: str, runs: int, process_runs: int, page: int, parts: set[str], bulk_runs: int
) -> list[Figure]:
    import psycopg2

    figures: list[Figure] = []
    with throwaway_postgres(url) as make:
        target = make("")
        say("building the large database on PostgreSQL (COPY)…")
        started = time.perf_counter()
        generate.build_postgres(target, FULL)
        say(f"  built in {time.perf_counter() - started:.0f} s")
        if "data" in parts:
            open_database(target, pooled=True)  # as the app opens it
            floor_connection = psycopg2.connect(target)
            floor_connection.autocommit = True
            try:
                figures += data_layer_figures(Floor(floor_connection, "postgres"), runs, "pg", page)
            finally:
                floor_connection.close()
                close_database()
        if "bulk" in parts:
            say("timing bulk changes on a copy of the large database (pg)…")
            copy = make(urlparse(target).path.lstrip("/"))
            open_database(copy, pooled=True)
            floor_connection = psycopg2.connect(copy)
            floor_connection.autocommit = True
            try:
                figures += bulk_figures(Floor(floor_connection, "postgres"), bulk_runs, "pg")
            finally:
                floor_connection.close()
                close_database()
        if "process" not in parts:
            return figures
        # Process needs a fresh copy each run: a template copy of the database made ready once.
        ready_url = make(urlparse(target).path.lstrip("/"))
        open_database(ready_url)
        make_ready(FULL.large_account)
        close_database()
        ready = urlparse(ready_url).path.lstrip("/")
        samples = []
        for _ in range(process_runs):
            copy = make(ready)
            open_database(copy, pooled=True)
            with connection():
                database.execute_sql("SELECT COUNT(*) FROM customer").fetchone()
            samples.append(elapsed_ms(lambda: _process(FULL.large_account)))
            close_database()
        figures.append(
            figure(
                "6.process_pg",
                "Process the large customer, all clear (pg)",
                "ms",
                samples,
                target="< 1000 ms",
                limit=1000,
            )
        )
    return figures


# ----------------------------------------------------------------------------- output


def list_page_size() -> int:
    """The page the customer list asks for (100 unless the screen says otherwise)."""
    try:
        from screens.customer_list import PAGE
    except ImportError:
        return customers.PAGE
    return int(PAGE)


def show(value: float, unit: str) -> str:
    if unit == "ms":
        return f"{value:.2f} ms" if value < 100 else f"{value:.0f} ms"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "MB":
        return f"{value:.1f} MB"
    return f"{value:.2f}×"


def table(figures: Sequence[Figure]) -> str:
    header = ("Measure", "Median", "Min", "Max", "Target", "Met?")
    rows = [
        (
            f.measure,
            show(f.median, f.unit),
            show(f.low, f.unit),
            show(f.high, f.unit),
            f.target or "—",
            "" if f.met is None else ("yes" if f.met else "NO"),
        )
        for f in figures
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(header))]
    lines.append("  ".join("-" * width for width in widths))
    lines += ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) for row in rows]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--runs", type=int, default=15, help="runs per data-layer figure")
    parser.add_argument("--app-runs", type=int, default=7, help="app starts per database")
    parser.add_argument("--process-runs", type=int, default=5, help="Process runs (a copy each)")
    parser.add_argument("--bulk-runs", type=int, default=5, help="runs of each bulk change")
    parser.add_argument("--postgres", metavar="URL", help="also measure on PostgreSQL")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached databases")
    parser.add_argument(
        "--skip-sqlite", action="store_true", help="with --postgres: measure PostgreSQL only"
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=(*PARTS, "crm", "reports"),
        help="measure only these parts (repeat it): data = 1-3, bulk = 7, process = 6, app = 4-5, "
        "crm = 8-9 (the Salesforce import, bench/crm.py; run only when asked for), reports = 10 "
        "(bench/reports.py; run only when asked for)",
    )
    parser.add_argument("--crm-runs", type=int, default=3, help="imports of the CRM export")
    parser.add_argument("--json", type=Path, default=RESULTS / "latest.json")
    args = parser.parse_args(argv)
    parts = set(args.only or PARTS)
    began = time.perf_counter()
    load = os.getloadavg()[0]
    busy = load > (os.cpu_count() or 1)
    if busy:
        cpus = os.cpu_count()
        say(f"note: the machine is busy (load {load:.1f} on {cpus} CPUs); timings will vary")

    page = list_page_size()
    figures: list[Figure] = []
    if args.skip_sqlite and args.postgres:
        parts_sqlite: set[str] = set()
    else:
        parts_sqlite = parts
    if parts_sqlite - {"crm"}:
        say("preparing the databases…")
        large = generate.sqlite_database(FULL, rebuild=args.rebuild, say=say)
        small = generate.sqlite_database(SMALL, rebuild=args.rebuild, say=say)
    generate.CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=generate.CACHE, prefix="run-") as scratch:
        work = Path(scratch)
        if "data" in parts_sqlite:
            say("measuring the data layer on SQLite…")
            open_database(str(large), pooled=True)  # as the app opens it
            floor_connection = sqlite3.connect(large, isolation_level=None)
            for pragma, value in SQLITE_PRAGMAS.items():  # the app's settings, cache included
                floor_connection.execute(f"PRAGMA {pragma}={value}")
            gc.collect()
            try:
                figures += data_layer_figures(
                    Floor(floor_connection, "sqlite"), args.runs, "sqlite", page
                )
            finally:
                floor_connection.close()
                close_database()
        if "bulk" in parts_sqlite:
            say("timing bulk changes on a copy of the large database…")
            copy = generate.copy_database(large, work / "bulk.db")
            open_database(str(copy), pooled=True)  # as the app opens it
            floor_connection = sqlite3.connect(copy, isolation_level=None)
            for pragma, value in SQLITE_PRAGMAS.items():
                floor_connection.execute(f"PRAGMA {pragma}={value}")
            try:
                figures += bulk_figures(Floor(floor_connection, "sqlite"), args.bulk_runs, "sqlite")
            finally:
                floor_connection.close()
                close_database()
        if "process" in parts_sqlite:
            say("timing Process on copies of the large database…")
            figures.append(process_figure_sqlite(large, args.process_runs, work))
        if "app" in parts_sqlite:
            say("starting the app headless…")
            empty = generate.empty_sqlite(work / "empty.db")
            figures += app_figures(large, small, empty, args.app_runs)
            say("starting the app and a bare Textual app side by side (bench/startup.py)…")
            figures += startup_figures(args.app_runs)
        if "crm" in parts_sqlite:
            from bench.crm import crm_figures

            say("importing a Salesforce export of 100,000 accounts (bench/crm.py)…")
            figures += crm_figures(args.crm_runs, work, rebuild=args.rebuild)
        if "reports" in parts_sqlite:
            from bench.reports import report_figures

            say("timing each report on a copy of the large database (bench/reports.py)…")
            figures += report_figures(large, work, args.runs)
    if args.postgres:
        figures += postgres_figures(
            args.postgres, args.runs, max(1, args.process_runs // 2), page, parts, args.bulk_runs
        )

    figures.sort(key=lambda f: f.key.split(".")[0])
    print(table(figures))
    missed = [f.measure for f in figures if f.met is False]
    print()
    met, judged = sum(f.met is True for f in figures), sum(f.met is not None for f in figures)
    print(f"{met} of {judged} targets met.")
    if missed:
        print("Missed: " + "; ".join(missed))
    if CRASHES:
        print(
            f"The app failed before drawing the list in {len(CRASHES)} start(s), each started "
            f"again: {CRASHES[0]}"
        )
    if busy or os.getloadavg()[0] > (os.cpu_count() or 1):
        print(
            f"The machine was busy (load average {load:.1f} at the start): rerun when it is idle."
        )
    took = time.perf_counter() - began
    print(f"Took {took:.0f} s. Results: {args.json}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "when": dt.datetime.now().isoformat(timespec="seconds"),
                "seconds": round(took, 1),
                "machine": {
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                    "sqlite": sqlite3.sqlite_version,
                    "load_average": os.getloadavg(),
                },
                "data": {
                    "customers": FULL.customers,
                    "records": FULL.records,
                    "large_account": FULL.large_account,
                    "large_each": FULL.large_each,
                    "large_blocking_each": FULL.large_blocking,
                    "generator_version": generate.GENERATOR_VERSION,
                },
                "page": page,
                "app_start_failures": CRASHES,
                "figures": [asdict(f) for f in figures],
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
