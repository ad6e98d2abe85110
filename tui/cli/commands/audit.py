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


def cmd_audit_trail(args: argparse.Namespace, settings: Settings) -> int:
    """``audit ACCOUNT``: the customer's events in order, in this machine's time zone, with the
    whole trail's hash-chain check on the last line."""
    from data.reports import audit_trail

    zone = audit_trail.viewer_zone()
    events = audit_trail.audit_events(args.account, kind=args.kind or None)
    if args.json:
        first = audit_trail.audit_page(args.account, limit=1)
        lines = [line.as_json(zone) for line in events]
        verdict = audit_trail.verify_chain()
        out(
            json.dumps(
                {
                    "account": first.account,
                    "customer": first.customer,
                    "time_zone": audit_trail.zone_name(zone),
                    "kind": args.kind or None,
                    "events": lines,
                    "chain": {
                        "events": verdict.events,
                        "holds": verdict.first_break is None,
                        "line": audit_trail.verdict_text(verdict),
                    },
                },
                indent=2,
            )
        )
        return 0
    shown = 0
    for line in events:
        if shown == 0:
            out(f"{'WHEN (' + audit_trail.zone_name(zone) + ')':<23}  {'WHO':<18}  WHAT")
        out(
            f"{audit_trail.local_time(line.at, zone):<23}  {clip(line.actor, 18):<18}  "
            f"{line.what}: {line.change_text()}"
        )
        shown += 1
    if shown == 0:
        kind = f" of kind '{clip(args.kind)}'" if args.kind else ""
        out(f"No audit events{kind} for account {clip(args.account)}.")
    out(audit_trail.verdict_text(audit_trail.verify_chain()) + ".")
    return 0
