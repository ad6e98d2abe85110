"""CSV for people to open in a spreadsheet (a report's CSV): a text cell that a spreadsheet would
read as a formula — it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return — is
written with a ``'`` before it (OWASP's rule against CSV injection), so a customer named
``=HYPERLINK(…)`` shows as that text and runs nothing.

Numbers stay numbers: an int or float is written as it is, and so is text that is just a number
(``-12.50``, ``+3``), which no spreadsheet executes; ``-1+cmd`` is not a number and is
prefixed. Files for another program (the Salesforce update files, which hold Ids and picklist
values) are written exactly, not through this module."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(value: object) -> object:
    """``value`` as a spreadsheet may read it without running it (see the module's note)."""
    if isinstance(value, str) and value.startswith(TRIGGERS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_text(header: Sequence[object], rows: Iterable[Sequence[object]]) -> str:
    """A CSV (lines ending in ``\\n``) of ``header`` and ``rows``, every cell ``safe_cell``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()
