"""The ``offboard audit verify`` and ``offboard db grant`` commands: checking the audit trail's
hash chain, and giving a team lead a PostgreSQL role of their own."""

from __future__ import annotations

import argparse
import json
import sys

from data import chain, grants
from data.db import connection, database
from data.errors import clip
from tui.config import Settings

PROG = "offboard"


def cmd_audit_verify(args: argparse.Namespace, settings: Settings) -> int:
    """Walk the chain; 0 and "N events, the chain holds", or 1 naming the first bad event."""
    with connection():
        verdict = chain.verify(database.obj)
    broken = verdict.first_break
    if args.json:
        found = None
        if broken is not None:
            found = {
                "id": broken.id,
                "at": broken.at,
                "action": broken.action,
                "problem": broken.problem,
                "explanation": broken.explanation,
            }
        print(json.dumps({"events": verdict.events, "holds": broken is None, "first_break": found}))
        return 0 if broken is None else 1
    if broken is None:
        print(f"{verdict.events} events, the chain holds.")
        return 0
    print(
        f"{PROG}: The audit trail does not hold at event {broken.id} ({broken.at}, "
        f"{clip(broken.action)}): {broken.explanation}.",
        file=sys.stderr,
    )
    return 1


def cmd_db_grant(args: argparse.Namespace, settings: Settings) -> int:
    """Create or update a team lead's PostgreSQL role and say how they connect."""
    granted = grants.grant_role(args.login)
    done = "Created" if granted.created else "Updated"
    print(
        f"{done} the database role {granted.role}: it may read and write offboard's working "
        "tables, only add to and read the audit trail, and only read the users."
    )
    print(f"{granted.role} connects with: {PROG} --db {granted.url}")
    print(
        f'No password was set or shown: an admin sets one with ALTER ROLE "{granted.role}" '
        "PASSWORD '...', or the server's pg_hba.conf decides how the role signs in."
    )
    return 0
