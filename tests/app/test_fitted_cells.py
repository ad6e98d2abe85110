"""A cell cut to its column says so: it ends in "…" (the detail line under the table has it in
full), whatever the cell is — text, a Rich Text with its style, or a Content."""

from __future__ import annotations

from rich.text import Text
from textual.content import Content

from screens.fitted import cell_width, clipped


def test_a_cell_that_fits_is_shown_whole() -> None:
    assert clipped("Legal", 10) == "Legal"


def test_a_cut_cell_ends_in_an_ellipsis_and_keeps_to_its_width() -> None:
    name = "Non-renewal or termination notice received"
    for cell in (name, Text(name, style="bold"), Content(name)):
        cut = clipped(cell, 20)
        assert cell_width(cut) == 20
        assert str(cut).endswith("…")
        assert str(cut).startswith("Non-renewal or term")


def test_a_cut_styled_cell_keeps_its_style() -> None:
    cut = clipped(Text("Coastal Urgent Care (100015)", style="red"), 12)
    assert isinstance(cut, Text)
    assert cut.style == "red"
