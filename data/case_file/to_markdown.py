"""Rendering the case file as Markdown: every value escaped (HTML, table pipes, line breaks),
each e-mail's body in a fence longer than any run of backticks in it."""

from __future__ import annotations

import html as html_text
from collections.abc import Iterable

from data.case_file.model import NONE, CaseFile


def _m(value: object) -> str:
    """A value in Markdown: HTML escaped (a renderer would pass it through), table pipes and
    line breaks kept inside their cell."""
    text = html_text.escape(str(value), quote=False)
    return text.replace("|", "\\|").replace("\r", "").replace("\n", "<br>")


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
            fence = _fence(letter.body)
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
                letter.body,
                fence,
            ]
        if part.notes:
            out.append("")
            out += [_m(note) for note in part.notes]
    return "\n".join(out) + "\n"
