"""Small widgets the screens share: one section's line (dot, glyph, name, summary), the line
naming the playbook a case runs on, and a table cell in the theme's colours that a column
without a fixed width can size itself by."""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from data.playbook import Milestone
from data.rules import Section, SectionState
from screens.plain import shown

GLYPH_RED = "✗"
GLYPH_GREEN = "✓"
GLYPH_NOTE = "!"
# Not red, not done: work due later (the timeline's tasks not due yet).
GLYPH_WAITING = "…"
DOT = "●"
NAME_WIDTH = 31


def for_close(section: Section) -> bool:
    """Whether the section has work left that holds back only Close (not Process)."""
    return section.holds_back and section.milestone is Milestone.CLOSE


def section_content(section: Section, *, processed: bool = False) -> Content:
    """A red or green dot, ✗ or ✓ (so it reads without colour), the name and the summary.

    A section whose work holds back only Close says "for Close" and, while the cancellation is
    pending (Process is the next milestone), is amber rather than red. The colours are the
    theme's ($error, $success, $warning), so dark and light themes both read."""
    tag = "for Close" if for_close(section) else ""
    if section.is_red and tag and not processed:
        mark = (f"{DOT} {GLYPH_RED}", "$warning bold")
    elif section.is_red:
        mark = (f"{DOT} {GLYPH_RED}", "$error bold")
    elif section.state is SectionState.NOTE:
        mark = (f"{DOT} {GLYPH_NOTE}", "$warning bold")
    elif section.state is SectionState.WAITING:
        mark = (f"{DOT} {GLYPH_WAITING}", "$warning")
    elif section.state is SectionState.OPTIONAL:
        mark = (f"{DOT} {GLYPH_GREEN}", "$success 60%")
    else:
        mark = (f"{DOT} {GLYPH_GREEN}", "$success bold")
    section_name = shown(section.name)
    name = [(section_name.ljust(NAME_WIDTH), "bold")]
    if tag:
        room = max(NAME_WIDTH - len(section_name), len(tag) + 4)
        name = [(section_name, "bold"), (f" · {tag}".ljust(room), "$text-warning")]
    return Content.assemble(
        mark,
        " ",
        *name,
        (
            shown(section.summary),
            "" if section.is_red or section.state is SectionState.NOTE else "$text-muted",
        ),
    )


class SectionLine(Static):
    """One section as the tool shows it; classes -red / -green say which for the styles."""

    def __init__(
        self, section: Section | None = None, *, id: str | None = None, processed: bool = False
    ) -> None:
        super().__init__("", id=id, classes="section-line")
        self.section = section
        if section is not None:
            self.show(section, processed=processed)

    def show(self, section: Section, *, processed: bool = False) -> None:
        self.section = section
        self.update(section_content(section, processed=processed))
        self.set_class(section.is_red, "-red")
        self.set_class(for_close(section), "-for-close")
        self.set_class(section.state is SectionState.WAITING, "-waiting")
        self.set_class(not section.holds_back, "-green")


class PlaybookLine(Widget):
    """ "Playbook: NAME · 1a2b3c4d": the playbook a case runs on, its name shortened (…) to fit
    the width so the version's digest always shows."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.playbook = ("", "")

    def show(self, name: str, digest: str) -> None:
        self.playbook = (name, digest)
        self.refresh()

    def render(self) -> Content:
        name, digest = shown(self.playbook[0]), shown(self.playbook[1])
        if not name and not digest:
            return Content("")
        head, tail = "Playbook: ", f" · {digest[:8]}" if digest else ""
        room = self.content_size.width - len(head) - len(tail)
        if 0 < room < len(name):
            name = name[: max(1, room - 1)].rstrip() + "…"
        return Content.assemble(head, (name, "bold"), tail)


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
