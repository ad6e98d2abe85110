"""Migration 0016 (section versions): a pending cancellation already there gets its "case" row at
the customer's version then, so a form read before the upgrade is checked as strictly as before;
a processed one gets none."""

from __future__ import annotations

import datetime as dt

from data.db import connection, database, migrate_schema, migration_runner, open_database
from data.models import Cancellation, Customer, SectionVersion, User
from tests.conftest import OpenedDatabase
from tests.data.test_migrations import CREATED, insert_old_shape


def test_upgrade_gives_each_pending_cancellation_its_case_version(
    bare_db: OpenedDatabase,
) -> None:
    old = bare_db.database
    p = old.param
    with old.connection_context():
        migrate_schema(old, target="0001_initial")
        insert_old_shape(old)
        migrate_schema(old, target="0013_external_ids")
        olive = old.execute_sql('SELECT id FROM "user" WHERE login = ' + p, ("olive",)).fetchone()
        for account, state, at in (
            ("700003", "processed", dt.datetime(2025, 3, 20, 16, 0)),
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
        rows = [
            (
                str(row.cancellation.customer.account),
                str(row.section),
                int(row.version),
                row.changed_by_id,
                row.changed_at,
            )
            for row in SectionVersion.select()
        ]
        pending = Customer.get(Customer.account == "700002")
        olive = User.get(User.login == "olive")
        assert Cancellation.select().count() == 2
    assert rows == [("700002", "case", pending.version, olive.id, CREATED)]
