"""The e-mails of one customer: queued, sending, sent, partly sent, failed, uncertain (each with
what happened) or withdrawn, newest first, and the highlighted one read as it will arrive. A
failed message can be put back in the queue (t), an uncertain one resent (s, after a warning that
it may arrive twice) or marked sent (m), an unsent one withdrawn (w), and a queued or failed one recorded as sent
by hand (h: an exported .eml sent from a mail client; offboard never sends it then).

Mail goes out from the running app when SMTP is configured: the ``Courier`` sends what is queued
in a thread worker, with the same claim and retry rules as ``offboard outbox send``
(``data.delivery``), every ``SEND_EVERY`` seconds and right after something is queued
(``MailQueued``); what it did reaches every open screen as ``MailSent``, and they re-read. Without
SMTP the screen says so, and x writes the customer's queued e-mails as .eml files."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.reactive import var
from textual.widgets import DataTable, Header, Input, Label, Markdown, Static

from data.cancellations import Outcome
from data.dates import when
from data.models import (
    OutboxStatus,
)
from data.outbox_review import (
    BY_HAND_FROM,
    OutboxRow,
    mark_sent,
    outbox_page,
    requeue,
    resend,
    sent_by_hand,
    withdraw,
)
from screens.base import OffboardScreen, Session
from screens.dialogs import ConfirmDialog
from screens.footer import KeyFooter
from screens.form_screen import FormScreen
from screens.plain import plain

if TYPE_CHECKING:
    from data.delivery import DeliveryReport
    from data.mail_transport import SmtpSettings

PAGE = 50
SEND_EVERY = 30.0  # seconds between the running app's sends of what is queued
NO_SMTP = "No SMTP configured — mail stays queued; x exports .eml files."
STATUS_STYLES: dict[str, str] = {
    OutboxStatus.QUEUED: "$text-warning",
    OutboxStatus.SENDING: "$text-warning bold",
    OutboxStatus.SENT: "$text-success",
    OutboxStatus.FAILED: "$text-error bold",
    OutboxStatus.WITHDRAWN: "$text-muted",
    OutboxStatus.UNCERTAIN: "$text-error bold",
    OutboxStatus.PARTIAL: "$text-error bold",
}
OPERATIONS = {
    "retry": requeue,
    "resend": resend,
    "mark_sent": mark_sent,
    "withdraw": withdraw,
    "sent_by_hand": sent_by_hand,
}
DONE = {
    "retry": "back in the queue",
    "resend": "queued again",
    "mark_sent": "marked sent",
    "withdraw": "withdrawn",
    "sent_by_hand": "recorded as sent by hand: offboard never sends it",
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


def status_word(row: OutboxRow) -> str:
    """The status in a word, for the table's narrow column (the pane below says it in full:
    when it was sent, when it is retried)."""
    if row.status == OutboxStatus.QUEUED and row.last_error:
        return "retrying"
    return str(row.status)


@dataclass
class MailQueued(Message):
    """Something was queued, or put back in the queue: the app sends it now, when it may."""


@dataclass
class MailSent(Message):
    """The running app sent what was queued (``report``), or could not (``problem``)."""

    report: DeliveryReport | None
    problem: str = ""

    @property
    def changed(self) -> bool:
        """Whether a message changed state: the screens showing mail re-read."""
        return bool(self.problem) or (self.report is not None and self.report.handled > 0)


def mail_line(session: Session) -> str:
    """How mail goes out from this app, in a line."""
    if session.mail_server:
        return (
            f"Mail goes out from this app through {session.mail_server} (every "
            f"{SEND_EVERY:.0f} s; d sends now, x exports .eml files)."
        )
    return NO_SMTP


def waiting_words(session: Session) -> str:
    """What a queued e-mail waits for, said when it is queued."""
    if session.mail_server:
        return f"It goes out from this app through {session.mail_server} now."
    return (
        "No SMTP configured — it stays queued (sections waiting for it stay red); x in the "
        "Outbox (o) exports it as an .eml file."
    )


class Courier:
    """Sends the outbox from the running app: ``send`` starts a thread worker (never the UI
    thread) that runs ``data.delivery.send_queued`` — the claims, retries and back-off of
    ``offboard outbox send`` — and posts ``MailSent`` to every open screen. One run at a time;
    a send asked for during a run follows it."""

    def __init__(self, app: App[Any], smtp: SmtpSettings) -> None:
        self.app = app
        self.smtp = smtp
        self.lock = threading.Lock()
        self.running = False
        self.again = False
        self.sender_id = ""
        self.last_problem = ""

    def start(self) -> None:
        """Send now (what an earlier session left queued), then every ``SEND_EVERY`` s."""
        self.app.set_interval(SEND_EVERY, self.send, name="mail")
        self.send()

    def send(self) -> None:
        with self.lock:
            if self.running:
                self.again = True
                return
            self.running = True
        self.app.run_worker(self._run, thread=True, group="mail", name="mail", exit_on_error=False)

    def _run(self) -> None:
        from data.delivery import default_sender_id, send_queued

        if not self.sender_id:
            self.sender_id = f"{default_sender_id()}/app"[:120]
        try:
            try:
                sent = MailSent(send_queued(self.smtp, sender_id=self.sender_id))
            except Exception as error:  # a refusal, a database problem: said, and tried again
                sent = MailSent(None, str(error) or error.__class__.__name__)
            if sent.problem and sent.problem != self.last_problem:  # said once, not each run
                self._on_app_thread(
                    self.app.notify,
                    sent.problem,
                    title="Mail not sent",
                    severity="error",
                    markup=False,
                )
            elif sent.report is not None and sent.report.handled:
                severity = "warning" if sent.report.unsent else "information"
                self._on_app_thread(
                    self.app.notify,
                    sent.report.summary,
                    title="Mail",
                    severity=severity,
                    markup=False,
                )
            self.last_problem = sent.problem
            if sent.changed:
                for screen in list(self.app.screen_stack):
                    screen.post_message(MailSent(sent.report, sent.problem))
        finally:
            with self.lock:
                self.running = False
                again, self.again = self.again, False
            if again:
                self._on_app_thread(self.send)

    def _on_app_thread(self, call: Callable[..., object], *args: Any, **kwargs: Any) -> None:
        """Run ``call`` on the app's thread; nothing once the app has stopped (quitting while
        a send runs)."""
        with contextlib.suppress(RuntimeError):
            self.app.call_from_thread(call, *args, **kwargs)


class ExportForm(FormScreen):
    """Write the customer's queued e-mails as .eml files into a folder (they stay queued)."""

    def __init__(self, account: str, folder: str, sender: str, login: str) -> None:
        super().__init__(
            "Export the queued e-mails",
            "Each e-mail queued for this customer is written as an .eml file, which any mail "
            "client opens, to be sent from there. They stay queued: record each one you send "
            "by hand (h), or it goes out once a mail server is configured.",
            save_label="Export",
        )
        self.account = account
        self.folder = folder
        self.sender = sender
        self.login = login

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield from self.compose_heading()
            yield Label("Folder", classes="field-label")
            yield Input(self.folder, id="folder")
            yield Static("", id="form-message", classes="field-message -invalid")
            yield from self.compose_buttons()

    def on_mount(self) -> None:
        self.query_one("#folder", Input).focus()

    @on(Input.Submitted, "#folder")
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        folder = self.query_one("#folder", Input).value.strip()
        if not folder:
            self.show_invalid("Name a folder to write the .eml files to.")
            return
        self.save_with(lambda: self._export(folder))

    def _export(self, folder: str) -> Outcome:
        from data.outbox_export import export_queued

        # force: an earlier export's .eml file of the same message is written again (never a
        # database, nor any other SQLite file: data.files refuses those).
        paths = export_queued(
            self.login, folder, sender=self.sender or None, account=self.account, force=True
        )
        if not paths:
            return Outcome(f"No e-mail is queued for {self.account}: nothing was written.", "", 0)
        return Outcome(f"Wrote {len(paths)} .eml files to {folder}.", self.account, 0, len(paths))


def default_export_folder() -> str:
    return str(Path.home() / "offboard-outbox")


class OutboxScreen(OffboardScreen):
    """The outbox of one customer."""

    HELP_TEXT = (
        "Every e-mail offboard queued for this customer: the offboarding notice to the admin and "
        "the notification to your colleagues when a cancellation is processed. Queued ones go "
        "out from this app when a mail server is configured ([smtp] in the configuration; d "
        "sends at once), or when 'offboard outbox send' runs; without one they stay queued and "
        "x exports them as .eml files. Failures are retried with back-off and show their "
        "error. A message "
        "handed to the mail server that got no answer is uncertain (it may have arrived) and is "
        "never sent again by itself: s resends it (it may arrive twice), m marks it sent. t puts "
        "a failed message back in the queue; w withdraws one that is not sent yet. h records "
        "a queued or failed one as sent by hand (an exported .eml sent from a mail client): it "
        "counts as sent, and offboard never sends it."
    )
    # Send is not greyed out: without SMTP, d says why nothing can be sent. d and x are named
    # on the mail line above the table (the Footer keeps the message's own keys, q and ?).
    GUARDED_ACTIONS: ClassVar[frozenset[str]] = frozenset(OPERATIONS)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "send", "Send now", show=False, tooltip="Send what is queued (needs SMTP)"),
        Binding(
            "x", "export", "Export .eml", show=False, tooltip="Write the queued e-mails as files"
        ),
        Binding("t", "retry", "Retry", tooltip="Put a failed e-mail back in the queue"),
        Binding(
            "s", "resend", "Resend", tooltip="Queue an uncertain e-mail again (may arrive twice)"
        ),
        Binding("m", "mark_sent", "Mark sent", tooltip="Record that an uncertain e-mail arrived"),
        Binding("w", "withdraw", "Withdraw", tooltip="Take a queued or failed e-mail back unsent"),
        Binding(
            "h",
            "sent_by_hand",
            "Sent by hand",
            tooltip="Record that a queued or failed e-mail was sent by hand (asks)",
        ),
        # Shown in Help and the palette; the screen re-reads by itself when mail goes out.
        Binding("r", "refresh", "Refresh", show=False, tooltip="Read the outbox again"),
        # Escape goes back everywhere; at 80 columns the Footer keeps q and ? instead.
        Binding("escape", "back", "Back", show=False),
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
        self.columns: list[tuple[str, str, int]] = []
        # Whether the first read has answered: until then no key claims "there is no e-mail".
        self.read_once = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Reading the outbox…", id="outbox-summary", classes="reason-line")
        yield Static(plain(mail_line(self.session)), id="mail-line", classes="reason-line")
        yield DataTable(id="messages", cursor_type="row")
        with VerticalScroll(id="message-view"):
            yield Static("", id="message-head")
            yield Markdown("", id="message-body", open_links=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = "Outbox"
        self.sub_title = self.account
        self.query_one("#mail-line", Static).set_class(not self.session.mail_server, "-blocked")
        table = self.query_one("#messages", DataTable)
        self._lay_out(self.size.width)
        table.focus()
        self.load()

    # ------------------------------------------------------------------ columns

    def on_resize(self, event: events.Resize) -> None:
        if columns_for(event.size.width) != self.columns:
            self._lay_out(event.size.width)

    def _lay_out(self, width: int) -> None:
        """The columns that fit, by priority (status, recipients, subject, then when, tries,
        kind); the highlighted message's full To, Cc and Subject are in the pane below."""
        self.columns = columns_for(width)
        table = self.query_one("#messages", DataTable)
        cursor = table.cursor_row
        table.clear(columns=True)
        for key, label, size in self.columns:
            table.add_column(label, key=key, width=size)
        for row in sorted(self.rows.values(), key=lambda row: -row.id):
            table.add_row(*self._cells(row), key=str(row.id))
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))

    # ------------------------------------------------------------------ reading

    def action_refresh(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="outbox")
    def load(self, after_id: int | None = None) -> None:
        rows = outbox_page(self.account, after_id=after_id, limit=PAGE + 1)
        self.post_read(self.Loaded(rows[:PAGE], len(rows) > PAGE, after_id is not None))

    def on_outbox_screen_loaded(self, event: Loaded) -> None:
        self.loading = False
        self.read_once = True
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
            summary.update(plain(shown))
        self._show_highlighted()

    def _cells(self, row: OutboxRow) -> tuple[str | Content, ...]:
        more = f" +{len(row.recipients) - 1}" if len(row.recipients) > 1 else ""
        cells: dict[str, str | Content] = {
            "status": plain(status_word(row), STATUS_STYLES.get(row.status, "")),
            "to": plain((row.recipients[0] if row.recipients else "-") + more),
            "subject": plain(row.subject),
            "created": when(row.created_at),
            "tries": str(row.attempts),
            "kind": plain(row.kind),
        }
        return tuple(cells[key] for key, _, _ in self.columns)

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
        lines: list[str | tuple[str, str] | Content] = [
            ("Subject: ", "bold"),
            plain(row.subject),
            "\n",
            ("To: ", "bold"),
            plain(", ".join(row.recipients)),
            plain(f"  ({row.audience})"),
            "\n",
            ("Status: ", "bold"),
            plain(status_text(row), STATUS_STYLES.get(row.status, "")),
            plain(f" · {row.kind} · created {when(row.created_at)} · {row.attempts} tries"),
        ]
        if row.cc:
            lines += ["\n", ("Cc: ", "bold"), plain(", ".join(row.cc))]
        if row.last_error:
            label = (
                "Error: "
                if row.status in (OutboxStatus.FAILED, OutboxStatus.QUEUED)
                else "What happened: "
            )
            lines += ["\n", (label, "$text-error bold"), plain(row.last_error, "$text-error")]
        head.update(Content.assemble(*lines))
        body.update(row.body)

    # ------------------------------------------------------------------ changes

    def unavailable_reason(self, action: str) -> str:
        if action == "send":
            if not self.session.mail_server:
                return (
                    "No SMTP configured, so nothing can be sent from here: set [smtp] in the "
                    "configuration, or press x to export the queued e-mails as .eml files."
                )
            return ""
        row = self.current
        if row is None and not self.read_once:
            return "The outbox is still being read."
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
        if action == "sent_by_hand" and row.status not in BY_HAND_FROM:
            return (
                f"This e-mail is {row.status}: only a queued or failed one can be recorded as "
                "sent by hand."
            )
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

    def action_sent_by_hand(self) -> None:
        row = self._available("sent_by_hand")
        if row is None:
            return
        lines = [
            f"Record '{row.subject}' to {', '.join(row.recipients)} as sent by hand (an "
            "exported .eml sent from a mail client)?",
            "",
            "It then counts as sent (sections waiting for it turn green), and offboard never "
            "sends it.",
        ]

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._change("sent_by_hand", row.id)

        dialog = ConfirmDialog("Sent by hand?", lines, "Record sent")
        self.app.push_screen(dialog, confirmed)

    @work(thread=True, exclusive=True, exit_on_error=False, group="change")
    def _change(self, action: str, message_id: int) -> None:
        operation = OPERATIONS[action]
        self.post_message(self.Changed(operation(self.session.login, message_id), action))

    def on_outbox_screen_changed(self, event: Changed) -> None:
        self.notify(f"'{event.row.subject}' is {DONE[event.action]}.", title="Outbox", markup=False)
        if event.action in ("retry", "resend"):
            self.app.post_message(MailQueued())  # back in the queue: sent at once, if it may be
        self.load()

    # ------------------------------------------------------------------ sending

    def action_send(self) -> None:
        reason = self.unavailable_reason("send")
        if reason:
            self.notify(reason, title="Not sent", severity="warning", markup=False)
            return
        self.notify(f"Sending what is queued through {self.session.mail_server}…", timeout=3)
        self.app.post_message(MailQueued())

    def on_mail_sent(self, _event: MailSent) -> None:
        self.load()

    def action_export(self) -> None:
        form = ExportForm(self.account, default_export_folder(), "", self.session.login)
        self.app.push_screen(form, self._exported)

    def _exported(self, outcome: Outcome | None) -> None:
        if outcome is not None:
            self.notify(outcome.message, title="Exported", markup=False)


def columns_for(width: int) -> list[tuple[str, str, int]]:
    """The Outbox table's columns for a terminal ``width``: status and recipients always, the
    subject taking what is left, then when it was created, the tries and the kind as room
    allows."""
    room = width - 4  # the scrollbar and the table's edges
    # Status is a word (withdrawn, uncertain); the recipients have room for an address.
    columns = [("status", "Status", 9), ("to", "To", 30)]
    extra = [("created", "Created", 16), ("tries", "Tries", 5), ("kind", "Kind", 24)]
    subject_min = 30
    used = sum(size + 2 for _, _, size in columns)  # each cell has one space either side
    for column in extra:
        if used + column[2] + 2 + subject_min + 2 <= room:
            columns.append(column)
            used += column[2] + 2
    order = ["created", "status", "tries", "to", "subject", "kind"]
    columns.append(("subject", "Subject", max(subject_min, room - used - 2)))
    return sorted(columns, key=lambda column: order.index(column[0]))
