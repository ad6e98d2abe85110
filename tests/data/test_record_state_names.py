"""Record states read as what they are (issue 22): no open state bears a name that reads as
closed — the CRM mapping's names for closed records ("Accepted" is a won quotation) are never
an open state of offboard's — and migration 0020 renames the quotations stored under the old
open name "Accepted" to "In review", leaving every other status as it was (both backends)."""

from __future__ import annotations

import re

from data import customers
from data.crm.mapping import load_mapping
from data.db import (
    MIGRATIONS,
    connection,
    database,
    migrate_schema,
    migration_runner,
    open_database,
)
from data.models import (
    CASE_CLOSED,
    CASE_STATUSES_OPEN,
    OPPORTUNITY_CLOSED,
    OPPORTUNITY_OPEN,
    QUOTATION_CLOSED,
    QUOTATION_OPEN,
    SALES_ORDER_CLOSED,
    SALES_ORDER_OPEN,
    Quotation,
)
from tests.conftest import OpenedDatabase
from tests.data.test_migrations import insert_old_shape
from tests.data.world import World

RENAMING = "0020_quotation_in_review"
# Words that say a record is done with: no open state may use one.
CLOSING_WORDS = re.compile(
    r"\b(accepted|approved|won|lost|closed|completed?|done|cancell?ed|canceled|denied|rejected|"
    r"expired|signed|paid|finished|resolved)\b",
    re.I,
)


def test_no_open_state_reads_as_closed() -> None:
    mapping = load_mapping()
    kinds = {
        "cases": (CASE_STATUSES_OPEN, {CASE_CLOSED, mapping.case_export_status}),
        "opportunities": (
            OPPORTUNITY_OPEN,
            {*OPPORTUNITY_CLOSED, *mapping.opportunity_export_stages.values()},
        ),
        "quotations": (
            QUOTATION_OPEN,
            # Salesforce's statuses that import as closed, and those the export writes back.
            {*QUOTATION_CLOSED, *mapping.quote_statuses, *mapping.quote_export_statuses.values()},
        ),
        "sales orders": (
            SALES_ORDER_OPEN,
            {*SALES_ORDER_CLOSED, *mapping.order_export_statuses.values()},
        ),
    }
    for kind, (open_states, closed_names) in kinds.items():
        assert not set(open_states) & closed_names, kind
        assert [state for state in open_states if CLOSING_WORDS.search(state)] == [], kind
    assert "Accepted" not in QUOTATION_OPEN
    assert "In review" in QUOTATION_OPEN


def test_a_quotation_in_review_holds_the_section_red(world: World) -> None:
    world.quotation("In review")

    sections = customers.tool_view(world.account).sections
    quotations = next(section for section in sections if section.key == "quotations")

    assert quotations.is_red
    assert quotations.summary == "1 of 1 quotation still open"


def before(name: str) -> str:
    """The migration applied just before ``name``."""
    names = sorted(path.stem for path in MIGRATIONS.glob("[0-9][0-9][0-9][0-9]_*.py"))
    return names[names.index(name) - 1]


def test_migration_renames_the_stored_open_accepted_only(bare_db: OpenedDatabase) -> None:
    old = bare_db.database
    p = old.param
    with old.connection_context():
        migrate_schema(old, target="0001_initial")
        insert_old_shape(old)
        migrate_schema(old, target=before(RENAMING))
        customer = old.execute_sql(
            'SELECT id FROM "customer" WHERE account = ' + p, ("700001",)
        ).fetchone()[0]
        for reference, status in (
            ("Q-1", "Accepted"),
            ("Q-2", "Draft"),
            ("Q-3", "Won"),
            ("Q-4", "Accepted by legal"),
        ):
            old.execute_sql(
                'INSERT INTO "quotation" (customer_id, reference, status, amount) '
                f"VALUES ({p}, {p}, {p}, {p})",
                (customer, reference, status, 100),
            )
    old.close()

    open_database(bare_db.location)

    with connection():
        assert all(m.applied for m in migration_runner(database.obj).status())
        statuses = {
            str(q.reference): str(q.status) for q in Quotation.select().order_by(Quotation.id)
        }
    assert statuses == {
        "Q-1": "In review",
        "Q-2": "Draft",
        "Q-3": "Won",
        "Q-4": "Accepted by legal",
    }
