"""What the handlers of a list the CRM admins edit share (``reasons`` and ``offers``: list,
add, retire, restore): the same lines and sentences, worded with the list's noun."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from tui.cli.output import PROG, emit_json, out
from tui.cli.shapes import listed_json

if TYPE_CHECKING:
    from data.pick_lists import Listed


def show_list(args: argparse.Namespace, rows: list[Listed], noun: str) -> int:
    """``reasons list`` and ``offers list``: one line per entry, or (--json) one JSON array."""
    if args.json:
        emit_json([listed_json(row) for row in rows])
        return 0
    if not rows:
        out(f"The {noun} list is empty. A CRM admin adds one with: {PROG} {noun}s add NAME")
    for row in rows:
        out(f"{row.id:>4}  {row.name}{'' if row.active else '  (retired)'}")
    return 0


def show_added(row: Listed, noun: str) -> int:
    out(f"Added the {noun} '{row.name}' (id {row.id}).")
    return 0


def show_state(row: Listed, noun: str) -> int:
    """After ``retire`` or ``restore``."""
    done = "back on" if row.active else "retired from"
    out(f"The {noun} '{row.name}' (id {row.id}) is {done} the list.")
    return 0
