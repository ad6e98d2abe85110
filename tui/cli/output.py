"""What the command line writes: plain lines to stdout, refusals to stderr, JSON (whole or
streamed item by item), stored times as scripts and people read them, and the word each
section state prints as."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterable
from typing import Any

from data.errors import on_one_line, printable

PROG = "offboard"

Json = dict[str, Any]

SECTION_MARKS = {
    "clear": "clear",
    "blocking": "BLOCKING",
    "optional": "optional",
    "waiting": "waiting",
}


def section_mark(state: str, gates: str | None) -> str:
    """The word a section prints as: a red one says which milestone it holds back ("BLOCKING"
    for Process, "for Close", "red" when it holds back neither), the others their state."""
    if state == "blocking":
        return {"process": "BLOCKING", "close": "for Close"}.get(gates or "", "red")
    return SECTION_MARKS.get(state, state)


def out(text: str = "") -> None:
    """Text to stdout; a control character in it, whatever the database holds (an imported
    value, a row written before they were refused), is written out as ``\\x1b``: stored text
    never drives the terminal."""
    print(printable(text), file=sys.stdout)


def fail(message: str) -> int:
    """A refusal on stderr: always one line (a line break in what it echoes is written out)."""
    print(printable(f"{PROG}: {on_one_line(message)}"), file=sys.stderr)
    return 1


def one_line(text: str) -> str:
    """Driver messages span lines (psycopg2 adds a tabbed hint); a refusal reads as one line."""
    return " ".join(str(text).split()).replace("?. ", "? ")


def emit_json(value: Any) -> None:
    out(json.dumps(value, indent=2))


def stream_json(items: Iterable[Json]) -> None:
    """One JSON array, written item by item so a long list starts at once."""
    stream = sys.stdout
    count = 0
    stream.write("[")
    for item in items:
        stream.write(",\n  " if count else "\n  ")
        stream.write(json.dumps(item))
        count += 1
    stream.write("\n]\n" if count else "]\n")
    stream.flush()


def iso(moment: dt.datetime | None) -> str | None:
    """A stored time (naive UTC) as ISO 8601 with its offset, so scripts need not guess."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.isoformat()


def local_time(moment: dt.datetime | None) -> str:
    """A stored time in this machine's time zone, as a person reads it."""
    if moment is None:
        return "an unknown time"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")
