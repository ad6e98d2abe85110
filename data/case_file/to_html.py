"""Rendering the case file as one self-contained HTML document: print-friendly CSS, no script,
no external resource, every value escaped (control characters written out as ``\\x1b``), each
e-mail as its recipient saw it (``letters``)."""

from __future__ import annotations

import html as html_text

from data.case_file.letters import letter_html
from data.case_file.model import NONE, CaseFile
from data.text import printable

CSS = """
body { font: 11pt/1.4 Georgia, "Times New Roman", serif; color: #111; margin: 2em auto;
       max-width: 60em; padding: 0 1em; }
h1 { font-size: 18pt; margin-bottom: 0.2em; }
h2 { font-size: 13pt; border-bottom: 1px solid #999; margin-top: 1.6em; }
h3 { font-size: 11pt; margin-bottom: 0.3em; }
table { border-collapse: collapse; width: 100%; margin: 0.4em 0 1em; font-size: 9.5pt; }
th, td { border: 1px solid #bbb; padding: 0.2em 0.4em; text-align: left; vertical-align: top; }
th { background: #eee; }
dl { display: grid; grid-template-columns: 12em 1fr; gap: 0.1em 1em; }
dt { font-weight: bold; }
dd { margin: 0; }
.meta, .note { color: #444; }
.letter { border: 1px solid #bbb; padding: 0.5em 0.8em; margin: 0.6em 0; page-break-inside: avoid; }
.letter .body { border-top: 1px solid #ddd; margin-top: 0.4em; }
.letter .body pre { white-space: pre-wrap; font: 9.5pt/1.35 "Courier New", monospace; }
@media print {
  body { margin: 0; max-width: none; }
  h2 { page-break-after: avoid; }
  tr { page-break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""


def _e(value: object) -> str:
    return html_text.escape(printable(str(value)), quote=True)


def html(case: CaseFile) -> str:
    """One self-contained HTML document: no script, no external resource, every value escaped."""
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Case file: {_e(case.customer)} ({_e(case.account)})</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>Case file: {_e(case.customer)} ({_e(case.account)})</h1>",
        f'<p class="meta">Made {_e(case.made_at)}; times in {_e(case.time_zone)}. '
        f"{_e(case.chain_line).capitalize()}.</p>",
    ]
    for part in case.parts:
        out.append(f'<section id="{_e(part.key)}"><h2>{_e(part.title)}</h2>')
        if part.facts:
            out.append("<dl>")
            out += [f"<dt>{_e(label)}</dt><dd>{_e(value)}</dd>" for label, value in part.facts]
            out.append("</dl>")
        for title, grid in part.grids:
            out.append(f"<h3>{_e(title)}</h3><table><thead><tr>")
            out += [f"<th>{_e(heading)}</th>" for heading in grid.headings]
            out.append("</tr></thead><tbody>")
            for row in grid.rows:
                out.append("<tr>" + "".join(f"<td>{_e(cell)}</td>" for cell in row) + "</tr>")
            out.append("</tbody></table>")
        for letter in part.letters:
            out.append('<div class="letter">')
            out.append(f"<h3>{_e(letter.subject)}</h3><dl>")
            out += [
                f"<dt>{_e(label)}</dt><dd>{_e(value)}</dd>"
                for label, value in (
                    ("To", letter.to),
                    ("Cc", letter.cc or NONE),
                    ("Status", letter.status),
                    ("When", letter.when),
                )
            ]
            out.append(f'</dl><div class="body">{letter_html(letter.body)}</div></div>')
        out += [f'<p class="note">{_e(note)}</p>' for note in part.notes]
        out.append("</section>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
