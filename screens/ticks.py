"""One look for every tick box of offboard, readable without colour: ``[x]`` ticked, ``[ ]`` not
(Textual draws ``▐X▌`` for both, told apart only by colour). ``Tick`` is the Checkbox and
``TickList`` the SelectionList every screen uses; the sign-offs dialog writes the same boxes."""

from __future__ import annotations

from typing import TypeVar

from rich.segment import Segment
from rich.style import Style
from textual.content import Content
from textual.strip import Strip
from textual.widgets import Checkbox, OptionList, SelectionList
from textual.widgets.option_list import OptionDoesNotExist

TICKED = "[x]"
UNTICKED = "[ ]"

T = TypeVar("T")


def box(ticked: bool) -> str:
    """The box of a tick, as every list and form of offboard draws it."""
    return TICKED if ticked else UNTICKED


class Tick(Checkbox):
    """A Checkbox drawn ``[x]`` or ``[ ]`` (bold when ticked): the same without colour."""

    @property
    def _button(self) -> Content:
        return Content.assemble((box(self.value), "bold" if self.value else ""))


class TickList(SelectionList[T]):
    """A SelectionList whose options each start with ``[x]`` or ``[ ]`` (bold when ticked)."""

    def _get_left_gutter_width(self) -> int:
        return len(UNTICKED) + 1

    def render_line(self, y: int) -> Strip:
        # The option's own line (OptionList's), then the box before it in the line's style.
        line = OptionList.render_line(self, y)
        _, scroll_y = self.scroll_offset
        index = scroll_y + y
        try:
            selection = self.get_option_at_index(index)
        except OptionDoesNotExist:
            return line
        ticked = selection.value in self._selected
        underlying = next(iter(line)).style or self.rich_style
        # The option's index rides along, so a click on the box ticks its option.
        style = underlying + Style(bold=ticked, meta={"option": index})
        return Strip([Segment(box(ticked), style), Segment(" ", underlying), *line])
