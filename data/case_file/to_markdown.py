"""Rendering the case file as Markdown: every value escaped as the e-mails escape theirs
(``data.outbox.as_text``: no link, image, HTML or heading comes out of it, control characters
written out as ``\\x1b``), and besides so that a viewer that links bare addresses (linkify)
finds none; table pipes and line breaks kept inside their cell. Each e-mail is shown as the
text it reads as (``letters``), in a fence longer than any run of backticks in it."""

from __future__ import annotations

import re
from collections.abc import Iterable

from data.case_file.letters import letter_text
from data.case_file.model import NONE, CaseFile
from data.outbox import as_text
from data.text import normal_newlines

# What a linkify viewer links without brackets: a scheme ("https:", "mailto:") and a domain
# ("evil.example", "www.x.com", an address's). An escaped colon or dot splits the text there,
# so neither is found; a time (12:00), a number (3.5) or a sentence's full stop is left alone.
_SCHEME_COLON = re.compile(r"(?<=[A-Za-z]):(?=\S)")
_DOMAIN_DOT = re.compile(r"(?<=\w)\.(?=[^\W\d_])")


def _m(value: object) -> str:
    """A value in Markdown, as the very text it is, inside a table cell or a line."""
    text = as_text(normal_newlines(str(value)))
    text = _DOMAIN_DOT.sub(r"\\.", _SCHEME_COLON.sub(r"\\:", text))
    return text.replace("|", "\\|").replace("\n", "<br>")


def _fence(body: str) -> str:
    longest = max((len(run) for run in _runs(body, "`")), default=0)
    return "`" * max(3, longest + 1)


def _runs(text: str, char: str) -> Iterable[str]:
    run = ""
    for c in text:
        if c == char:
            run += c
        else:
            if run:
                yield run
            run = ""
    if run:
        yield run


def markdown(case: CaseFile) -> str:
    out = [
        f"# Case file: {_m(case.customer)} ({_m(case.account)})",
        "",
        f"Made {_m(case.made_at)}; times in {_m(case.time_zone)}. "
        f"{_m(case.chain_line).capitalize()}.",
    ]
    for part in case.parts:
        out += ["", f"## {_m(part.title)}", ""]
        out += [f"- **{_m(label)}:** {_m(value)}" for label, value in part.facts]
        for title, grid in part.grids:
            out += ["", f"### {_m(title)}", ""]
            out.append("| " + " | ".join(_m(h) for h in grid.headings) + " |")
            out.append("|" + "---|" * len(grid.headings))
            out += ["| " + " | ".join(_m(cell) for cell in row) + " |" for row in grid.rows]
        for letter in part.letters:
            body = letter_text(letter.body)
            fence = _fence(body)
            out += [
                "",
                f"### {_m(letter.subject)}",
                "",
                f"- **To:** {_m(letter.to)}",
                f"- **Cc:** {_m(letter.cc or NONE)}",
                f"- **Status:** {_m(letter.status)}",
                f"- **When:** {_m(letter.when)}",
                "",
                f"{fence}text",
                body,
                fence,
            ]
        if part.notes:
            out.append("")
            out += [_m(note) for note in part.notes]
    return "\n".join(out) + "\n"
