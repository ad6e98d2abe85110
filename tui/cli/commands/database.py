"""The database commands: demo (fill it with the demo data set), db init (create or migrate it)
and db grant (give a team lead a PostgreSQL role of their own)."""

from __future__ import annotations

import argparse

from data import demo, grants
from data.errors import InvalidInput
from data.opening import open_location
from data.users import LOGIN
from tui.cli.commands import acting_login
from tui.cli.output import PROG, out
from tui.config import Settings


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    login = acting_login(settings)
    if not LOGIN.match(login):
        raise InvalidInput(
            f"'{login}' cannot be an offboard login (lowercase letters, digits, '.', '_' or '-'). "
            f"Pass --user LOGIN to name the team lead the demo adds."
        )
    replacing = not demo.is_empty()
    if replacing and args.if_empty and not args.force:
        out(f"{settings.shown_location} already holds data; left as it is.")
        return 0
    loaded = demo.load(
        force=args.force, login=login, replace_team_database=args.yes_replace_team_database
    )
    done = "Replaced everything in" if loaded.replaced else "Loaded the demo data into"
    out(
        f"{done} {settings.shown_location}: {loaded.customers} customers, "
        f"{loaded.users} users, {loaded.assets} assets."
    )
    if loaded.backup is not None:
        out(f"The data it held before is saved in {loaded.backup}.")
    out(f"You are '{login}', a team lead. Try: {PROG} list, {PROG} show 100011, or just {PROG}.")
    return 0


def cmd_db_init(args: argparse.Namespace, settings: Settings) -> int:
    opened = open_location(settings.location, create=True)
    shown = settings.shown_location
    if opened.created:
        out(f"Created the offboard database {shown} (migration {opened.at}).")
    elif opened.applied:
        out(f"Migrated {shown} to migration {opened.at}: applied {', '.join(opened.applied)}.")
    else:
        out(f"{shown} is already at migration {opened.at}; nothing to do.")
    return 0


def cmd_db_grant(args: argparse.Namespace, settings: Settings) -> int:
    """Create or update a team lead's PostgreSQL role and say how they connect."""
    granted = grants.grant_role(args.login)
    done = "Created" if granted.created else "Updated"
    out(
        f"{done} the database role {granted.role}: it may read and write offboard's working "
        "tables, only add to and read the audit trail, and only read the users."
    )
    out(f"{granted.role} connects with: {PROG} --db {granted.url}")
    out(
        f'No password was set or shown: an admin sets one with ALTER ROLE "{granted.role}" '
        "PASSWORD '...', or the server's pg_hba.conf decides how the role signs in."
    )
    return 0
