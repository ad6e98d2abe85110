"""The Cancellation Tool: the banner, one line per section (a red or green dot, ✗ or ✓, the name
and its summary), and Refresh, Remove Cancellation, Process and Close termination case.

Enter on a section with records opens its Manage table; on reasons, ownership, expiry or mood it
opens the form that clears it (screens/tool_forms.py). Process stays disabled, with the reason
on screen, until every section that holds it back is clear; sections that hold back only Close
say "for Close". After Process the tool stays open on the termination case: the banner says
what is left, the Timeline works its tasks and c closes the case once they are done."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.reactive import var
from textual.screen import ModalScreen
from textual.widgets import Header, ListItem, ListView, Static

from data import cancellations
from data.cancellations import Outcome
from data.customers import ToolView
from data.models import CancellationState, DoneBy
from data.playbook import Milestone
from data.records import RECORD_KINDS
from data.rules import Section, SectionKey, SectionState, describe_red
from data.users import ReasonRow, UserRow
from data.views import sends_notice, tool_screen
from screens.base import OffboardScreen, Session
from screens.customer import banner_text
from screens.dialogs import ConfirmDialog
from screens.footer import KeyFooter
from screens.form_confirmations import ProcessForm
from screens.milestones import (
    CLOSE_BINDING,
    CaseClosed,
    after_process_words,
    ask_to_close,
    close_case,
    close_dialog,
    close_reason,
    left_for_close_words,
    removal_refused,
    view_tasks_left,
)
from screens.plain import plain, plain_text, shown
from screens.tool_forms import scenario_form, section_form
from screens.widgets import PlaybookLine, SectionLine, for_close

PROCESS = Milestone.PROCESS
# What the tool lets anyone do whatever state the cancellation is in: read, and move to its other
# screens (the data layer checks what they change).
READING = frozenset({"refresh", "manage", "billing", "outbox", "timeline"})
# What only a pending cancellation can do: hidden once it is processed.
PENDING_ONLY = frozenset({"process", "remove", "scenario", "email"})


class SectionItem(ListItem):
    """One section of the tool, selectable."""

    def __init__(self, section: Section, *, processed: bool = False) -> None:
        super().__init__(id=f"section-{section.key}")
        self.section = section
        self.processed = processed

    def compose(self) -> ComposeResult:
        yield SectionLine(self.section, processed=self.processed)

    def show(self, section: Section, *, processed: bool = False) -> None:
        self.section = section
        self.processed = processed
        for line in self.query(SectionLine):
            line.show(section, processed=processed)


class SectionList(ListView):
    """The sections; Enter manages the highlighted one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "select_cursor",
            "Manage",
            show=True,
            tooltip="Open what clears the highlighted section: its form, or its records",
        ),
    ]


def progress_words(sections: Sequence[Section]) -> str:
    """ "9 of 13 clear": of the sections that can hold a milestone back, how many are clear."""
    counted = [section for section in sections if section.milestone is not None]
    clear = sum(1 for section in counted if not section.holds_back)
    return f"{clear} of {len(counted)} clear"


def fitted(reason: str, width: int, lines: int = 2) -> str:
    """The reason Process is unavailable, in at most ``lines`` lines of ``width``: a list of
    section names that would not fit is left to the ✗ above it (p and Help give it whole)."""
    if width <= 0 or len(reason) <= lines * width - 4:
        return reason
    head, _, rest = reason.partition(" still red: ")
    if not rest:
        return reason
    later = rest.partition("; ")[2]
    short = f"{head} still red (the ✗ above)"
    return f"{short}; {later}" if later else f"{short}."


def detail_words(section: Section, *, processed: bool = False) -> Text:
    """The highlighted section in full: its name, state and whole summary (the list's line may
    be cut), and what Enter does on it."""
    if section.is_red:
        state = "for Close" if for_close(section) and not processed else "red"
    elif section.holds_back:
        state = "waiting"
    elif section.state is SectionState.OPTIONAL or (section.milestone is None and not processed):
        # Optional: the mood, or a section the playbook only shows. Once processed the tool's
        # own sections gate nothing any more, but they were done for Process: clear.
        state = "optional"
    else:
        state = "clear"
    if section.key in RECORD_KINDS:
        enter = "Enter: its records"
    elif section.key in (SectionKey.TIMELINE, SectionKey.ACCESS_DATA, SectionKey.SIGN_OFFS):
        enter = "Enter: the Timeline" if section.key != SectionKey.SIGN_OFFS else "Enter: sign off"
    else:
        enter = "Enter: its form"
    return Text.assemble(
        (shown(section.name), "bold"), f" ({state}) — {shown(section.summary)}  · {enter}"
    )


class ToolScreen(OffboardScreen):
    """The Customer Cancellation Tool for one customer."""

    HELP_TEXT = (
        "A cancellation takes a customer from Live to Cancelled with nothing left loose. Each "
        "line is a section: a red dot and ✗ means it still needs work, green and ✓ means it is "
        'clear (Customer mood is optional); a section marked "for Close" (amber) holds back '
        "only the closing of the termination case, not Process. Enter on a section opens "
        "Manage for it; r re-reads everything. x removes the cancellation (the customer returns "
        "to its earlier status). p processes it once every section Process waits for is clear: "
        "the new owner takes the customer, its status becomes Cancelled and the chosen people "
        "are notified. The termination case stays open after Process: its tasks are worked on "
        "the Timeline (t), and c closes it once they are done (Former Customer). s changes the "
        "scenario, e writes the offboarding notice to the admin, b shows the billing, o the "
        "e-mails queued and sent for this customer."
    )
    GUARDED_ACTIONS: ClassVar[frozenset[str]] = frozenset(
        {"remove", "process", "scenario", "email", "close_case", "timeline"}
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "refresh", "Refresh", tooltip="Re-read the cancellation and its sections"),
        # Shown only once processed (before Process it stands where Process does).
        CLOSE_BINDING,
        Binding(
            "x",
            "remove",
            "Remove",
            tooltip=(
                "Remove Cancellation: abort it, the customer returns to its earlier status (asks)"
            ),
        ),
        Binding(
            "p",
            "process",
            "Process",
            tooltip="Cancel the customer once every section Process waits for is clear (asks)",
        ),
        Binding("s", "scenario", "Scenario", tooltip="Change the scenario: which sections it adds"),
        Binding("e", "email", "E-mail admin", tooltip="Write the offboarding notice to the admin"),
        Binding("b", "billing", "Billing", show=False, tooltip="The customer's invoices and notes"),
        Binding(
            "o",
            "outbox",
            "Outbox",
            show=False,
            tooltip="The e-mails queued and sent for this customer",
        ),
        Binding("f", "case_file", "Case file", show=False, tooltip="Write the case file (HTML)"),
        Binding(
            "t",
            "timeline",
            "Timeline",
            tooltip="The termination plan's tasks, the effective date, sign-offs",
        ),
        Binding(
            "m",
            "manage",
            "Manage section",
            show=False,
            tooltip="Open what clears the highlighted section (as Enter)",
        ),
    ]
    # The Footer's keys, most important first: at 80 columns the first ones show.
    FOOTER_ORDER: ClassVar[tuple[str, ...]] = (
        "select_cursor",
        "process",
        "close_case",
        "timeline",
        "help",
        "quit",
        "email",
        "scenario",
        "refresh",
        "remove",
        "back",
    )

    @dataclass
    class Loaded(Message):
        view: ToolView
        reasons: list[ReasonRow]
        users: list[UserRow]

    @dataclass
    class Changed(Message):
        """An operation of this screen (Process, Remove) succeeded."""

        action: str
        outcome: Outcome

    # The cancellation as last read; the actions are enabled from it.
    view: var[ToolView | None] = var(None, bindings=True)

    def __init__(self, session: Session, account: str) -> None:
        super().__init__(session)
        self.account = account
        self.reasons: list[ReasonRow] = []
        self.users: list[UserRow] = []
        self.last_outcome = ""
        self._left_for_screen = False
        # The section last opened from the tool: once it reads clear, the cursor moves on.
        self._worked_on: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="banner", classes="banner")
        yield Static(plain(f"Loading the cancellation of {self.account}…"), id="tool-customer")
        yield Static("", id="tool-scenario")
        yield PlaybookLine(id="tool-playbook")
        yield Static("", id="tool-progress")
        with Vertical(id="sections-box"):
            yield SectionList(id="sections")
        yield Static("", id="section-detail")
        yield Static("", id="process-line", classes="reason-line")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = "Cancellation Tool"
        self.sub_title = self.account
        self.query_one("#sections", SectionList).focus()

    def on_screen_suspend(self) -> None:
        # Left for another screen (the Timeline, Billing…), not a form or dialog of this one:
        # what the last change said is stale when the team lead comes back.
        self._left_for_screen = not isinstance(self.app.screen, ModalScreen)

    def on_screen_resume(self) -> None:
        if self._left_for_screen:
            self.last_outcome = ""
            self._left_for_screen = False
        self.load()

    # ------------------------------------------------------------------ reading

    @work(thread=True, exclusive=True, exit_on_error=False, group="tool")
    def load(self) -> None:
        view, reasons, users = tool_screen(self.account)
        self.post_read(self.Loaded(view, reasons, users))

    async def on_tool_screen_loaded(self, event: Loaded) -> None:
        self.view, self.reasons, self.users = event.view, event.reasons, event.users
        customer, cancellation = event.view.customer, event.view.cancellation
        self.sub_title = f"{customer.name} ({customer.account})"
        banner = self.query_one("#banner", Static)
        text = banner_text(event.view)
        if cancellation is not None and cancellation.playbook_note:
            text = f"{text}\n{cancellation.playbook_note}" if text else cancellation.playbook_note
        banner.update(plain_text(text))
        banner.display = bool(text)
        banner.set_class(self.pending is False and text != "", "-cancelled")
        self.query_one("#tool-customer", Static).update(
            Text.assemble(
                (shown(customer.name), "bold"),
                shown(
                    f" · {customer.account} · {customer.status} · owner {customer.owner or 'nobody'}"
                ),
            )
        )
        self.query_one("#tool-scenario", Static).update(self._scenario_line(event.view))
        playbook = self.query_one("#tool-playbook", PlaybookLine)
        if cancellation is not None:
            playbook.show(cancellation.playbook_name, cancellation.playbook_digest)
        playbook.set_class(cancellation is None, "-none")
        sections = self.query_one("#sections", SectionList)
        items = {item.section.key: item for item in sections.query(SectionItem)}
        processed = not self.pending
        if set(items) == {section.key for section in event.view.sections}:
            for section in event.view.sections:
                items[section.key].show(section, processed=processed)
        else:
            # A scenario change brings other sections: the old items must be gone before the
            # new ones (same ids) are mounted.
            await sections.clear()
            await sections.extend(
                SectionItem(section, processed=processed) for section in event.view.sections
            )
            # Processed: what is left is the termination case, so the list opens on it.
            left = [n for n, section in enumerate(event.view.sections) if section.holds_back]
            sections.index = left[0] if processed and left else 0
            if sections.index:
                first = sections.children[sections.index]
                self.call_after_refresh(sections.scroll_to_widget, first, top=True, animate=False)
        self._move_on(sections, event.view.sections)
        self.query_one("#tool-progress", Static).update(self._progress(event.view))
        self._show_detail()
        self._show_process_line()

    def _move_on(self, sections: SectionList, shown: Sequence[Section]) -> None:
        """Back from the section worked on, now clear: the cursor moves to the next red one
        (those that hold Process back first, while pending), so Enter opens it at once."""
        worked_on, self._worked_on = self._worked_on, None
        index = sections.index
        if worked_on is None or index is None or index >= len(shown):
            return
        if shown[index].key != worked_on or shown[index].is_red:
            return
        order = [*range(index + 1, len(shown)), *range(index)]
        first = [n for n in order if shown[n].is_red and shown[n].holds_back_for(PROCESS)]
        then = [n for n in order if shown[n].is_red]
        target = (first if self.pending else []) or then
        if target:
            sections.index = target[0]

    def _progress(self, view: ToolView) -> Text:
        """ "Sections: 9 of 13 clear" while pending; once processed, what is left for Close in
        the tool's words (the sections' count would count only the termination ones)."""
        cancellation = view.cancellation
        if cancellation is None or self.pending:
            return Text.assemble("Sections: ", (progress_words(view.sections), "bold"))
        if not cancellation.case_open:
            return Text.assemble(("Processed", "bold"), " — the termination case is closed.")
        left = left_for_close_words(view)
        if not left:
            return Text.assemble(("Processed", "bold"), " — nothing is left for Close: press c.")
        return Text.assemble(("Processed", "bold"), " — for Close: ", (shown(left), "bold"))

    @on(ListView.Highlighted, "#sections")
    def _show_detail(self) -> None:
        item = self.query_one("#sections", SectionList).highlighted_child
        detail = self.query_one("#section-detail", Static)
        if isinstance(item, SectionItem):
            detail.update(detail_words(item.section, processed=not self.pending))
        else:
            detail.update("")

    @staticmethod
    def _scenario_line(view: ToolView) -> Content:
        parts: list[str | tuple[str, str]] = []
        if view.cancellation is not None:
            parts += ["Scenario: ", (shown(view.cancellation.scenario_label), "bold"), " · "]
        if view.billing is not None:
            style = "$text-error bold" if view.billing.past_due else ""
            parts.append((shown(view.billing.line()), style))
        if view.no_contact:
            parts += [" · ", ("No contact with the admin", "$text-warning bold")]
        return Content.assemble(*parts)

    @property
    def pending(self) -> bool:
        return bool(
            self.view is not None
            and self.view.cancellation is not None
            and self.view.cancellation.state == CancellationState.PENDING
        )

    def _show_process_line(self) -> None:
        line = self.query_one("#process-line", Static)
        reason = self.unavailable_reason("process")
        if self.last_outcome and not self.pending:
            line.update(plain_text(self.last_outcome))
        elif not self.pending and self.view is not None and self.view.cancellation is not None:
            line.update(plain_text(after_process_words(self.view)))
        elif reason:
            line.update(plain_text(fitted(reason, self.size.width - 2)))
        else:
            line.update("Every section Process waits for is clear: press p to Process.")
        line.set_class(bool(reason) and self.pending, "-blocked")
        line.set_class(not reason and self.pending, "-ready")

    def on_resize(self) -> None:
        self._show_process_line()

    # ------------------------------------------------------------------ availability

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Process is hidden once done, and with it what only a pending cancellation can do
        # (the data layer refuses them); Close until there is a processed case open to close;
        # the Timeline when the case has none (a tool-only playbook: closed at Process).
        view = self.view
        cancellation = view.cancellation if view is not None else None
        processed = cancellation is not None and not self.pending
        if action in PENDING_ONLY and processed:
            return False
        if action == "close_case" and not (processed and cancellation and cancellation.case_open):
            return False
        if action == "timeline" and processed and view is not None and not self._has_timeline():
            return False
        return super().check_action(action, parameters)

    def _has_timeline(self) -> bool:
        """Whether the cancellation has a termination timeline with tasks to show."""
        view = self.view
        return bool(
            view is not None and view.termination is not None and view.termination.timeline.tasks
        )

    def unavailable_reason(self, action: str) -> str:
        if self.view is None:
            return "The cancellation is still loading."
        processed = not self.pending and self.view.cancellation is not None
        if action == "timeline" and processed and not self._has_timeline():
            return (
                f"{self.view.customer.name}'s playbook has no termination case: it closed at "
                "Process, so there is no Timeline."
            )
        if action in READING:
            return ""
        customer, cancellation = self.view.customer, self.view.cancellation
        if cancellation is None:
            return f"{customer.name} has no cancellation in progress."
        if cancellation.playbook_note:
            return cancellation.playbook_note
        if action == "close_case":
            reason = close_reason(cancellation.case_open, not self.pending, customer.name)
            return reason or self.session.refusal
        if action == "remove":
            reason = removal_refused(self.view)
            if reason:
                return reason
        if not self.pending:
            if cancellation.case_open:
                return (
                    f"{customer.name} is processed: the tool's sections are done and what is "
                    "left is the termination case (t opens its Timeline; c closes it)."
                )
            return f"This cancellation is finished: {customer.name} is {customer.status}."
        if not self.session.can_cancel:
            return self.session.refusal
        if action == "process" and self.view.unfinished:
            return f"Process is unavailable: {describe_red(self.view.sections)}."
        if action == "email":
            if self.view.no_contact:
                return self.view.no_contact
            if not sends_notice(self.view):
                return "This scenario sends no offboarding notice."
        return ""

    # ------------------------------------------------------------------ actions

    def action_refresh(self) -> None:
        self.last_outcome = ""
        self.load()
        self.notify("Re-read the cancellation.", timeout=2)

    def on_mail_sent(self, _event: Message) -> None:
        # The app sent mail (screens/outbox.py MailSent): Admin notified may have turned green.
        self.load()

    @on(ListView.Selected, "#sections")
    def _selected(self) -> None:
        self.action_manage()

    def action_manage(self) -> None:
        sections = self.query_one("#sections", SectionList)
        item = sections.highlighted_child
        if self.view is None or not isinstance(item, SectionItem):
            return
        key = item.section.key
        # Once a red section is cleared, the cursor moves on to the next red one (fewer keys).
        self._worked_on = key if item.section.is_red else None
        if key in RECORD_KINDS:
            self.post_message(self.OpenManage(self.account, key))
            return
        if key in (SectionKey.RETENTION, SectionKey.APPROVAL):
            # Retention (issue 15): the save attempt form, or the linked change request.
            from screens.retention_forms import open_retention_section

            login, customer = self.session.login, self.view.customer
            open_retention_section(self, login, customer, key, self.load)
            return
        if key == SectionKey.NO_CONTACT:
            self.notify(item.section.summary, title="No contact (collections)", severity="warning")
            return
        if key in (SectionKey.TIMELINE, SectionKey.ACCESS_DATA) or (
            key == SectionKey.SIGN_OFFS and not self.pending
        ):
            # After Process the termination sections are worked on the Timeline.
            self.post_message(self.OpenTimeline(self.account, self._first_open_task(key)))
            return
        reason = self.unavailable_reason("change")
        if reason:
            self.notify(reason, title="Unavailable", severity="warning")
            return
        form = section_form(self.view, key, self.session.login, self.reasons, self.users)
        self.app.push_screen(form, self._form_closed)

    def _first_open_task(self, key: str) -> str | None:
        """The task the Timeline opens on: the first late one, or for Access & data (and
        Sign-offs) the first of its steps not done."""
        if self.view is None or self.view.termination is None:
            return None
        tasks = self.view.termination.timeline.tasks
        if key == SectionKey.ACCESS_DATA:
            kinds = (DoneBy.DEACTIVATION, DoneBy.DECISION, DoneBy.PURGE)
            wanted = [t for t in tasks if t.task.completed_by in kinds and t.done is None]
        elif key == SectionKey.SIGN_OFFS:
            wanted = [t for t in tasks if t.task.completed_by == DoneBy.SIGN_OFFS]
        else:
            wanted = self.view.termination.timeline.late()
        return wanted[0].key if wanted else None

    def action_timeline(self) -> None:
        self.post_message(self.OpenTimeline(self.account, None))

    def action_scenario(self) -> None:
        if self.view is None or self.view.cancellation is None:
            return
        self.app.push_screen(scenario_form(self.view, self.session.login), self._form_closed)

    def action_email(self) -> None:
        if self.view is not None and not self.unavailable_reason("email"):
            self.post_message(self.OpenEmail(self.account, self.view.customer.version))

    def action_billing(self) -> None:
        self.post_message(self.OpenBilling(self.account))

    def action_outbox(self) -> None:
        self.post_message(self.OpenOutbox(self.account))

    def action_case_file(self) -> None:
        from data.case_file import default_name, write  # the case file (issue 16, part F)

        account = self.account

        def written() -> None:
            path = write(account, default_name(account))
            self.app.call_from_thread(self.notify, f"Wrote {path}", title="Case file written")

        self.run_worker(written, thread=True, exclusive=True, exit_on_error=False, group="case")

    def _form_closed(self, outcome: Outcome | None) -> None:
        if outcome is not None:
            self.notify(outcome.message, title="Saved")
        # The screen re-reads as it resumes after the form.

    def action_remove(self) -> None:
        if self.view is None or self.view.cancellation is None:
            return
        customer = self.view.customer
        lines = [
            f"Remove the cancellation of {customer.name} ({customer.account})?",
            "",
            f"The customer returns to {self.view.cancellation.previous_status}. "
            "Work already done (ceased assets, closed cases, expiries) stays done.",
        ]
        self.app.push_screen(
            ConfirmDialog("Remove Cancellation", lines, "Remove"), self._remove_confirmed
        )

    def _remove_confirmed(self, confirmed: bool | None) -> None:
        if confirmed and self.view is not None:
            self._change("remove", self.view.customer.version)

    def action_process(self) -> None:
        if self.unavailable_reason("process") or self.view is None:
            return
        # The confirmation lists who is notified and lets the team lead change it.
        self.app.push_screen(ProcessForm(self.view, self.session.login), self._processed)

    def _processed(self, outcome: Outcome | None) -> None:
        if outcome is not None:
            self.post_message(self.Changed("process", outcome))

    @work(thread=True, exclusive=True, exit_on_error=False, group="change")
    def _change(self, action: str, version: int) -> None:
        operation = cancellations.process if action == "process" else cancellations.remove
        outcome = operation(self.session.login, self.account, expected_version=version)
        self.post_message(self.Changed(action, outcome))

    def on_tool_screen_changed(self, event: Changed) -> None:
        title = "Cancellation processed" if event.action == "process" else "Cancellation removed"
        self.notify(event.outcome.message, title=title)
        if event.action == "remove":
            self.dismiss()
            return
        self.last_outcome = event.outcome.message
        self.load()

    # ------------------------------------------------------------------ closing the case

    def action_close_case(self) -> None:
        if self.view is None or self.unavailable_reason("close_case"):
            return
        customer, version = self.view.customer, self.view.customer.version
        ask_to_close(
            self,
            bool(view_tasks_left(self.view)),
            close_dialog(customer.name, customer.account, customer.customer_type),
            lambda: self._close(version),
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="change")
    def _close(self, version: int) -> None:
        self.post_message(close_case(self.session.login, self.account, version))

    def on_case_closed(self, event: CaseClosed) -> None:
        self.notify(event.outcome.message, title="Termination case closed")
        self.last_outcome = event.outcome.message
        self.load()
