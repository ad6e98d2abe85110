"""The e-mails of one customer: queued, sending, sent, partly sent, failed, uncertain (each with
what happened) or withdrawn, newest first, and the highlighted one read as it will arrive. A
failed message can be put back in the queue (t), an uncertain one resent (s, after a warning that
it may arrive twice) or marked sent (m), an unsent one withdrawn (w)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.reactive import var
from textual.widgets import DataTable, Footer, Header, Markdown, Static

from data.dates import when
from data.models import (
    OutboxStatus,
)
from data.outbox_review import OutboxRow, mark_sent, outbox_page, requeue, resend, withdraw
from screens.base import OffboardScreen, Session
from screens.dialogs import ConfirmDialog

PAGE = 50
STATUS_STYLES: dict[str, str] = {
    OutboxStatus.QUEUED: "$text-warning",
    OutboxStatus.SENDING: "$text-warning bold",
    OutboxStatus.SENT: "$text-success",
    OutboxStatus.FAILED: "$text-error bold",
    OutboxStatus.WITHDRAWN: "$text-muted",
    OutboxStatus.UNCERTAIN: "$text-error bold",
    OutboxStatus.PARTIAL: "$text-error bold",
}
OPERATIONS = {"retry": requeue, "resend": resend, "mark_sent": mark_sent, "withdraw": withdraw}
DONE = {
    "retry": "back in the queue",
    "resend": "queued again",
    "mark_sent": "marked sent",
    "withdraw": "withdrawn",
}


def status_text(row: OutboxRow) -> str:
    if row.status == OutboxStatus.SENT:
        return f"sent {when(row.sent_at)}"
    if row.status == OutboxStatus.PARTIAL:
        return f"partly sent {when(row.sent_at)}"
    if row.status == OutboxStatus.UNCERTAIN:
        return "uncertain: maybe sent"
    if row.status == OutboxStatus.QUEUED and row.last_error:
        return f"retry after {when(row.next_attempt_at)}"
    return row.status


class OutboxScreen(OffboardScreen):
    """The outbox of one customer."""

    HELP_TEXT = (
        "Every e-mail offboard queued for this customer: the offboarding notice to the admin and "
        "the notification to your colleagues when a cancellation is processed. Queued ones go "
        "out when 'offboard outbox send' runs (or are exported as .eml files with 'offboard "
        "outbox export DIR'); failures are retried with back-off and show their error. A message "
        "handed to the mail server that got no answer is uncertain (it may have arrived) and is "
        "never sent again by itself: s resends it (it may arrive twice), m marks it sent. t puts "
        "a failed message back in the queue; w withdraws one that is not sent yet."
    )
    GUARDED_ACTIONS: ClassVar[frozenset[str]] = frozenset(OPERATIONS)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "refresh", "Refresh"),
        Binding("t", "retry", "Retry"),
        Binding("s", "resend", "Resend"),
        Binding("m", "mark_sent", "Mark sent"),
        Binding("w", "withdraw", "Withdraw"),
    ]

    @dataclass
    class Loaded(Message):
        rows: list[OutboxRow]
        more: bool
        appended: bool

    @dataclass
    class Changed(Message):
        row: OutboxRow
        action: str

    # The highlighted e-mail; the actions are enabled from it.
    current: var[OutboxRow | None] = var(None, bindings=True)

    def __init__(self, session: Session, account: str) -> None:
        super().__init__(session)
        self.account = account
        self.rows: dict[int, OutboxRow] = {}
        self.more = False
        self.loading = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Reading the outbox…", id="outbox-summary", classes="reason-line")
        yield DataTable(id="messages", cursor_type="row")
        with VerticalScroll(id="message-view"):
            yield Static("", id="message-head")
            yield Markdown("", id="message-body")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Outbox"
        self.sub_title = self.account
        table = self.query_one("#messages", DataTable)
        table.add_column("Created", key="created", width=16)
        table.add_column("Kind", key="kind", width=24)
        # The status before the recipients, so a narrow terminal still shows it.
        table.add_column("Status", key="status", width=24)
        table.add_column("Tries", key="tries", width=5)
        table.add_column("To", key="to", width=28)
        table.focus()
        self.load()

    # ------------------------------------------------------------------ reading

    def action_refresh(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="outbox")
    def load(self, after_id: int | None = None) -> None:
        rows = outbox_page(self.account, after_id=after_id, limit=PAGE + 1)
        self.post_read(self.Loaded(rows[:PAGE], len(rows) > PAGE, after_id is not None))

    def on_outbox_screen_loaded(self, event: Loaded) -> None:
        self.loading = False
        table = self.query_one("#messages", DataTable)
        if not event.appended:
            table.clear()
            self.rows = {}
        for row in event.rows:
            self.sub_title = f"{row.customer} ({row.account})"
            self.rows[row.id] = row
            table.add_row(*self._cells(row), key=str(row.id))
        self.more = event.more
        count = len(self.rows)
        summary = self.query_one("#outbox-summary", Static)
        if count == 0:
            summary.update("No e-mail has been queued for this customer.")
        else:
            noun = "e-mail" if count == 1 and not self.more else "e-mails"
            shown = f"{count}{'+' if self.more else ''} {noun}, newest first"
            for status in (OutboxStatus.FAILED, OutboxStatus.UNCERTAIN, OutboxStatus.PARTIAL):
                number = sum(1 for row in self.rows.values() if row.status == status)
                shown += f" · {number} {status}" if number else ""
            summary.update(shown)
        self._show_highlighted()

    @staticmethod
    def _cells(row: OutboxRow) -> tuple[str | Content, ...]:
        return (
            when(row.created_at),
            row.kind,
            Content.styled(status_text(row), STATUS_STYLES.get(row.status, "")),
            str(row.attempts),
            ", ".join(row.recipients),
        )

    @on(DataTable.RowHighlighted, "#messages")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_highlighted()
        table = event.data_table
        # Load the next page as the cursor nears the end: only what is looked at is read.
        if self.more and not self.loading and table.cursor_row >= table.row_count - 5:
            self.loading = True
            self.load(min(self.rows))

    def _highlighted_row(self) -> OutboxRow | None:
        table = self.query_one("#messages", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.rows.get(int(key)) if key is not None else None

    def _show_highlighted(self) -> None:
        row = self.current = self._highlighted_row()
        head = self.query_one("#message-head", Static)
        body = self.query_one("#message-body", Markdown)
        if row is None:
            head.update("")
            body.update("")
            return
        lines: list[str | tuple[str, str]] = [
            ("Subject: ", "bold"),
            row.subject,
            "\n",
            ("To: ", "bold"),
            ", ".join(row.recipients),
            f"  ({row.audience})",
        ]
        if row.cc:
            lines += ["\n", ("Cc: ", "bold"), ", ".join(row.cc)]
        if row.last_error:
            label = (
                "Error: "
                if row.status in (OutboxStatus.FAILED, OutboxStatus.QUEUED)
                else "What happened: "
            )
            lines += ["\n", (label, "$text-error bold"), (row.last_error, "$text-error")]
        head.update(Content.assemble(*lines))
        body.update(row.body)

    # ------------------------------------------------------------------ changes

    def unavailable_reason(self, action: str) -> str:
        row = self.current
        if row is None:
            return "There is no e-mail here."
        if not self.session.can_cancel:
            return self.session.refusal
        if action == "retry" and row.status != OutboxStatus.FAILED:
            return "Only a failed e-mail can be put back in the queue."
        if action in ("resend", "mark_sent") and row.status != OutboxStatus.UNCERTAIN:
            return "Only an uncertain e-mail can be resent or marked sent."
        if action == "withdraw" and row.status not in (OutboxStatus.QUEUED, OutboxStatus.FAILED):
            return f"This e-mail is {row.status}: only a queued or failed one can be withdrawn."
        return ""

    def _available(self, action: str) -> OutboxRow | None:
        row = self.current
        return row if row is not None and not self.unavailable_reason(action) else None

    def action_retry(self) -> None:
        if row := self._available("retry"):
            self._change("retry", row.id)

    def action_resend(self) -> None:
        row = self._available("resend")
        if row is None:
            return
        lines = [
            f"'{row.subject}' was handed to the mail server, but no answer came: it may have "
            "arrived already.",
            "",
            "Resending may deliver it twice (with the same Message-ID).",
            "Resend it?",
        ]

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._change("resend", row.id)

        self.app.push_screen(ConfirmDialog("Resend the e-mail?", lines, "Resend"), confirmed)

    def action_mark_sent(self) -> None:
        if row := self._available("mark_sent"):
            self._change("mark_sent", row.id)

    def action_withdraw(self) -> None:
        if row := self._available("withdraw"):
            self._change("withdraw", row.id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="change")
    def _change(self, action: str, message_id: int) -> None:
        operation = OPERATIONS[action]
        self.post_message(self.Changed(operation(self.session.login, message_id), action))

    def on_outbox_screen_changed(self, event: Changed) -> None:
        self.notify(f"'{event.row.subject}' is {DONE[event.action]}.", title="Outbox")
        self.load()
