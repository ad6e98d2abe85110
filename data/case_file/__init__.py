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


def write(account: str, path: str | Path, fmt: str = "html") -> Path:
    """Write the customer's case file to ``path`` (``fmt``: html or md); returns the path."""
    if fmt not in ("html", "md"):
        raise InvalidInput(f"'{fmt}' is not a case-file format. Use html or md.")
    target = Path(path).expanduser().resolve()
    if target.is_dir():
        raise InvalidInput(f"'{target}' is a folder. Give --out a file name, such as case.{fmt}.")
    if not target.parent.exists():
        raise InvalidInput(
            f"The folder '{target.parent}' does not exist. Create it or write the case file "
            "elsewhere."
        )
    case = case_file(account)
    text = html(case) if fmt == "html" else markdown(case)
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as error:
        raise InvalidInput(
            f"The case file could not be written to '{target}': {error.strerror}."
        ) from error
    return target


def default_name(account: str, fmt: str = "html") -> str:
    return f"case-file-{account}-{clock.local_now():%Y%m%d-%H%M%S}.{fmt}"
