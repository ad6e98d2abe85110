"""Writing the offboarding notice to the customer's admin: the filled template, previewed as it
will read (Markdown) and editable as text, queued to the outbox with ctrl+s.

The draft and the queueing both run in workers; when nobody may contact the admin (collections)
the screen says why instead of offering a draft."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import var
from textual.widgets import (
    Header,
    Input,
    Label,
    Markdown,
    Static,
    TabbedContent,
    TabPane,
    TextArea,
)
from textual.worker import Worker, WorkerState

from data.cancellations import Outcome, queue_offboarding_notice
from data.errors import InvalidInput
from data.notices import Draft, compose_offboarding_notice, compose_task_email
from data.termination import queue_task_email
from screens.base import OffboardScreen, Session
from screens.dialogs import ConfirmDialog
from screens.footer import KeyFooter
from screens.outbox import MailQueued, waiting_words
from screens.plain import plain


class EmailScreen(OffboardScreen):
    """The offboarding notice of one customer, to read, edit and queue."""

    HELP_TEXT = (
        "The offboarding notice tells the customer's admin when the account closes and how to "
        "save their data, module by module. Read it in Preview; Edit (F2 switches) changes "
        "the text, which is Markdown. ctrl+s queues it in the outbox; Admin notified turns green "
        "once it is sent: the app sends it at once when a mail server is configured; without "
        "one it stays queued and the Outbox (o on the tool) exports it as an .eml file. Nothing is sent to a customer that has been sent to collections."
    )
    GUARDED_ACTIONS: ClassVar[frozenset[str]] = frozenset({"queue"})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "queue", "Queue e-mail"),
        Binding("f2", "toggle_edit", "Preview/Edit"),
    ]

    @dataclass
    class Drafted(Message):
        draft: Draft

    @dataclass
    class Queued(Message):
        outcome: Outcome

    @dataclass
    class Invalid(Message):
        """The operation refused the input; nothing was queued."""

        message: str

    # The message as written (None until then) and whether it is being queued: ctrl+s is
    # enabled from them.
    draft: var[Draft | None] = var(None, bindings=True)
    queueing: var[bool] = var(False, bindings=True)

    def __init__(
        self, session: Session, account: str, version: int, task: str | None = None
    ) -> None:
        super().__init__(session)
        self.account = account
        self.version = version
        # A timeline task's e-mail (the final termination e-mail) rather than the admin's notice.
        self.plan_task = task

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Writing the offboarding notice…", id="email-status", classes="reason-line")
        with Vertical(id="email-fields"):
            with Horizontal(classes="email-field"):
                yield Label("To", classes="email-label")
                yield Input(id="email-to", placeholder="admin@customer.example")
            with Horizontal(classes="email-field"):
                yield Label("Subject", classes="email-label")
                yield Input(id="email-subject")
        yield Static("", id="email-warnings", classes="reason-line -blocked")
        with TabbedContent(id="email-tabs", initial="preview"):
            with TabPane("Preview", id="preview"):
                yield Markdown("", id="email-preview", open_links=False)
            with TabPane("Edit", id="edit"):
                yield TextArea("", id="email-body", language="markdown", soft_wrap=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = "Offboarding notice" if self.plan_task is None else "Final termination e-mail"
        self.sub_title = self.account
        self.query_one("#email-fields").display = False
        self.query_one("#email-tabs").display = False
        self.query_one("#email-warnings").display = False
        self.compose_draft()

    @work(thread=True, exclusive=True, exit_on_error=False, group="draft")
    def compose_draft(self) -> None:
        if self.plan_task is not None:
            draft = compose_task_email(self.account, self.session.login, self.plan_task)
        else:
            draft = compose_offboarding_notice(
                self.account, self.session.login, notice_days=self.session.notice_days
            )
        self.post_message(self.Drafted(draft))

    def on_email_screen_drafted(self, event: Drafted) -> None:
        draft = self.draft = event.draft
        self.sub_title = f"{draft.customer_name} ({draft.account})"
        status = self.query_one("#email-status", Static)
        if draft.refusal:
            status.update(plain(draft.refusal))
            status.set_class(True, "-blocked")
            return
        if self.plan_task is not None:
            copied = f", copying {draft.cc}" if draft.cc else ""
            status.update(
                plain(
                    f"De-provisioning on {draft.deactivation_date}. To the account team{copied}; "
                    "ctrl+s queues it; F2 edits the text."
                )
            )
        else:
            status.update(
                f"Deactivation on {draft.deactivation_date} ({draft.notice_days} days' notice). "
                "ctrl+s queues it; F2 edits the text."
            )
        self.query_one("#email-to", Input).value = draft.recipients
        self.query_one("#email-subject", Input).value = draft.subject
        self.query_one("#email-body", TextArea).text = draft.body
        self.query_one("#email-preview", Markdown).update(draft.body)
        warnings = self.query_one("#email-warnings", Static)
        warnings.update(plain("\n".join(f"! {line}" for line in draft.warnings)))
        warnings.display = bool(draft.warnings)
        self.query_one("#email-fields").display = True
        self.query_one("#email-tabs").display = True
        self.query_one("#email-to", Input).focus()

    # ------------------------------------------------------------------ editing

    @on(TextArea.Changed, "#email-body")
    def _body_changed(self, event: TextArea.Changed) -> None:
        self.query_one("#email-preview", Markdown).update(event.text_area.text)

    @property
    def edited(self) -> bool:
        if self.draft is None or self.draft.refusal:
            return False
        return (
            self.query_one("#email-body", TextArea).text != self.draft.body
            or self.query_one("#email-subject", Input).value != self.draft.subject
            or self.query_one("#email-to", Input).value != self.draft.recipients
        )

    def action_toggle_edit(self) -> None:
        tabs = self.query_one("#email-tabs", TabbedContent)
        tabs.active = "edit" if tabs.active == "preview" else "preview"
        if tabs.active == "edit":
            self.query_one("#email-body", TextArea).focus()

    # ------------------------------------------------------------------ queueing

    def unavailable_reason(self, action: str) -> str:
        if action != "queue":
            return ""
        if self.draft is None:
            return "The notice is still being written."
        if self.draft.refusal:
            return self.draft.refusal
        if not self.session.can_cancel:
            return self.session.refusal
        if self.queueing:
            return "The notice is being queued."
        return ""

    def action_queue(self) -> None:
        if self.unavailable_reason("queue"):
            return
        self.queueing = True
        self._queue(
            self.query_one("#email-to", Input).value,
            self.query_one("#email-subject", Input).value,
            self.query_one("#email-body", TextArea).text,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="queue")
    def _queue(self, recipients: str, subject: str, body: str) -> None:
        try:
            if self.plan_task is not None:
                outcome = queue_task_email(
                    self.session.login,
                    self.account,
                    self.plan_task,
                    recipients,
                    subject,
                    body,
                    expected_version=self.version,
                )
            else:
                outcome = queue_offboarding_notice(
                    self.session.login,
                    self.account,
                    recipients,
                    subject,
                    body,
                    expected_version=self.version,
                )
        except InvalidInput as error:
            self.post_message(self.Invalid(str(error)))
            return
        self.post_message(self.Queued(outcome))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        super().on_worker_state_changed(event)
        if event.state is WorkerState.ERROR and event.worker.group == "queue":
            self.queueing = False  # the app says why; ctrl+s may try again

    def on_email_screen_invalid(self, event: Invalid) -> None:
        self.queueing = False
        status = self.query_one("#email-status", Static)
        status.update(plain(event.message))
        status.set_class(True, "-blocked")
        self.notify(event.message, title="Not queued", severity="error", markup=False)

    def on_email_screen_queued(self, event: Queued) -> None:
        self.queueing = False
        self.notify(
            f"{event.outcome.message} {waiting_words(self.session)}", title="Queued", markup=False
        )
        self.app.post_message(MailQueued())  # sent now, when the app sends mail
        self.draft = None  # nothing left to lose
        self.dismiss()

    def action_back(self) -> None:
        if not self.edited:
            self.dismiss()
            return
        self.app.push_screen(
            ConfirmDialog(
                "Discard the notice?",
                ["You changed the notice and have not queued it.", "", "Discard your changes?"],
                "Discard",
            ),
            self._discard_confirmed,
        )

    def _discard_confirmed(self, confirmed: bool | None) -> None:
        if confirmed:
            self.dismiss()
