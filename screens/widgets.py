"""Small widgets the screens share: one section's line (dot, glyph, name, summary), and a table
cell in the theme's colours that a column without a fixed width can size itself by."""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from textual.content import Content
from textual.widgets import Static

from data.rules import Section, SectionState

GLYPH_RED = "✗"
GLYPH_GREEN = "✓"
GLYPH_NOTE = "!"
# Not red, not done: work due later (the timeline's tasks not due yet).
GLYPH_WAITING = "…"
DOT = "●"
NAME_WIDTH = 31


def section_content(section: Section) -> Content:
    """A red or green dot, ✗ or ✓ (so it reads without colour), the name and the summary.

    The colours are the theme's ($error, $success), so dark and light themes both read."""
    if section.is_red:
        mark = (f"{DOT} {GLYPH_RED}", "$error bold")
    elif section.state is SectionState.NOTE:
        mark = (f"{DOT} {GLYPH_NOTE}", "$warning bold")
    elif section.state is SectionState.WAITING:
        mark = (f"{DOT} {GLYPH_WAITING}", "$warning")
    elif section.state is SectionState.OPTIONAL:
        mark = (f"{DOT} {GLYPH_GREEN}", "$success 60%")
    else:
        mark = (f"{DOT} {GLYPH_GREEN}", "$success bold")
    return Content.assemble(
        mark,
        " ",
        (section.name.ljust(NAME_WIDTH), "bold"),
        (
            section.summary,
            "" if section.is_red or section.state is SectionState.NOTE else "$text-muted",
        ),
    )


class SectionLine(Static):
    """One section as the tool shows it; classes -red / -green say which for the styles."""

    def __init__(self, section: Section | None = None, *, id: str | None = None) -> None:
        super().__init__("", id=id, classes="section-line")
        self.section = section
        if section is not None:
            self.show(section)

    def show(self, section: Section) -> None:
        self.section = section
        self.update(section_content(section))
        self.set_class(section.is_red, "-red")
        self.set_class(section.state is SectionState.WAITING, "-waiting")
        self.set_class(not section.holds_back, "-green")


class SizedCell:
    """Content (styled with the theme's $variables) in a DataTable cell whose column has no
    fixed width: the table sizes such a column by measuring its cells through Rich, which
    cannot measure Content itself."""

    def __init__(self, content: Content) -> None:
        self.content = content

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.content.__rich__()  # type: ignore[no-untyped-call]

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        width = self.content.cell_length
        return Measurement(width, width)
