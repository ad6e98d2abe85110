"""The audit viewer: one customer's audit trail, every event in order — when (in the viewer's
time zone, the zone shown), who, what, before → after — filtered by kind and read a page at a
time (keyset), with the whole trail's hash-chain check on one line, run in a worker."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Header, Static

from data.reports.audit_trail import (
    AuditLine,
    AuditPage,
    audit_page,
    local_time,
    verdict_text,
    verify_chain,
    viewer_zone,
    zone_name,
)
from screens.base import OffboardScreen, Session
from screens.fitted import Column, FittedTable
from screens.footer import KeyFooter
from screens.plain import plain, plain_text

PAGE = 100
Cursor = tuple[dt.datetime, int] | None
# The table's columns: before → after takes the room that is left (cut with …: the detail line
# under the table has the highlighted event's changes in full).
COLUMNS = (
    Column("when", "When", 0, most=16),
    Column("who", "Who", 1, most=12),
    Column("what", "What", 2, most=18),
    Column("change", "Before → after", 3, least=20, flex=True, share=0.25),
)


def short_what(line: AuditLine) -> str:
    """The action and its record's id, for the table: ``cease asset #774``."""
    return f"{line.action} #{line.record_id}" if line.record_id is not None else line.action


class AuditScreen(OffboardScreen):
    """A customer's audit trail, a page at a time."""

    CSS_PATH = "audit.tcss"
    HELP_TEXT = (
        "Every change made to this customer and its cancellations, oldest first: when (in your "
        "time zone, named in the heading), who, what, and each value before → after. The "
        "highlighted event is shown whole below the table. f filters by kind (begin, set "
        "reasons, cease asset…), n and p page through a long trail. The line at the top checks "
        "the whole audit trail's hash chain, as offboard audit verify does: a changed, deleted "
        "or inserted event is named there."
    )
    GUARDED_ACTIONS: ClassVar[frozenset[str]] = frozenset({"next_page", "previous_page"})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "cycle_kind", "Filter kind"),
        Binding("n", "next_page", "Next page"),
        Binding("p", "previous_page", "Previous page"),
        Binding("r", "refresh", "Refresh"),
    ]

    @dataclass
    class Loaded(Message):
        page: AuditPage
        start: Cursor

    @dataclass
    class Checked(Message):
        line: str
        holds: bool

    def __init__(self, session: Session, account: str) -> None:
        super().__init__(session)
        self.account = account
        self.kind: str | None = None
        self.page: AuditPage | None = None
        self.starts: list[Cursor] = [None]  # where each page read so far began
        self.zone = viewer_zone()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(
            "Checking the audit trail's hash chain…", id="audit-chain", classes="-checking"
        )
        yield Static("Reading the events…", id="audit-count")
        yield FittedTable(COLUMNS, id="audit-events")
        yield Static("", id="audit-detail")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = "Audit trail"
        self.sub_title = self.account
        table = self.query_one("#audit-events", FittedTable)
        table.labels["when"] = f"When ({zone_name(self.zone)})"
        table.focus()
        self.load(None)
        self.check()

    @work(thread=True, exclusive=True, exit_on_error=False, group="audit")
    def load(self, start: Cursor) -> None:
        self.post_read(
            self.Loaded(audit_page(self.account, kind=self.kind, after=start, limit=PAGE), start)
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="audit-verify")
    def check(self) -> None:
        verdict = verify_chain()
        self.post_read(self.Checked(verdict_text(verdict), verdict.first_break is None))

    def on_audit_screen_checked(self, event: Checked) -> None:
        line = self.query_one("#audit-chain", Static)
        line.update(plain(event.line[0].upper() + event.line[1:] + "."))
        line.remove_class("-checking")
        line.set_class(not event.holds, "-broken")

    def on_audit_screen_loaded(self, event: Loaded) -> None:
        page = event.page
        self.page = page
        self.sub_title = f"{page.customer} ({page.account})"
        table = self.query_one("#audit-events", FittedTable)
        rows: list[tuple[str, dict[str, object]]] = [
            (
                str(line.id),
                {
                    "when": local_time(line.at, self.zone)[:16],
                    "who": plain_text(line.actor, overflow="ellipsis", no_wrap=True),
                    "what": plain_text(short_what(line), overflow="ellipsis", no_wrap=True),
                    "change": plain_text(line.change_text(), overflow="ellipsis", no_wrap=True),
                },
            )
            for line in page.lines
        ]
        table.set_rows(rows, 0 if rows else None)
        first = (len(self.starts) - 1) * PAGE
        kind = self.kind or "every kind"
        if page.lines:
            shown = f"Events {first + 1:,}–{first + len(page.lines):,} of {page.total:,}"
        else:
            shown = "No events"
        more = " · n next page" if page.after is not None else ""
        back = " · p previous page" if len(self.starts) > 1 else ""
        self.query_one("#audit-count", Static).update(
            plain(f"{shown} · {kind} (f filters) · times in {zone_name(self.zone)}{more}{back}")
        )
        self.show_detail(0 if page.lines else None)
        self.refresh_bindings()

    @on(DataTable.RowHighlighted, "#audit-events")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail(event.cursor_row)

    def show_detail(self, row: int | None) -> None:
        detail = self.query_one("#audit-detail", Static)
        if self.page is None or row is None or not 0 <= row < len(self.page.lines):
            detail.update("")
            return
        line: AuditLine = self.page.lines[row]
        changes = "\n".join(f"  {c.key}: {c.before} → {c.after}" for c in line.changes)
        detail.update(
            plain_text(
                f"#{line.id} · {local_time(line.at, self.zone)} · {line.actor} · {line.what}"
                + (f"\n{changes}" if changes else "")
            )
        )

    # ------------------------------------------------------------------ actions

    def unavailable_reason(self, action: str) -> str:
        if self.page is None:
            return "The events are still loading."
        if action == "next_page" and self.page.after is None:
            return "This is the last page."
        if action == "previous_page" and len(self.starts) < 2:
            return "This is the first page."
        return ""

    def action_next_page(self) -> None:
        if self.page is not None and self.page.after is not None:
            self.starts.append(self.page.after)
            self.load(self.page.after)

    def action_previous_page(self) -> None:
        if len(self.starts) > 1:
            self.starts.pop()
            self.load(self.starts[-1])

    def action_cycle_kind(self) -> None:
        if self.page is None:
            return
        kinds = [None, *(kind for kind, _count in self.page.kinds)]
        position = kinds.index(self.kind) if self.kind in kinds else 0
        self.kind = kinds[(position + 1) % len(kinds)]
        self.starts = [None]
        self.load(None)

    def action_refresh(self) -> None:
        self.load(self.starts[-1])
        self.check()
