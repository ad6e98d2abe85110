"""A table whose columns give way by priority: at each width it shows the most important columns
that fit, and its one flexible column (a task's name) takes the room that is left. What a hidden
or cut column held is for the screen's detail line under the table (the highlighted row in full).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from rich.text import Text
from textual import events
from textual.content import Content
from textual.widgets import DataTable

# A cell's padding, one on either side, and the vertical scrollbar's room.
PADDING = 2
SCROLLBAR = 2


@dataclass(frozen=True)
class Column:
    """A column: its key, header, importance (0 first) and width: ``flex`` takes what is left
    (at least ``least``, or ``share`` of the width, before a less important column is let in);
    the others are as wide as their widest cell, at most ``most``."""

    key: str
    label: str
    priority: int
    most: int = 40
    least: int = 12
    flex: bool = False
    share: float = 0.4


def cell_width(cell: object) -> int:
    if isinstance(cell, Content):
        return cell.cell_length
    if isinstance(cell, Text):
        return cell.cell_len
    return len(str(cell))


def fit(
    columns: Sequence[Column], natural: dict[str, int], available: int
) -> list[tuple[Column, int]]:
    """The columns shown at ``available`` cells, in display order, each with its width: added
    by priority while they fit, the flexible one (if any) widened to what is left."""
    chosen: dict[str, int] = {}
    used = 0
    for column in sorted(columns, key=lambda one: one.priority):
        want = max(len(column.label), natural.get(column.key, 0))
        least = min(want, max(column.least, int(available * column.share)))
        width = least if column.flex else min(want, column.most)
        if used + width + PADDING <= available:
            chosen[column.key] = width
            used += width + PADDING
    for column in columns:
        if column.flex and column.key in chosen:
            want = max(len(column.label), natural.get(column.key, 0))
            chosen[column.key] = min(want, chosen[column.key] + available - used)
    return [(column, chosen[column.key]) for column in columns if column.key in chosen]


class FittedTable(DataTable[Any]):
    """A DataTable laid out by ``fit`` whenever its rows or its width change (a screen may
    change a header in ``labels`` before ``set_rows``: Today marks its sort)."""

    def __init__(self, columns: Sequence[Column], **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.specs = list(columns)
        self.labels = {column.key: column.label for column in columns}
        self.rows_in: list[tuple[str, dict[str, object]]] = []
        self.layout_now: list[tuple[str, int]] = []

    @property
    def shown(self) -> list[str]:
        """The keys of the columns shown now."""
        return [key for key, _ in self.layout_now]

    def set_rows(self, rows: Sequence[tuple[str, dict[str, object]]], cursor: int | None) -> None:
        """Show ``rows`` ((row key, cells by column key)) with the cursor on row ``cursor``."""
        self.rows_in = list(rows)
        self._build(cursor, force=True)

    def _available(self) -> int:
        width = self.size.width or self.app.size.width
        return max(20, width - SCROLLBAR)

    def _build(self, cursor: int | None, *, force: bool = False) -> None:
        natural: dict[str, int] = {}
        for _, cells in self.rows_in:
            for key, cell in cells.items():
                natural[key] = max(natural.get(key, 0), cell_width(cell))
        columns = [replace(spec, label=self.labels[spec.key]) for spec in self.specs]
        layout = [(column.key, width) for column, width in fit(columns, natural, self._available())]
        if not force and layout == self.layout_now:
            return
        self.layout_now = layout
        self.clear(columns=True)
        for key, width in layout:
            self.add_column(self.labels[key], key=key, width=width)
        for row_key, cells in self.rows_in:
            self.add_row(*(cells.get(key, "") for key, _ in layout), key=row_key)
        if cursor is not None and 0 <= cursor < self.row_count:
            self.move_cursor(row=cursor)

    def on_resize(self, _event: events.Resize) -> None:
        self._build(self.cursor_row)
