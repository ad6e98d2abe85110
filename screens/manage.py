"""Manage <section>: the records of one section in a table, blocking ones first and marked ✗,
and the actions that clear them (cease assets, close records to one of the closed states the
team lead chooses — none is chosen for them) or undo one (z: a ceased asset live again, a
closed record back to its state before, while the cancellation is pending).

The table loads a page at a time (blocking records first, then the resolved ones) as the
cursor nears the end, so a customer with thousands of assets opens at once. Its columns fit
the screen: the detail column gives way first, then the name; a cut cell ends in "…" and the
highlighted record's full text is in the pane under the table. ``s`` sorts the loaded records
by the next column in turn (then back to the order they were listed in). Once the section's
last blocking record is resolved here, the line says so and Enter returns to the tool."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.events import Resize
from textual.message import Message
from textual.reactive import var
from textual.widgets import DataTable, Header, Static

from data import cancellations
from data.cancellations import Outcome, allowed_states
from data.cancellations.records import undo_cease, undo_close
from data.customers import ToolView
from data.models import CancellationState
from data.records import RecordRow, record_kind
from data.rules import Section, SectionKey
from data.views import Cursor, section_records
from screens.base import OffboardScreen, Session
from screens.footer import KeyFooter
from screens.forms import ChoiceForm, DateForm
from screens.plain import plain, plain_text, shown
from screens.widgets import GLYPH_GREEN, GLYPH_RED, SectionLine

PAGE = 100
LOOKAHEAD = 25

# The sort orders ``s`` cycles through: the column's key and how it reads, by record.
SORTS: list[tuple[str, str, Callable[[RecordRow], object]]] = [
    ("", "as listed", lambda row: 0),
    ("label", "name", lambda row: row.label.casefold()),
    ("status", "status", lambda row: row.status.casefold()),
    ("detail", "detail", lambda row: row.detail.casefold()),
]
STATE_WIDTH = 10
STATUS_MAX = 20
LABEL_MIN, LABEL_MAX = 12, 40
DETAIL_MIN = 6


def fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, ending in "…" when it was cut."""
    if len(text) <= width:
        return text
    return text[: max(0, width - 1)] + "…"


def column_widths(width: int, rows: list[RecordRow]) -> dict[str, int]:
    """The widths of the name, status and detail columns in a table ``width`` wide: the status
    first (as wide as its longest), then the name, then the detail with what is left."""
    # Five columns with a cell's padding on each side, and room for the scrollbar.
    room = max(0, width - 2 - 2 * 5 - 1 - STATE_WIDTH)
    status = min(STATUS_MAX, max([len("Status"), *(len(row.status) for row in rows)]))
    status = min(status, max(6, room // 4))
    room -= status
    label_wants = max([len("Name"), *(len(row.label) for row in rows)])
    detail_wants = max([len("Detail"), *(len(row.detail) for row in rows)])
    label = max(LABEL_MIN, min(LABEL_MAX, label_wants, room - min(detail_wants, DETAIL_MIN)))
    detail = max(DETAIL_MIN, room - label)
    if label_wants > label and detail > detail_wants:  # the detail fits with room to spare
        label = min(label_wants, label + detail - detail_wants)
        detail = max(DETAIL_MIN, room - label)
    return {"label": label, "status": status, "detail": detail}


class ManageScreen(OffboardScreen):
    """The records of one section and the actions that clear them."""

    HELP_TEXT = (
        "The section's records, the ones that keep it red first (marked ✗). Space marks "
        "records; c acts on the marked records (or the highlighted one), a on every record still "
        "open. Assets are ceased with a date (Live is unticked); cases are closed; "
        "opportunities, quotations and sales orders are set to the closed state you choose "
        "(none is chosen for you). z undoes the highlighted record's ceasing or closing while "
        "the cancellation is pending. s sorts by the next column. The pane under the table "
        "shows the highlighted record in full. The section's dot and summary at the top "
        "update after each change; once the last blocking record is resolved, Enter returns to "
        "the tool."
    )
    GUARDED_ACTIONS: ClassVar[frozenset[str]] = frozenset({"close_chosen", "close_all", "undo"})
    BINDINGS: ClassVar[list[BindingType]] = [
        # Shown once the section's last blocking record is resolved here: back to the tool,
        # whose cursor moves on to the next red section.
        Binding(
            "enter",
            "to_tool",
            "Back to the tool",
            priority=True,
            tooltip="The section is clear: back to the tool, on the next red section",
        ),
        Binding("space", "mark", "Mark"),
        Binding("c", "close_chosen", "Close", tooltip="Close the marked (or highlighted) records"),
        Binding("a", "close_all", "Close all", tooltip="Close every record still open"),
        Binding("z", "undo", "Undo", tooltip="Undo the highlighted record's closing"),
        Binding("s", "sort", "Sort", tooltip="Sort by the next column"),
        Binding("r", "refresh", "Refresh"),
    ]

    @dataclass
    class Loaded(Message):
        view: ToolView | None
        rows: list[RecordRow]
        cursor: Cursor
        reset: bool

    @dataclass
    class Undone(Message):
        outcome: Outcome

    # The Footer's first key, once the section is clear (the others follow in their order).
    FOOTER_ORDER: ClassVar[tuple[str, ...]] = ("to_tool",)

    # The customer's cancellation as last read; the actions are enabled from it.
    view: var[ToolView | None] = var(None, bindings=True)
    # The section's last blocking record was resolved on this screen: Enter goes back.
    cleared: var[bool] = var(False, bindings=True)

    def __init__(self, session: Session, account: str, section: str) -> None:
        super().__init__(session)
        self.account = account
        self.section = section
        self.kind = record_kind(section)
        self.cursor = Cursor()
        self.fetching = False
        self.rows: dict[int, RecordRow] = {}
        self.marked: set[int] = set()
        self.sort_index = 0
        self.widths: dict[str, int] = column_widths(80, [])

    def compose(self) -> ComposeResult:
        yield Header()
        yield SectionLine(id="manage-section")
        yield DataTable(id="records", cursor_type="row", zebra_stripes=True)
        yield Static("", id="manage-detail", classes="record-detail", markup=False)
        yield Static("", id="manage-line", classes="reason-line")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = f"Manage {self.kind.title}"
        self.sub_title = self.account
        self._columns()
        self.query_one("#records", DataTable).focus()

    def _columns(self) -> None:
        """The table's columns at the widths it has now (a fixed width each: an auto-sized
        column is laid out again as later pages arrive)."""
        table = self.query_one("#records", DataTable)
        sort_key = SORTS[self.sort_index][0]

        def title(key: str, text: str) -> str:
            return f"{text} ▲" if key == sort_key else text

        table.add_column(" ", key="mark", width=1)
        table.add_column("State", key="state", width=STATE_WIDTH)
        table.add_column(
            title("label", self.kind.noun.capitalize()), key="label", width=self.widths["label"]
        )
        table.add_column(title("status", "Status"), key="status", width=self.widths["status"])
        table.add_column(title("detail", "Detail"), key="detail", width=self.widths["detail"])

    def _add(self, row: RecordRow) -> None:
        self.query_one("#records", DataTable).add_row(
            "●" if row.id in self.marked else "",
            self._state_cell(row),
            Text(fit(shown(row.label), self.widths["label"])),
            Text(fit(shown(row.status), self.widths["status"])),
            Text(fit(shown(row.detail), self.widths["detail"])),
            key=str(row.id),
        )

    def _ordered(self) -> list[RecordRow]:
        rows = list(self.rows.values())
        if self.sort_index:
            rows.sort(key=SORTS[self.sort_index][2])  # type: ignore[arg-type]
        return rows

    def _rebuild(self, width: int | None = None) -> None:
        """Lay the table out again (its width or its order changed), the cursor kept on the
        record it was on. The table is as wide as the screen."""
        table = self.query_one("#records", DataTable)
        current = self._highlighted()
        width = width or self.size.width or self.app.size.width
        self.widths = column_widths(width, list(self.rows.values()))
        table.clear(columns=True)
        self._columns()
        for row in self._ordered():
            self._add(row)
        if current is not None and str(current.id) in table.rows:
            table.move_cursor(row=table.get_row_index(str(current.id)))
        self._show_detail()

    def on_resize(self, event: Resize) -> None:
        if self.rows:
            self._rebuild(event.size.width)
        else:
            self.widths = column_widths(event.size.width, [])

    def on_screen_resume(self) -> None:
        self.reload()

    # ------------------------------------------------------------------ reading

    def reload(self) -> None:
        self.fetching = True
        self._load(Cursor(), True)

    @work(thread=True, exclusive=True, exit_on_error=False, group="records")
    def _load(self, cursor: Cursor, reset: bool) -> None:
        customer_id = None if reset else self._customer_id()
        view, rows, cursor = section_records(
            self.account, self.section, cursor, customer_id=customer_id, limit=PAGE
        )
        self.post_read(self.Loaded(view, rows, cursor, reset))

    def _customer_id(self) -> int:
        assert self.view is not None
        return self.view.customer.id

    def on_manage_screen_loaded(self, event: Loaded) -> None:
        if event.reset:
            was_red = self._red()
            self.view = event.view
            now_red = self._red()
            # Cleared here: red when last read, clear now (an undo makes it red again).
            self.cleared = bool(self.pending and now_red is False and (was_red or self.cleared))
            self.rows.clear()
            self.marked.clear()
            if self.view is not None:
                self.sub_title = f"{self.view.customer.name} ({self.account})"
                self.query_one("#manage-section", SectionLine).show(self._section())
        added = [row for row in event.rows if row.id not in self.rows]
        for row in added:
            self.rows[row.id] = row
        if event.reset or self.sort_index:
            self._rebuild()  # widths from the first page; a sorted table sorts the new rows in
        else:
            for row in added:
                self._add(row)
        self.cursor = event.cursor
        self.fetching = False
        self._show_line()
        self._show_detail()

    def _section(self) -> Section:
        assert self.view is not None
        return next(s for s in self.view.sections if s.key == self.section)

    def _red(self) -> bool | None:
        """Whether the section is red, as last read (None before the first read)."""
        if self.view is None:
            return None
        return any(s.key == self.section and s.is_red for s in self.view.sections)

    @staticmethod
    def _state_cell(row: RecordRow) -> Content:
        if row.blocking:
            return Content.styled(f"{GLYPH_RED} blocking", "bold $error")
        return Content.styled(f"{GLYPH_GREEN} done", "$success")

    def _show_line(self) -> None:
        line = self.query_one("#manage-line", Static)
        reason = self.unavailable_reason("close_all")
        if self.cleared and self.view is not None:
            line.update(
                plain(
                    f"The last blocking {self.kind.noun} is resolved: {self._section().name} "
                    "is clear. Enter returns to the tool."
                )
            )
        elif reason:
            line.update(plain_text(reason))
        elif self.marked:
            line.update(f"{len(self.marked)} marked: c acts on them.")
        elif not self.rows:
            line.update(f"This customer has no {self.kind.nouns}.")
        else:
            line.update("Space marks records; c acts on the marked (or highlighted) ones.")
        if self.sort_index:
            more = "" if self.cursor.done else " (of those read so far; more as you scroll)"
            line.update(
                Text(f"Sorted by {SORTS[self.sort_index][1]}{more}; s sorts by the next column.")
            )

    def _show_detail(self) -> None:
        """The highlighted record in full: its name, status and detail, wrapped."""
        pane = self.query_one("#manage-detail", Static)
        row = self._highlighted()
        if row is None:
            pane.update("")
            return
        state = "blocking" if row.blocking else self.kind.done_words
        pane.update(plain(f"{row.label} · {row.status} · {row.detail} · {state}"))

    @on(DataTable.RowHighlighted, "#records")
    def _near_end(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()
        if (
            not self.fetching
            and not self.cursor.done
            and event.cursor_row >= event.data_table.row_count - LOOKAHEAD
        ):
            self.fetching = True
            self._load(self.cursor, False)

    # ------------------------------------------------------------------ availability

    @property
    def pending(self) -> bool:
        return bool(
            self.view is not None
            and self.view.cancellation is not None
            and self.view.cancellation.state == CancellationState.PENDING
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "to_tool":
            # Hidden (and Enter left to the table) until the section is cleared here.
            return bool(self.cleared)
        return super().check_action(action, parameters)

    def unavailable_reason(self, action: str) -> str:
        if action in {"refresh", "mark", "sort", "to_tool"}:
            return ""
        if self.view is None:
            return "The records are still loading."
        if not self.pending:
            if action == "undo":
                return (
                    f"{self.view.customer.name} has no pending cancellation: a ceasing or "
                    "closing can be undone only while the cancellation is pending."
                )
            return (
                f"{self.view.customer.name} has no pending cancellation, so its records are "
                "shown but not changed here."
            )
        if not self.session.can_cancel:
            return self.session.refusal
        if action == "undo":
            return ""
        if not self._section().is_red:
            return f"Nothing to do: {self._section().summary}."
        return ""

    # ------------------------------------------------------------------ actions

    def action_refresh(self) -> None:
        self.reload()

    def action_to_tool(self) -> None:
        self.dismiss()

    def action_sort(self) -> None:
        self.sort_index = (self.sort_index + 1) % len(SORTS)
        self._rebuild()
        self._show_line()

    def action_undo(self) -> None:
        row = self._highlighted()
        if row is None or self.view is None:
            return
        if row.blocking:
            self.notify(
                f"'{row.label}' is {self.kind.open_words}: there is nothing to undo.",
                title="Nothing to undo",
                severity="warning",
            )
            return
        self._undo(row.id, self.view.customer.version)

    @work(thread=True, exclusive=True, exit_on_error=False, group="undo")
    def _undo(self, record_id: int, version: int) -> None:
        login, account = self.session.login, self.account
        if self.section == SectionKey.ASSETS:
            outcome = undo_cease(login, account, record_id, expected_version=version)
        else:
            outcome = undo_close(login, account, self.section, record_id, expected_version=version)
        self.post_read(self.Undone(outcome))

    def on_manage_screen_undone(self, event: Undone) -> None:
        self.notify(event.outcome.message, title="Undone")
        self.reload()

    def _highlighted(self) -> RecordRow | None:
        table = self.query_one("#records", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.rows.get(int(key)) if key is not None else None

    def action_mark(self) -> None:
        row = self._highlighted()
        if row is None:
            return
        self.marked.symmetric_difference_update({row.id})
        table = self.query_one("#records", DataTable)
        table.update_cell(str(row.id), "mark", "●" if row.id in self.marked else "")
        table.action_cursor_down()
        self._show_line()

    def action_close_chosen(self) -> None:
        if self.marked:
            chosen = [self.rows[pk] for pk in sorted(self.marked)]
        else:
            row = self._highlighted()
            chosen = [row] if row is not None else []
        if not chosen:
            return
        done = [row for row in chosen if not row.blocking]
        if done:
            self.notify(
                f"'{done[0].label}' is already {self.kind.done_words}; "
                "choose a record marked ✗ blocking.",
                title="Nothing to do",
                severity="warning",
            )
            return
        self._open_form([row.id for row in chosen], chosen)

    def action_close_all(self) -> None:
        self._open_form(None, [])

    def _open_form(self, ids: list[int] | None, chosen: list[RecordRow]) -> None:
        if self.view is None:
            return
        login, account, version = self.session.login, self.account, self.view.customer.version
        section = self.section
        if ids is None:
            which = f"every {self.kind.noun} still open ({self._section().summary})"
        elif len(chosen) == 1:
            which = f"'{chosen[0].label}'"
        else:
            which = f"the {len(chosen)} marked {self.kind.nouns}"
        if section == SectionKey.ASSETS:

            def cease(date: dt.date, _note: str) -> Outcome:
                return cancellations.cease_assets(
                    login, account, date, ids, expected_version=version
                )

            form: DateForm | ChoiceForm = DateForm(
                f"Cease {which}",
                "The cease date is written and Live is unticked. The date may not be before "
                "an asset's start date.",
                time_zone=self.view.customer.time_zone,
                save=cease,
                initial="today",
            )
        else:

            def close(state: str, _ticked: bool) -> Outcome:
                return cancellations.close_records(
                    login, account, section, state, ids, expected_version=version
                )

            states = allowed_states(section)
            if len(states) == 1:
                # One closed state (a case's "Closed"): it is the one, so it is chosen.
                how = f"Set {which} to {states[0]}: Enter does it."
            else:
                how = (
                    f"Choose the closed state for {which} (type to find it, or the arrows); "
                    "Enter sets it. Nothing is chosen for you."
                )
            form = ChoiceForm(
                f"Close {which}",
                how,
                choices=[(state, state) for state in states],
                save=close,
                preselect=False,
                nothing_chosen=(
                    "Choose the closed state first (type to find it, or the arrows), then "
                    "press Enter."
                ),
            )
        self.app.push_screen(form, self._form_closed)

    def _form_closed(self, outcome: Outcome | None) -> None:
        if outcome is not None:
            self.notify(outcome.message, title="Saved")
        # The screen re-reads as it resumes after the form.


class ManageAssetsScreen(ManageScreen):
    """Manage Assets: the keys say cease rather than close."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "close_chosen", "Cease", tooltip="Cease the marked (or highlighted) assets"),
        Binding("a", "close_all", "Cease all", tooltip="Cease every asset still live"),
        Binding("z", "undo", "Undo", tooltip="Undo the highlighted asset's ceasing"),
    ]


def manage_screen(session: Session, account: str, section: str) -> ManageScreen:
    """The Manage screen for a section with records."""
    if section == SectionKey.ASSETS:
        return ManageAssetsScreen(session, account, section)
    return ManageScreen(session, account, section)
