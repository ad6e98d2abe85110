"""The benchmark's CRM: a deterministic generator of a large offboard database.

The full shape is 100,000 customers and 2,000,000 records over assets, cases, opportunities,
quotations and sales orders, with one large customer holding 10,000 of each kind, nearly all
resolved and a few still blocking, whose cancellation is pending. The schema comes from the
real migrations (``data.db.open_database``); the rows go in through the database driver in
bulk. A built SQLite file is cached under ``bench/.cache/``, keyed by the generator version and
the migrations, so a second run starts at once.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import os
import random
import re
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from data.chain import CONTENT_COLUMNS, event_hash
from data.db import MIGRATIONS, open_database
from data.sections import SectionKey

# Bump when the rows generated change, so cached databases are rebuilt.
GENERATOR_VERSION = 5
SEED = 20261121
CACHE = Path(__file__).resolve().parent / ".cache"
BATCH = 50_000

Row = tuple[Any, ...]


@dataclass(frozen=True)
class Shape:
    """How big a generated database is."""

    name: str
    customers: int
    records: int  # over the five kinds, the large customer's included
    large_each: int  # records of each kind the large customer holds
    large_blocking: int  # of those, how many of each kind still block its cancellation
    pending: int  # other customers with a pending cancellation
    cancelled: int  # customers already cancelled

    @property
    def large_index(self) -> int:
        return self.customers // 2

    @property
    def large_account(self) -> str:
        return account(self.large_index)


FULL = Shape("full", 100_000, 2_000_000, 10_000, 120, 200, 5_000)
SMALL = Shape("small", 1_000, 20_000, 100, 5, 2, 50)

LEAD = "lead"  # the team lead the benchmark acts as: crm-admin and customer-cancellation
NEW_OWNER = "tess"
NEW_OWNER_ID = 2
LARGE_NAME = "Meridian Health Partners"

KINDS = (
    SectionKey.ASSETS,
    SectionKey.CASES,
    SectionKey.OPPORTUNITIES,
    SectionKey.QUOTATIONS,
    SectionKey.SALES_ORDERS,
)
TABLES: dict[str, tuple[str, ...]] = {
    "user": ("id", "login", "display_name", "email", "roles", "active", "created_at"),
    "reason": ("id", "name", "active", "position"),
    "customer": (
        "id",
        "account",
        "name",
        "name_key",
        "status",
        "customer_type",
        "owner_id",
        "time_zone",
        "admin_name",
        "admin_email",
        "created_at",
        "updated_at",
        "version",
        "billing_status",
        "modules",
    ),
    "customer_word": ("customer_id", "words", "name_key"),
    SectionKey.ASSETS: ("id", "customer_id", "name", "start_date", "live", "cease_date"),
    SectionKey.CASES: (
        "id",
        "customer_id",
        "subject",
        "status",
        "closed",
        "opened_at",
        "billing_note",
    ),
    SectionKey.OPPORTUNITIES: ("id", "customer_id", "name", "stage", "amount"),
    SectionKey.QUOTATIONS: ("id", "customer_id", "reference", "status", "amount"),
    SectionKey.SALES_ORDERS: ("id", "customer_id", "number", "status", "amount"),
    "cancellation": (
        "id",
        "customer_id",
        "state",
        "previous_status",
        "reason_text",
        "extra_information",
        "mood",
        "begun_by_id",
        "begun_at",
        "new_owner_id",
        "owner_applied_at",
        "processed_by_id",
        "processed_at",
        "removed_by_id",
        "removed_at",
        "scenario",
        "access_guids",
        "decision_reason",
        "closed_at",
        "closed_by_id",
        "notify_parties",
    ),
    "cancellation_reason": ("id", "cancellation_id", "reason_id"),
    "notify_user": ("id", "cancellation_id", "user_id"),
    "expiry": ("id", "customer_id", "date", "note", "created_by_id", "created_at"),
    "audit_event": ("id", *CONTENT_COLUMNS, "previous_hash", "event_hash"),
}
# The section keys name the record tables in the data layer; these are the tables' names.
TABLE_NAMES: dict[str, str] = {
    SectionKey.ASSETS: "asset",
    SectionKey.CASES: "case",
    SectionKey.OPPORTUNITIES: "opportunity",
    SectionKey.QUOTATIONS: "quotation",
    SectionKey.SALES_ORDERS: "sales_order",
}

FIRST = (
    "Northwind",
    "Atlas",
    "Blue",
    "Cedar",
    "Meridian",
    "Apex",
    "Bright",
    "Summit",
    "Oak",
    "Harbor",
    "Lake",
    "Pine",
    "Red",
    "Silver",
    "Granite",
    "Coastal",
    "Evergreen",
    "Iron",
    "Juniper",
    "Keystone",
    "Light",
    "Maple",
    "Nova",
    "Orchard",
    "Prairie",
    "Quarry",
    "River",
    "Sage",
    "Tide",
    "Union",
    "Vantage",
    "Willow",
    "Yellow",
    "Zenith",
    "Alder",
    "Bay",
    "Canyon",
    "Drift",
    "Fox",
    "Green",
    "Hollis",
    "Aspen",
    "Birch",
    "Crest",
    "Delta",
    "Echo",
    "Falcon",
    "Glen",
    "Heron",
    "Indigo",
    "Jade",
    "Kestrel",
    "Linden",
    "Mesa",
    "Noble",
    "Onyx",
    "Pioneer",
    "Quill",
    "Raven",
    "Sierra",
    "Timber",
    "Upland",
    "Valley",
    "Wren",
    "Beacon",
    "Copper",
    "Dune",
)
SECOND = (
    "Health",
    "Dental",
    "Logistics",
    "Clinics",
    "Roofing",
    "Pediatrics",
    "Veterinary",
    "Property",
    "Marine",
    "Therapy",
    "Home",
    "Legal",
    "Credit",
    "Dermatology",
    "Urgent",
    "Senior",
    "Manufacturing",
    "Family",
    "Auto",
    "Counseling",
    "Imaging",
    "Pharmacy",
    "Energy",
    "Surgical",
    "Eye",
    "Hospice",
    "Staffing",
    "Fitness",
    "Realty",
    "Behavioral",
    "Outfitters",
    "Sleep",
    "Accounting",
    "Chiropractic",
    "Schools",
    "Hospitality",
    "Speech",
    "Agronomy",
    "Bakery",
    "Freight",
    "Analytics",
)
THIRD = (
    "Partners",
    "Group",
    "Associates",
    "Care",
    "Services",
    "Systems",
    "Center",
    "Network",
    "Co",
    "Collective",
)
ZONES = ("America/New_York", "America/Chicago", "America/Denver", "Europe/London", "UTC")
CASE_OPEN = ("New", "Working", "Waiting on customer", "Escalated")
OPPORTUNITY_OPEN = ("Prospecting", "Qualification", "Proposal", "Negotiation")
OPPORTUNITY_CLOSED = ("Won", "Lost", "Cancelled")
QUOTATION_OPEN = ("Draft", "Sent", "In review")  # data.states.QUOTATION_OPEN
QUOTATION_CLOSED = ("Won", "Lost", "Expired", "Cancelled")
ORDER_OPEN = ("Pending", "In progress", "On hold")
ORDER_CLOSED = ("Completed", "Cancelled")
REASONS = ("Price", "Moved to a competitor", "Not using the product", "Budget cuts", "Other")

START = date(2019, 1, 1)
DAYS = [(START + timedelta(days=n)).isoformat() for n in range(3000)]
NOW = "2026-11-01 09:00:00"
FUTURE = "2027-09-30"


def account(index: int) -> str:
    """The account number of the customer at ``index`` (0-based)."""
    return str(100001 + index)


def name_key(name: str) -> str:
    # The same folding as data.models.name_key; kept here so the generator reads no model.
    return " ".join(name.split()).casefold()


WORD = re.compile(r"\w+")


def name_words(name: str) -> list[str]:
    # The same as data.customer_search.name_words: the name from each of its words on.
    key = name_key(name)
    starts = {0} if key else set()
    starts.update(match.start() for match in WORD.finditer(key))
    return sorted({key[start:][:200] for start in starts})


# ----------------------------------------------------------------------------- the rows


@dataclass(frozen=True)
class Plan:
    """Who is who in a generated database: the decisions every table's rows depend on."""

    shape: Shape
    statuses: list[str]  # per customer index
    owners: list[int]  # per customer index
    users: int

    def customer_id(self, index: int) -> int:
        return index + 1


def plan(shape: Shape) -> Plan:
    rng = random.Random(SEED)
    statuses = ["Live"] * shape.customers
    others = [i for i in range(shape.customers) if i != shape.large_index]
    chosen = rng.sample(others, shape.pending + shape.cancelled)
    for index in chosen[: shape.pending]:
        statuses[index] = "Live (PC)"
    for index in chosen[shape.pending :]:
        statuses[index] = "Cancelled"
    statuses[shape.large_index] = "Live (PC)"
    users = 50
    owners = [3 + rng.randrange(users - 2) for _ in range(shape.customers)]
    return Plan(shape, statuses, owners, users)


def users(p: Plan) -> Iterator[Row]:
    both = "crm-admin,customer-cancellation"
    yield (1, LEAD, "Lee Bench", "lee.bench@example.com", both, 1, NOW)
    yield (2, NEW_OWNER, "Tess Okafor", "tess.okafor@example.com", "", 1, NOW)
    for n in range(3, p.users + 1):
        roles = "customer-cancellation" if n % 4 == 0 else ""
        yield (n, f"user{n:02d}", f"User {n:02d}", f"user{n:02d}@example.com", roles, 1, NOW)


def reasons(p: Plan) -> Iterator[Row]:
    for position, reason in enumerate(REASONS, start=1):
        yield (position, reason, 1, position)


def customers(p: Plan) -> Iterator[Row]:
    rng = random.Random(SEED + 1)
    for index in range(p.shape.customers):
        if index == p.shape.large_index:
            name = LARGE_NAME
        else:
            name = f"{rng.choice(FIRST)} {rng.choice(SECOND)} {rng.choice(THIRD)}"
        status = p.statuses[index]
        created = f"{DAYS[index % 2000]} 10:00:00"
        yield (
            p.customer_id(index),
            account(index),
            name,
            name_key(name),
            status,
            "Former Customer" if status == "Cancelled" else "Customer",
            NEW_OWNER_ID if status == "Cancelled" else p.owners[index],
            ZONES[index % len(ZONES)],
            f"Admin {index}",
            f"admin{index}@customer{index}.example",
            created,
            NOW,
            1,
            "Current",
            "LMS",
        )


def customer_words(p: Plan) -> Iterator[Row]:
    """Each customer's name words, as data.customer_search.index_name_words writes them."""
    for row in customers(p):
        for words in name_words(row[2]):
            yield (row[0], words, row[3])


def _record_owners(p: Plan, kind: SectionKey) -> tuple[list[int], list[int]]:
    """The customer index of each record of a kind in id (creation) order, and the positions
    of the large customer's records, spread among everyone else's."""
    shape = p.shape
    rng = random.Random(f"{SEED}-{kind}")
    weights_rng = random.Random(SEED + 2)  # one weighting for every kind: big stays big
    weights = [weights_rng.expovariate(1.0) ** 2 for _ in range(shape.customers)]
    weights[shape.large_index] = 0.0
    cumulative = list(itertools.accumulate(weights))
    total = shape.records // len(KINDS)
    owners = rng.choices(range(shape.customers), cum_weights=cumulative, k=total)
    large = sorted(rng.sample(range(total), shape.large_each))
    for position in large:
        owners[position] = shape.large_index
    return owners, large


def records(p: Plan, kind: SectionKey) -> Iterator[Row]:
    """Every record of one kind. Most are resolved; the large customer keeps a few blocking."""
    shape = p.shape
    owners, large = _record_owners(p, kind)
    rng = random.Random(f"{SEED}-{kind}-rows")
    blocking_large = set(rng.sample(large, shape.large_blocking))
    large_index = shape.large_index
    cancelled = {i for i, status in enumerate(p.statuses) if status == "Cancelled"}
    make = ROW_MAKERS[kind]
    draw = rng.random
    for position, index in enumerate(owners):
        if index == large_index:
            blocking = position in blocking_large
        elif index in cancelled:
            blocking = False
        else:
            blocking = draw() < 0.3
        yield make(position + 1, index + 1, blocking, draw())


def _asset(pk: int, customer_id: int, blocking: bool, r: float) -> Row:
    start = int(r * 2000)
    cease = None if blocking else DAYS[start + 365]
    return (pk, customer_id, f"Licence bundle #{pk}", DAYS[start], 1 if blocking else 0, cease)


def _case(pk: int, customer_id: int, blocking: bool, r: float) -> Row:
    status = CASE_OPEN[int(r * 4)] if blocking else "Closed"
    opened = f"{DAYS[int(r * 2500)]} 12:00:00"
    return (pk, customer_id, f"Support request {pk}", status, 0 if blocking else 1, opened, "")


def _opportunity(pk: int, customer_id: int, blocking: bool, r: float) -> Row:
    stage = OPPORTUNITY_OPEN[int(r * 4)] if blocking else OPPORTUNITY_CLOSED[int(r * 3)]
    return (pk, customer_id, f"Renewal {pk}", stage, 1000 + int(r * 90_000))


def _quotation(pk: int, customer_id: int, blocking: bool, r: float) -> Row:
    status = QUOTATION_OPEN[int(r * 3)] if blocking else QUOTATION_CLOSED[int(r * 4)]
    return (pk, customer_id, f"Q-{pk}", status, 500 + int(r * 40_000))


def _sales_order(pk: int, customer_id: int, blocking: bool, r: float) -> Row:
    status = ORDER_OPEN[int(r * 3)] if blocking else ORDER_CLOSED[int(r * 2)]
    return (pk, customer_id, f"SO-{pk}", status, 500 + int(r * 40_000))


ROW_MAKERS: dict[SectionKey, Callable[[int, int, bool, float], Row]] = {
    SectionKey.ASSETS: _asset,
    SectionKey.CASES: _case,
    SectionKey.OPPORTUNITIES: _opportunity,
    SectionKey.QUOTATIONS: _quotation,
    SectionKey.SALES_ORDERS: _sales_order,
}


@dataclass
class _Cancellations:
    cancellation: list[Row]
    reasons: list[Row]
    notify: list[Row]
    expiry: list[Row]
    audit: list[Row]


def cancellations(p: Plan) -> _Cancellations:
    """Pending and processed cancellations with their reasons, notify lists, expiries and audit.

    The large customer's cancellation was just begun by the lead: every section still red."""
    rng = random.Random(SEED + 3)
    out = _Cancellations([], [], [], [], [])
    begun = "2026-10-20 09:30:00"
    for index, status in enumerate(p.statuses):
        if status == "Live":
            continue
        customer_id = p.customer_id(index)
        pk = len(out.cancellation) + 1
        begun_by = 1 if index == p.shape.large_index else 4 * (1 + rng.randrange(12))
        if status == "Live (PC)":
            out.cancellation.append(
                (pk, customer_id, "pending", "Live", "", "", None, begun_by, begun)
                + (None,) * 6
                + ("buyout", "", "", None, None)
            )
        else:
            out.cancellation.append(
                (
                    pk,
                    customer_id,
                    "processed",
                    "Live",
                    "Moved on",
                    "",
                    "Neutral",
                    begun_by,
                    begun,
                    NEW_OWNER_ID,
                    None,
                    begun_by,
                    "2026-10-25 16:00:00",
                    None,
                    None,
                    "buyout",
                    "",
                    "",
                    # Processed before the two milestones: its termination case is closed.
                    "2026-10-25 16:00:00",
                    begun_by,
                )
            )
            reason = 1 + rng.randrange(len(REASONS))
            out.reasons.append((len(out.reasons) + 1, pk, reason))
            out.expiry.append(
                (len(out.expiry) + 1, customer_id, FUTURE, "Call back", begun_by, begun)
            )
        for user_id in sorted({begun_by, p.owners[index]}):
            out.notify.append((len(out.notify) + 1, pk, user_id))
        after = '{"status": "Live (PC)"}'
        out.audit.append(
            (len(out.audit) + 1, begun, begun_by, customer_id, pk, "begin", "", None, "{}", after)
        )
        if status == "Cancelled":
            after = '{"state": "processed", "status": "Cancelled"}'
            processed = "2026-10-25 16:00:00"
            out.audit.append(
                (
                    len(out.audit) + 1,
                    processed,
                    begun_by,
                    customer_id,
                    pk,
                    "process",
                    "",
                    None,
                    "{}",
                    after,
                )
            )
    return out


def table_rows(shape: Shape) -> Iterator[tuple[str, Iterable[Row]]]:
    """(table, rows) for every table the generator fills, in an order foreign keys accept."""
    p = plan(shape)
    yield "user", users(p)
    yield "reason", reasons(p)
    yield "customer", customers(p)
    yield "customer_word", customer_words(p)
    for kind in KINDS:
        yield kind, records(p, kind)
    made = cancellations(p)
    # No playbook party is chosen to be notified (migration 0017's column, NOT NULL).
    yield "cancellation", ((*row, "") for row in made.cancellation)
    yield "cancellation_reason", made.reasons
    yield "notify_user", made.notify
    yield "expiry", made.expiry
    yield "audit_event", _chained(made.audit)


def _chained(rows: Iterable[Row]) -> Iterator[Row]:
    """Audit rows with their hash chain (data.chain), as offboard itself writes them."""
    previous = ""
    columns = TABLES["audit_event"][1:-2]
    for row in rows:
        current = event_hash(previous, dict(zip(columns, row[1:], strict=True)))
        yield (*row, previous, current)
        previous = current


def _batches(rows: Iterable[Row], size: int = BATCH) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


# ----------------------------------------------------------------------------- SQLite


def cache_path(shape: Shape) -> Path:
    """Where the built database of this shape lives, named by everything that shapes its content."""
    digest = hashlib.sha256(str(GENERATOR_VERSION).encode())
    for migration in sorted(MIGRATIONS.glob("[0-9]*.py")):
        digest.update(migration.name.encode())
        digest.update(migration.read_bytes())
    return CACHE / f"offboard-{shape.name}-{digest.hexdigest()[:12]}.db"


def sqlite_database(
    shape: Shape, *, rebuild: bool = False, say: Callable[[str], None] = print
) -> Path:
    """The cached SQLite database of this shape, built first if it is missing (or ``rebuild``)."""
    path = cache_path(shape)
    if path.exists() and not rebuild:
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    for old in CACHE.glob(f"offboard-{shape.name}-*.db*"):
        old.unlink()  # an older generator's or schema's file: never used again
    started = time.perf_counter()
    building = path.with_suffix(".building")
    build_sqlite(building, shape)
    building.rename(path)
    size = path.stat().st_size / 1e6
    say(f"built {path.name} ({size:.0f} MB) in {time.perf_counter() - started:.1f} s")
    return path


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def build_sqlite(path: Path, shape: Shape) -> None:
    """Make the schema through the migrations, then load every row in one transaction."""
    _remove(path)
    open_database(str(path)).close()
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        # Build settings only: no journal and no fsync; the finished file is switched back to WAL.
        connection.execute("PRAGMA journal_mode=OFF")
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("PRAGMA cache_size=-400000")
        connection.execute("BEGIN")
        for table, rows in table_rows(shape):
            name = TABLE_NAMES.get(table, table)
            indexes = connection.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                "AND sql IS NOT NULL",
                (name,),
            ).fetchall()
            # Rows go in faster without indexes; each index is then built from sorted keys.
            for index_name, _ in indexes:
                connection.execute(f'DROP INDEX "{index_name}"')
            columns = TABLES[table]
            insert = (
                f'INSERT INTO "{name}" ({", ".join(columns)}) '
                f"VALUES ({', '.join('?' for _ in columns)})"
            )
            for batch in _batches(rows):
                connection.executemany(insert, batch)
            for _, sql in indexes:
                connection.execute(sql)
        connection.execute("COMMIT")
        connection.execute("PRAGMA journal_mode=WAL")
    finally:
        connection.close()


def copy_database(source: Path, target: Path) -> Path:
    """A private copy of a cached database, for a measurement that writes. The copy is flushed
    to disk first, so no later fsync in a timed step pays for writing the whole file."""
    _remove(target)
    shutil.copyfile(source, target)
    descriptor = os.open(target, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    return target


def empty_sqlite(path: Path) -> Path:
    """A migrated database with only the lead in it: the app opens the same way, on no customers."""
    _remove(path)
    open_database(str(path)).close()
    connection = sqlite3.connect(path)
    try:
        with connection:
            columns = TABLES["user"]
            marks = ", ".join("?" for _ in columns)
            connection.executemany(
                f'INSERT INTO "user" ({", ".join(columns)}) VALUES ({marks})',
                list(itertools.islice(users(plan(SMALL)), 2)),
            )
    finally:
        connection.close()
    return path


# ----------------------------------------------------------------------------- PostgreSQL


def _copy_text(rows: Sequence[Row]) -> io.StringIO:
    def field(value: Any) -> str:
        if value is None:
            return "\\N"
        text = str(value)
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")

    return io.StringIO("".join("\t".join(map(field, row)) + "\n" for row in rows))


def build_postgres(url: str, shape: Shape) -> None:
    """Fill an empty PostgreSQL database: the migrations, then COPY, then VACUUM ANALYZE."""
    import psycopg2  # type: ignore[import-untyped]

    open_database(url).close()
    connection = psycopg2.connect(url)
    try:
        with connection, connection.cursor() as cursor:
            for table, rows in table_rows(shape):
                name = TABLE_NAMES.get(table, table)
                cursor.execute(
                    "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s "
                    "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                    (name,),
                )
                indexes = cursor.fetchall()
                for index_name, _ in indexes:
                    cursor.execute(f'DROP INDEX "{index_name}"')
                columns = ", ".join(TABLES[table])
                for batch in _batches(rows):
                    cursor.copy_expert(f'COPY "{name}" ({columns}) FROM STDIN', _copy_text(batch))
                for _, sql in indexes:
                    cursor.execute(sql)
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                    f'COALESCE((SELECT MAX(id) FROM "{name}"), 0) + 1, false)'
                )
        # What autovacuum would do in time: statistics for the planner, and the visibility map
        # that lets PostgreSQL count from an index without visiting the table.
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    finally:
        connection.close()


# ----------------------------------------------------------------------------- the scenario


def make_ready(account: str) -> None:
    """Clear every section of the customer's pending cancellation, as a team lead would: through
    the data layer's operations (each one transaction, audited), acting as the lead."""
    from data import cancellations, customers, rules
    from data.db import connection
    from data.demo import finish_termination
    from data.models import Reason

    with connection():
        reason = Reason.select().order_by(Reason.position).first()
    cancellations.set_reasons(LEAD, account, [reason.id], "Moving to a competitor's suite.")
    cancellations.choose_owner(LEAD, account, NEW_OWNER)
    cancellations.add_expiry(LEAD, account, date.today() + timedelta(days=300), "Call back")
    cancellations.cease_assets(LEAD, account, date.today())
    for section, state in (
        (SectionKey.CASES, "Closed"),
        (SectionKey.OPPORTUNITIES, "Lost"),
        (SectionKey.QUOTATIONS, "Expired"),
        (SectionKey.SALES_ORDERS, "Cancelled"),
    ):
        cancellations.close_records(LEAD, account, section, state)
    for step in ("final-amount-email", "payment-confirmed", "admin-notified"):
        cancellations.confirm_step(LEAD, account, step)
    finish_termination(LEAD, account)
    red = customers.tool_view(account).red
    if red:
        raise RuntimeError(f"The customer {account} is not ready: {rules.describe_red(red)}")
