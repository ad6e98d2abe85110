"""``offboard export salesforce DIR``: what the team lead resolved in offboard written as Data
Loader update files, with a summary of what was written (text or JSON)."""

from __future__ import annotations

import argparse

from data.crm.exporting import export_salesforce
from data.crm.mapping import load_mapping
from data.dates import parse_date
from tui.cli.output import emit_json, out
from tui.config import Settings


def cmd_export_salesforce(args: argparse.Namespace, settings: Settings) -> int:
    since = parse_date(args.since) if args.since is not None else None
    mapping = load_mapping(args.mapping) if args.mapping else None
    summary = export_salesforce(args.folder, since=since, mapping=mapping)
    if args.json:
        emit_json(summary.as_json())
        return 0
    for line in summary.lines():
        out(line)
    return 0
