"""The audit verify command: walk the audit trail's hash chain and name the first event that
does not hold."""

from __future__ import annotations

import argparse
import json

from data import chain
from data.db import connection, database
from data.errors import clip
from tui.cli.output import fail, out
from tui.config import Settings


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
        out(json.dumps({"events": verdict.events, "holds": broken is None, "first_break": found}))
        return 0 if broken is None else 1
    if broken is None:
        out(f"{verdict.events} events, the chain holds.")
        return 0
    return fail(
        f"The audit trail does not hold at event {broken.id} ({broken.at}, "
        f"{clip(broken.action)}): {broken.explanation}."
    )
