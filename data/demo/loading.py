"""Loads the demo data set into the open database. A database that holds data is refused
unless ``force``; replacing it needs a CRM admin of that database (and, on PostgreSQL, the
team's consent), copies a SQLite file aside first, and wipes and fills in one transaction where
it can, so a failure part-way leaves no half-filled database."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from data.audit import actor, require
from data.backup import back_up_beside
from data.db import connection, database, is_sqlite, migrate_schema
from data.demo import accounts, cancelling, retention
from data.errors import Conflict
from data.models import ALL_MODELS, Asset, Customer, Role, User


class DemoRefused(Conflict):
    """The database already holds data and --force was not given."""


@dataclass(frozen=True)
class Loaded:
    """What ``load`` did: the counts, whether it replaced data, and where the old data went."""

    customers: int
    users: int
    assets: int
    replaced: bool
    backup: Path | None  # the copy of the replaced SQLite file; None if nothing was copied


def is_empty() -> bool:
    with connection():
        return not Customer.select().exists() and not User.select().exists()


def wipe() -> None:
    """Drop every offboard table and migrate afresh (the audit trail refuses row deletes)."""
    with connection():
        db: Any = database.obj
        # Referencing tables first: with SQLite's foreign keys on, dropping a referenced table
        # (users) while rows still point at it fails.
        tables = [model._meta.table_name for model in reversed(ALL_MODELS)] + ["schema_migration"]
        with database.atomic():
            for table in tables:
                cascade = "" if is_sqlite() else " CASCADE"
                db.execute_sql(f'DROP TABLE IF EXISTS "{table}"{cascade}')
        migrate_schema(db)


def load(
    *, force: bool = False, login: str | None = None, replace_team_database: bool = False
) -> Loaded:
    """Fill the open database with the demo set; refuses a non-empty one unless ``force``.

    Replacing data (``force``) needs the 'crm-admin' role of ``login``, a user already in this
    database; on PostgreSQL also ``replace_team_database``; on SQLite the file is first copied
    aside (``Loaded.backup``).

    ``login`` (default: this machine's login name) is added as a team lead with both roles, so
    the app opens for whoever ran the command."""
    me = (login or getpass.getuser() or "lead").strip().lower()
    backup: Path | None = None
    replaced = not is_empty()
    # PostgreSQL's schema changes are transactional: there the wipe is part of the one
    # transaction below, so a replacement that fails leaves the team's data as it was (no
    # copy is kept there). SQLite's table rebuilds run on their own; its file is copied first.
    wipe_inside = replaced and not is_sqlite()
    if replaced:
        if not force:
            raise DemoRefused(
                "The database already holds customers or users. Run 'offboard demo --force' "
                "to replace everything in it with the demo data."
            )
        backup = _may_replace(me, replace_team_database=replace_team_database)
        if not wipe_inside:
            wipe()
    # One transaction: a failure part-way leaves the database as it was, not half-filled.
    with connection(), database.atomic():
        if wipe_inside:
            wipe()
        users = accounts.add_people(me)
        accounts.add_customers(users)
        retention.add_offers()
        retention.add_attempts_before_cancellations()
        cancelling.add_cancellations(me)
        retention.add_retention()
        return Loaded(
            customers=Customer.select().count(),
            users=User.select().count(),
            assets=Asset.select().count(),
            replaced=replaced,
            backup=backup,
        )


def _may_replace(login: str, *, replace_team_database: bool) -> Path | None:
    """Refuse to replace the data unless ``login`` is a CRM admin of this database and, on
    PostgreSQL, ``replace_team_database`` says the team's data may go; on SQLite, copy the
    file aside first and return where the copy is."""
    with connection():
        require(
            actor(login),
            Role.ADMIN,
            doing="replace everything in this database with the demo data",
        )
    if not is_sqlite():
        if not replace_team_database:
            raise DemoRefused(
                "This PostgreSQL database is shared: replacing it deletes every customer, "
                "cancellation and the audit trail for the whole team, with no copy kept. If "
                "that is what you want, add --yes-replace-team-database."
            )
        return None
    return back_up_beside("before-demo")
