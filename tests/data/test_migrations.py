"""Upgrading a database made by an older offboard: the data written in the first schema survives,
and the later migration's new column is filled in and searched on."""

from __future__ import annotations

import datetime as dt

import pytest
from peewee import Database

from data import cancellations, customers
from data.db import connection, database, migrate_schema, migration_runner, open_database
from data.errors import InvalidInput
from data.models import AuditEvent, Cancellation, Customer, PlaybookVersion, User
from tests.conftest import OpenedDatabase

CREATED = dt.datetime(2025, 3, 1, 9, 30)
OLD_CUSTOMERS = [
    ("700001", "  Zeta   Dental Group ", "Live"),
    ("700002", "ALPHA Clinics", "Live (PC)"),
    ("700003", "Große Straße Bakery", "Cancelled"),
    ("700004", "alpha clinics", "Live"),
]


def insert_old_shape(db: Database) -> None:
    """Rows as the first release wrote them: the customer table has no name_key yet."""
    p = db.param
    db.execute_sql(
        'INSERT INTO "user" (login, display_name, email, roles, active, created_at) '
        f"VALUES ({p}, {p}, {p}, {p}, {p}, {p})",
        ("olive", "Olive Old", "olive@example.com", "crm-admin", True, CREATED),
    )
    owner = db.execute_sql('SELECT id FROM "user" WHERE login = ' + p, ("olive",)).fetchone()[0]
    for account, name, status in OLD_CUSTOMERS:
        db.execute_sql(
            'INSERT INTO "customer" (account, name, status, customer_type, owner_id, time_zone, '
            "admin_name, admin_email, created_at, updated_at, version) "
            f"VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p})",
            (
                account,
                name,
                status,
                "Customer",
                owner,
                "Europe/Berlin",
                "",
                "",
                CREATED,
                CREATED,
                4,
            ),
        )
    customer = db.execute_sql('SELECT id FROM "customer" WHERE account = ' + p, ("700001",))
    db.execute_sql(
        'INSERT INTO "asset" (customer_id, name, start_date, live, cease_date) '
        f"VALUES ({p}, {p}, {p}, {p}, {p})",
        (customer.fetchone()[0], "Old seat bundle", dt.date(2021, 5, 1), True, None),
    )


def test_upgrade_from_the_first_migration_keeps_the_data_and_fills_name_key(
    bare_db: OpenedDatabase,
) -> None:
    old = bare_db.database
    with old.connection_context():
        assert migrate_schema(old, target="0001_initial") == ["0001_initial"]
        assert "name_key" not in {column.name for column in old.get_columns("customer")}
        insert_old_shape(old)
    old.close()

    open_database(bare_db.location)  # as the new release starts: runs what is missing

    with connection():
        status = migration_runner(database.obj).status()
        assert [m.name for m in status][:2] == ["0001_initial", "0002_customer_name_key"]
        assert all(m.applied for m in status)
        rows = {
            c.account: (c.name, c.name_key, c.status, c.version, c.owner.login, c.time_zone)
            for c in Customer.select()
        }
        assert Customer.get(Customer.account == "700001").assets.count() == 1
    assert rows == {
        "700001": (
            "  Zeta   Dental Group ",
            "zeta dental group",
            "Live",
            4,
            "olive",
            "Europe/Berlin",
        ),
        "700002": ("ALPHA Clinics", "alpha clinics", "Live (PC)", 4, "olive", "Europe/Berlin"),
        "700003": (
            "Große Straße Bakery",
            "grosse strasse bakery",
            "Cancelled",
            4,
            "olive",
            "Europe/Berlin",
        ),
        "700004": ("alpha clinics", "alpha clinics", "Live", 4, "olive", "Europe/Berlin"),
    }
    # The backfilled key sorts and prefix-searches, whatever case the name was typed in.
    assert [row.account for row in customers.customer_page()] == [
        "700002",
        "700004",
        "700003",
        "700001",
    ]
    assert [row.account for row in customers.customer_page("Alpha")] == ["700002", "700004"]
    assert [row.account for row in customers.customer_page("grosse str")] == ["700003"]
    assert [row.account for row in customers.customer_page("große")] == ["700003"]
    assert [row.account for row in customers.customer_page("zeta  DENTAL")] == ["700001"]
    assert [row.account for row in customers.customer_page("alpha", "live")] == ["700004"]
    first = customers.customer_page(limit=1)[0]
    after = customers.customer_page(after=(first.key, first.id), limit=2)
    assert [row.account for row in after] == ["700004", "700003"]
    assert customers.customer_count("alpha") == 2
    # and the upgraded database is usable: the old customer takes a cancellation
    cancellations.begin("olive", "700001")
    assert customers.customer_detail("700001").status == "Live (PC)"


def test_opening_an_up_to_date_database_migrates_nothing(db: OpenedDatabase) -> None:
    with connection():
        assert migrate_schema(database.obj) == []
        assert AuditEvent.select().count() == 0


def test_a_fresh_database_gets_the_append_only_trail_too(bare_db: OpenedDatabase) -> None:
    open_database(bare_db.location)
    with connection():
        trigger_count = (
            database.execute_sql(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'"
            )
            if bare_db.backend == "sqlite"
            else database.execute_sql(
                "SELECT count(*) FROM information_schema.triggers "
                "WHERE event_object_table = 'audit_event'"
            )
        ).fetchone()[0]
    # SQLite: one trigger per verb, and one refusing INSERT OR REPLACE (0008); PostgreSQL: the
    # append-only trigger, listed once per event it fires on (TRUNCATE's is a statement trigger,
    # not listed), and the one holding a team lead's role to its own actor on INSERT (0019)
    assert trigger_count == 3


@pytest.mark.parametrize("location", ["ftp://example.com/db", "mysql://root@localhost/offboard"])
def test_an_unsupported_database_url_is_refused(location: str) -> None:
    with pytest.raises(InvalidInput, match=r"offboard cannot use a '(ftp|mysql)' database"):
        open_database(location)


def test_upgrade_to_two_milestones_reads_a_processed_cancellation_as_closed(
    bare_db: OpenedDatabase,
) -> None:
    """Migration 0011: a cancellation processed under the single milestone (which waited for the
    purge) reads as closed, by whoever processed it and when; a pending one stays open; neither
    has a playbook version (they run on the playbook in force)."""
    old = bare_db.database
    p = old.param
    processed_at = dt.datetime(2025, 3, 20, 16, 0)
    with old.connection_context():
        migrate_schema(old, target="0001_initial")
        insert_old_shape(old)
        migrate_schema(old, target="0010_record_customer_id_order")
        olive = old.execute_sql('SELECT id FROM "user" WHERE login = ' + p, ("olive",)).fetchone()
        for account, state, at in (
            ("700003", "processed", processed_at),
            ("700002", "pending", None),
        ):
            customer = old.execute_sql(
                'SELECT id FROM "customer" WHERE account = ' + p, (account,)
            ).fetchone()
            old.execute_sql(
                'INSERT INTO "cancellation" (customer_id, state, previous_status, reason_text, '
                "extra_information, begun_by_id, begun_at, processed_by_id, processed_at, "
                "scenario, access_guids, decision_reason) "
                f"VALUES ({p}, {p}, {p}, '', '', {p}, {p}, {p}, {p}, 'buyout', '', '')",
                (customer[0], state, "Live", olive[0], CREATED, olive[0] if at else None, at),
            )
    old.close()

    open_database(bare_db.location)

    with connection():
        assert all(m.applied for m in migration_runner(database.obj).status())
        rows = {
            str(c.customer.account): (c.state, c.closed_at, c.closed_by_id, c.playbook_version_id)
            for c in Cancellation.select()
        }
        olive_id = User.get(User.login == "olive").id
        assert PlaybookVersion.select().count() == 0
    assert rows == {
        "700003": ("processed", processed_at, olive_id, None),
        "700002": ("pending", None, None, None),
    }


def test_external_ids_are_unique_per_kind_and_many_may_be_empty(db: OpenedDatabase) -> None:
    """Migration 0013: each kind's external id is unique; rows made in offboard have none."""
    from peewee import IntegrityError

    with connection():
        owner = User.create(login="olive", display_name="Olive", external_id="005000000000000001")
        User.create(login="other", display_name="Other")
        User.create(login="third", display_name="Third")
        with pytest.raises(IntegrityError), database.atomic():
            User.create(login="again", display_name="Again", external_id="005000000000000001")
        for table in (
            "user",
            "customer",
            "asset",
            "case",
            "opportunity",
            "quotation",
            "sales_order",
        ):
            names = {index.name for index in database.get_indexes(table) if index.unique}
            assert f"{table}_external_id" in names
        assert owner.external_id == "005000000000000001"
