"""Small widgets the screens share: one section's line (dot, glyph, name, summary)."""

from __future__ import annotations

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
