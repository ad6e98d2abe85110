"""Stored text as the screens show it: plain text, never Textual markup, and with its control
characters written out.

A customer named ``[@click=app.quit]Acme[/]`` is shown with those characters: a name, a reason,
a note or a subject given to a widget as a ``str`` would be parsed as content markup (Static,
Label, a DataTable cell, an Option's prompt, a notification), so stored text goes in as
``plain`` (a ``Content``) or ``plain_text`` (a Rich ``Text``, for a table column that sizes
itself), neither of which reads markup. Markup is never composed around stored text.

Control characters (an ESC that would drive the terminal) are written out as ``\\x1b`` by
``shown``; ``ControlFilter`` is the app's net under that: it drops any control character left in
a rendered line, so none reaches the terminal even from a place that forgot ``shown``.
"""

from __future__ import annotations

import re
from typing import Any

from rich.segment import Segment
from rich.text import Text
from textual.color import Color
from textual.content import Content
from textual.filter import LineFilter

from data.errors import printable

# What a rendered line never holds: any C0 or C1 control character, DEL.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def shown(value: object) -> str:
    """``value`` as text with its control characters written out (ESC reads ``\\x1b``, as
    ``data.errors.printable`` writes them); a line break and a tab stay as they are."""
    return printable(str(value))


def plain(value: object, style: str = "") -> Content:
    """Stored text as Content: shown as it is (never read as markup), in ``style`` if given
    (a theme variable such as ``$text-muted`` is fine: the style is ours, not the text's)."""
    return Content.styled(shown(value), style)


def plain_text(value: object, **options: Any) -> Text:
    """Stored text as a Rich ``Text`` (never read as markup); ``options`` as for ``Text``."""
    return Text(shown(value), **options)


class ControlFilter(LineFilter):
    """Drops the control characters left in a rendered line (the app's last net under
    ``shown``): a line holds none once it is drawn, so a stored ESC cannot drive the terminal."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if not any(not control and _CONTROL.search(text) for text, _style, control in segments):
            return segments
        return [
            segment
            if segment.control
            else Segment(_CONTROL.sub("", segment.text), segment.style, segment.control)
            for segment in segments
        ]
