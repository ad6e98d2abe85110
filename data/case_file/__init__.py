"""The case file (issue 16): everything Legal or an auditor asks for about one customer's
cancellation, in one self-contained HTML file (print-friendly CSS, no external resources, every
value escaped) or in Markdown — the customer, the reasons, every section's final state and who
last changed it when, the timeline tasks with who did each and when, the sign-offs, the data
decision, the change request and its approvals, every e-mail (subject, recipients, body), and
the customer's whole audit trail with the hash-chain check.

This module writes the case file into a file (``write``, ``default_name``); each step lives in
its own module:

- ``model``: the case file's shape, ``CaseFile`` (parts of facts, tables and letters);
- ``gather``: ``case_file`` reads it all from the database in one connection;
- ``to_html`` and ``to_markdown``: ``html`` and ``markdown`` render it.
"""

from __future__ import annotations

from pathlib import Path

from data import clock
from data.case_file.gather import case_file
from data.case_file.to_html import html
from data.case_file.to_markdown import markdown
from data.errors import InvalidInput
from data.files import check_output, write_output


def write(account: str, path: str | Path, fmt: str = "html", *, force: bool = False) -> Path:
    """Write the customer's case file to ``path`` (``fmt``: html or md); returns the path.
    Never over the open database or any SQLite file, nor over an existing file unless
    ``force``; written whole or not at all (data.files)."""
    if fmt not in ("html", "md"):
        raise InvalidInput(f"'{fmt}' is not a case-file format. Use html or md.")
    check_output(path, force=force)  # refused before the case file is gathered
    case = case_file(account)
    text = html(case) if fmt == "html" else markdown(case)
    return write_output(path, text, force=force)


def default_name(account: str, fmt: str = "html") -> str:
    return f"case-file-{account}-{clock.local_now():%Y%m%d-%H%M%S}.{fmt}"
