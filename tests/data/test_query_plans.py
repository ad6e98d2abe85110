"""Every query on the paths the benchmark times follows an index: SQLite's EXPLAIN QUERY PLAN of
each statement the data layer sends must not read a large table (or a whole index of one) from
end to end.

The statements are the ones the data layer really runs, caught from peewee's query log, on a
database shaped like the benchmark's (bench/generate.py, a few thousand rows). Without ANALYZE,
which offboard never runs, SQLite's plans do not depend on how many rows there are, so these
are the plans of the 100,000-customer database too. No timing here: bench/run.py judges speed.
"""

from __future__ import annotations

import logging
import re
import secrets
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from bench import generate
from bench.generate import LEAD, Shape, make_ready
from data import cancellations, customer_search, customers, records
from data.db import close_idle, connection, open_database
from data.models import ALL_MODELS, Customer

SHAPE = Shape(
    "plans",
    customers=2_000,
    records=10_000,
    large_each=400,
    large_blocking=12,
    pending=20,
    cancelled=100,
)
# A customer holds these rows, so reading one customer's must never read them all.
LARGE_TABLES = {model._meta.table_name for model in ALL_MODELS} - {"user", "reason"}
# The customer list walks the name index in order and stops at a page (and counts every
# customer on no search): the one large table a query may read along a whole index.
WALKED_IN_ORDER = {"customer"}
TABLE_ALIAS = re.compile(r'(?:FROM|JOIN|UPDATE|INTO)\s+"(\w+)"(?:\s+AS\s+"(\w+)")?')
SUBQUERY_ALIAS = re.compile(r'\)\s+AS\s+"(\w+)"')
PLAN_STEP = re.compile(r"^(SCAN|SEARCH) (\S+)(.*)$")
# The terms of a SEARCH's constraint, "(customer_id=? AND date>?)": an equality pins the rows,
# a lower and an upper bound (a word's prefix, a report's period) a slice of them.
SEARCH_TERMS = re.compile(r"\((.*)\)\s*$")
EQUALITY = re.compile(r"^\w+=\?$")


@dataclass(frozen=True)
class Statement:
    sql: str
    params: tuple[Any, ...]


@dataclass
class Review:
    """What the plans of a batch of statements show."""

    checked: int = 0
    tables: set[str] = field(default_factory=set)  # large tables the plans read
    problems: list[str] = field(default_factory=list)


class _QueryLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[Statement] = []

    def emit(self, record: logging.LogRecord) -> None:
        # peewee logs every statement as (sql, params); its migration runner logs text.
        if record.name == "peewee" and isinstance(record.msg, tuple):
            sql, params = record.msg
            self.statements.append(Statement(sql, tuple(params or ())))


@contextmanager
def caught() -> Iterator[list[Statement]]:
    """The statements the data layer sends inside the block."""
    logger = logging.getLogger("peewee")
    handler = _QueryLog()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler.statements
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def review(path: Path, statements: list[Statement]) -> Review:
    """Run EXPLAIN QUERY PLAN on each statement and note every full read of a large table."""
    result = Review()
    with closing(sqlite3.connect(path)) as explain:
        for statement in statements:
            verb = statement.sql.lstrip().split(None, 1)[0].upper()
            if verb not in {"SELECT", "UPDATE", "DELETE", "WITH", "INSERT"}:
                continue
            aliases = {table: table for table, _ in TABLE_ALIAS.findall(statement.sql)}
            aliases.update(
                {alias: table for table, alias in TABLE_ALIAS.findall(statement.sql) if alias}
            )
            subqueries = set(SUBQUERY_ALIAS.findall(statement.sql))
            plan = explain.execute(f"EXPLAIN QUERY PLAN {statement.sql}", statement.params)
            result.checked += 1
            for row in plan.fetchall():
                step = PLAN_STEP.match(row[3])
                if step is None:
                    continue  # MULTI-INDEX OR, USE TEMP B-TREE, COMPOUND QUERY and the like
                kind, target, rest = step.groups()
                table = aliases.get(target)
                if table is None:
                    if target in subqueries or target.startswith(("(", "CONSTANT")):
                        continue
                    result.problems.append(f"cannot tell what {row[3]!r} reads in {statement.sql}")
                    continue
                if table not in LARGE_TABLES:
                    continue
                result.tables.add(table)
                if kind == "SCAN" and "INDEX" not in rest:
                    result.problems.append(f"reads all of {table}: {row[3]} — {statement.sql}")
                elif "INTEGER PRIMARY KEY" in rest and "rowid=" not in rest:
                    # A range of ids alone (keyset paging without its customer) is the table.
                    result.problems.append(
                        f"reads {table} by id range alone: {row[3]} — {statement.sql}"
                    )
                elif kind == "SCAN" and table not in WALKED_IN_ORDER:
                    result.problems.append(
                        f"reads a whole index of {table}: {row[3]} — {statement.sql}"
                    )
                elif kind == "SEARCH" and table not in WALKED_IN_ORDER and _open_ended(rest):
                    # Every customer's expiries after a date, say (through a report's index
                    # when the customer's is missing): the table from a point to its end.
                    result.problems.append(
                        f"reads {table} from a point to its end: {row[3]} — {statement.sql}"
                    )
    return result


def _open_ended(rest: str) -> bool:
    """Whether a SEARCH's index constraint is one bound alone (``date>?``): no equality, and
    not both a lower and an upper bound."""
    found = SEARCH_TERMS.search(rest)
    if found is None:
        return False
    terms = [term.strip() for term in found.group(1).split(" AND ")]
    if any(EQUALITY.match(term) for term in terms):
        return False
    lower = any(">" in term for term in terms)
    upper = any("<" in term for term in terms)
    return lower != upper


def assert_indexed(path: Path, statements: list[Statement], reads: set[str]) -> None:
    """No full read of a large table, and the plans did read the tables expected (so the check
    ran on the statements it was meant for)."""
    found = review(path, statements)
    assert found.checked > 0, "no statement was caught"
    assert not found.problems, "\n".join(found.problems)
    assert reads <= found.tables, f"expected plans reading {reads}, got {found.tables}"


# ----------------------------------------------------------------------------- the database


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("plans") / "offboard.db"
    generate.build_sqlite(path, SHAPE)
    return path


@pytest.fixture
def plans_db(built: Path) -> Iterator[Path]:
    """The data layer pointed at the benchmark-shaped database."""
    opened = open_database(str(built))
    yield built
    opened.close()
    close_idle(opened)


@pytest.fixture
def large_id(plans_db: Path) -> int:
    with connection():
        return int(Customer.get(Customer.account == SHAPE.large_account).id)


RECORD_TABLES = set(generate.TABLE_NAMES.values())


def test_the_tool_view_evaluates_every_section_through_indexes(plans_db: Path) -> None:
    with caught() as statements:
        view = customers.tool_view(SHAPE.large_account)
    assert view.cancellation is not None and view.red
    assert_indexed(plans_db, statements, RECORD_TABLES | {"customer", "cancellation", "expiry"})


def test_a_cancelled_customers_tool_view_finds_its_processed_cancellation_by_index(
    plans_db: Path,
) -> None:
    with connection():
        account = Customer.get(Customer.status == "Cancelled").account
    with caught() as statements:
        view = customers.tool_view(account)
    assert view.cancellation is not None and view.cancellation.state == "processed"
    assert_indexed(plans_db, statements, RECORD_TABLES | {"cancellation"})


@pytest.mark.parametrize("section", list(records.RECORD_KINDS))
def test_a_sections_records_are_paged_through_indexes(
    plans_db: Path, large_id: int, section: str
) -> None:
    with caught() as statements:
        blocking = records.blocking_records(large_id, section, limit=100)
        resolved = records.records(large_id, section, blocking=False, limit=100)
        records.records(large_id, section, blocking=False, after_id=resolved[-1].id, limit=100)
        records.records(large_id, section, limit=100)
    assert len(blocking) == SHAPE.large_blocking and resolved
    assert_indexed(plans_db, statements, {generate.TABLE_NAMES[section]})


# "h" and "health" find a word inside names (Meridian Health Partners): the name-words index.
SEARCHES = ["", "m", "me", "mer", "1", "10", "1005", "10050", "h", "health", "health p"]
STATUSES = [None, "live", "live-pc", "cancelled"]


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("search", SEARCHES)
def test_the_customer_list_searches_and_pages_through_indexes(
    plans_db: Path, monkeypatch: pytest.MonkeyPatch, search: str, status: str | None
) -> None:
    # Lowered so that both ways of reading account matches run on this small database: "1" and
    # "10" match more than 200 accounts (read in name order), "1005" and "10050" fewer (sorted).
    monkeypatch.setattr(customer_search, "ACCOUNT_SORT_LIMIT", 200)
    # Likewise for the words of names: "h" is read in name order, "health p" sorted.
    monkeypatch.setattr(customer_search, "WORD_SORT_LIMIT", 200)
    with caught() as statements:
        first = customers.customer_page(search, status, limit=100)
        customers.customer_count(search, status)
        customers.customer_count(search, status, up_to=customer_search.LIST_COUNT_LIMIT)
        if first:
            last = first[-1]
            customers.customer_page(search, status, after=(last.key, last.id), limit=100)
    assert_indexed(plans_db, statements, {"customer"})


def test_the_search_checks_cover_both_ways_of_reading_account_matches(
    plans_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(customer_search, "ACCOUNT_SORT_LIMIT", 200)
    plans: dict[str, set[str]] = {}
    for search in ("1", "10050"):
        with caught() as statements:
            customers.customer_page(search, None, limit=100)
        with closing(sqlite3.connect(plans_db)) as explain:
            plans[search] = {
                row[3]
                for statement in statements
                for row in explain.execute(f"EXPLAIN QUERY PLAN {statement.sql}", statement.params)
            }
    assert any("customer_name_key" in step and "SCAN" in step for step in plans["1"])
    assert any("customer_account" in step for step in plans["10050"])


@pytest.mark.parametrize("login", [None, LEAD])
def test_pending_cancellations_are_found_by_index(plans_db: Path, login: str | None) -> None:
    with caught() as statements:
        pending = customers.pending_cancellations(login)
    assert pending
    assert_indexed(plans_db, statements, {"cancellation"})


def test_process_reads_and_writes_through_indexes(built: Path, tmp_path: Path) -> None:
    copy = generate.copy_database(built, tmp_path / "process.db")
    opened = open_database(str(copy))
    try:
        make_ready(SHAPE.large_account)
        with caught() as statements:
            outcome = cancellations.process(LEAD, SHAPE.large_account)
        assert "is Cancelled" in outcome.message
        assert_indexed(copy, statements, RECORD_TABLES | {"customer", "cancellation"})
    finally:
        opened.close()
        close_idle(opened)


# ----------------------------------------------------------------------------- the check itself


@pytest.mark.parametrize(
    ("dropped", "read", "table"),
    [
        (
            ["asset_customer_id", "asset_customer_id_live_cease_date"],
            lambda customer_id: records.blocking_records(customer_id, "assets"),
            "asset",
        ),
        (
            ["customer_word_words_name_key_customer_id"],
            # A search reads the words of names through their index.
            lambda _: customers.customer_page("mer", None),
            "customer_word",
        ),
        (
            ["expiry_customer_id", "expiry_customer_id_date"],
            lambda _: customers.tool_view(SHAPE.large_account),
            "expiry",
        ),
        (
            ["cancellation_state_begun_by_id"],
            lambda _: customers.pending_cancellations(None),
            "cancellation",
        ),
    ],
)
def test_the_check_fails_when_an_index_is_missing(
    built: Path,
    tmp_path: Path,
    dropped: list[str],
    read: Callable[[int], object],
    table: str,
) -> None:
    """Not a test of offboard but of this file: without the index, the plan reads everything,
    and review() says so."""
    copy = generate.copy_database(built, tmp_path / "dropped.db")
    with closing(sqlite3.connect(copy)) as raw:
        for index in dropped:
            raw.execute(f'DROP INDEX "{index}"')
        raw.commit()
    opened = open_database(str(copy), migrate=False)
    try:
        with connection():
            customer_id = int(Customer.get(Customer.account == SHAPE.large_account).id)
        with caught() as statements:
            read(customer_id)
        found = review(copy, statements)
    finally:
        opened.close()
        close_idle(opened)
    assert found.problems
    assert all(table in problem for problem in found.problems)


# ----------------------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="module")
def postgres_built(postgres_location: str) -> Iterator[str]:
    """A PostgreSQL database shaped like the benchmark's, analysed (as autovacuum leaves it),
    made beside the session's test database and dropped at the end."""
    import psycopg2  # type: ignore[import-untyped]

    server = urlparse(postgres_location)
    admin = psycopg2.connect(postgres_location)
    admin.autocommit = True
    name = f"offboard_plans_{secrets.token_hex(4)}"
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        url = server._replace(path=f"/{name}").geturl()
        generate.build_postgres(url, SHAPE)
        yield url
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def postgres_plan_nodes(url: str, statement: Statement) -> list[dict[str, Any]]:
    """Every node of PostgreSQL's plan of the statement."""
    import psycopg2

    with closing(psycopg2.connect(url)) as explain, explain.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {statement.sql}", statement.params)
        nodes: list[dict[str, Any]] = []
        waiting = [cursor.fetchone()[0][0]["Plan"]]
        while waiting:
            node = waiting.pop()
            nodes.append(node)
            waiting.extend(node.get("Plans", []))
        return nodes


@pytest.mark.postgres
@pytest.mark.parametrize("section", list(records.RECORD_KINDS))
def test_postgresql_pages_blocking_records_by_customer_and_id(
    postgres_built: str, section: str
) -> None:
    """A page of blocking records is read from the table's partial (customer, id) index of
    blocking records (migration 0010), never by walking the primary key: so the migration's
    conditions are still the rules' conditions."""
    table = generate.TABLE_NAMES[section]
    opened = open_database(postgres_built)
    try:
        with connection():
            customer_id = int(Customer.get(Customer.account == SHAPE.large_account).id)
        with caught() as statements:
            first = records.blocking_records(customer_id, section, limit=5)
            records.blocking_records(customer_id, section, after_id=first[-1].id, limit=100)
    finally:
        opened.close()
        close_idle(opened)
    paged = [s for s in statements if f'FROM "{table}"' in s.sql]
    assert len(paged) == 2 and len(first) == 5
    for statement in paged:
        nodes = postgres_plan_nodes(postgres_built, statement)
        indexes = {node["Index Name"] for node in nodes if "Index Name" in node}
        assert indexes == {f"{table}_blocking_customer_id_id"}, (statement.sql, indexes)


@pytest.mark.postgres
def test_postgresql_record_tables_have_the_customer_and_id_index(postgres_built: str) -> None:
    """Migration 0010: each record table's customer index orders by id too, so a customer's
    records are paged from it (the plain customer index it replaces is gone)."""
    import psycopg2

    with closing(psycopg2.connect(postgres_built)) as raw, raw.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexdef FROM pg_indexes WHERE indexname = ANY(%s)",
            ([f"{table}_customer_id_id" for table in RECORD_TABLES],),
        )
        found = dict(cursor.fetchall())
    assert set(found) == RECORD_TABLES
    assert all("(customer_id, id)" in definition for definition in found.values())
    with closing(psycopg2.connect(postgres_built)) as raw, raw.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE indexname = ANY(%s)",
            ([f"{table}_customer_id" for table in RECORD_TABLES],),
        )
        assert cursor.fetchall() == []
