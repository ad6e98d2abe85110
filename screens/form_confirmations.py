"""The forms that confirm work done or decide: the steps of a scenario's section or a timeline
(one confirmation at a time, each can be taken back), a change that needs only a yes (approve
deletion, Data Purge Done), the account team's decision on the data (hold or approve its
deletion), and Process itself with who will be notified.

Each saves through ``FormScreen`` (screens/form_screen.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Input, Label, OptionList, SelectionList, Static
from textual.widgets.option_list import Option
from textual.widgets.selection_list import Selection

from data import cancellations, clock, notices
from data.cancellations import Outcome
from data.customers import ToolView
from data.dates import when
from data.errors import Conflict
from data.notices import NotifyChoices, Recipient
from data.rules import StepDone
from screens.find import TypeAheadList
from screens.form_screen import FormScreen
from screens.milestones import process_lines
from screens.outbox import MailQueued
from screens.plain import plain
from screens.ticks import TickList


class StepForm(FormScreen):
    """The steps of a scenario's section (Finance's e-mail, the payment, Billing's confirmation…):
    Enter confirms the highlighted step with the note typed; ctrl+u takes a confirmation back.

    The Timeline's forms (screens/timeline_forms.py) are this form with their own words: the
    class attributes below, and ``at_words`` for the time a step was done."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *FormScreen.BINDINGS,
        Binding("ctrl+u", "take_back", "Take back"),
    ]
    NOTE_PLACEHOLDER: ClassVar[str] = "Note (optional): who confirmed it, and how"
    DONE_WORD: ClassVar[str] = "confirmed"  # "'Payment' was confirmed by …"
    NOTHING_TO_TAKE_BACK: ClassVar[str] = "is not confirmed, so there is nothing to take back"

    def __init__(
        self,
        title: str,
        explanation: str,
        *,
        steps: Sequence[tuple[str, str, StepDone | None]],
        confirm: Callable[[str, str], Outcome],
        take_back: Callable[[str], Outcome],
    ) -> None:
        super().__init__(title, explanation, save_label="Confirm")
        self.steps = list(steps)
        self.confirm = confirm
        self.take_back = take_back
        # The steps being confirmed by the save under way.
        self.saving: tuple[str, ...] = ()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield from self.compose_heading()
            yield TypeAheadList(
                *[Option(self.label(title, done), id=key) for key, title, done in self.steps],
                id="steps",
            )
            # Not selected on focus: a letter typed on the steps list is already in it.
            yield Input(placeholder=self.NOTE_PLACEHOLDER, id="note", select_on_focus=False)
            yield Static("", id="form-message", classes="field-message -invalid")
            yield from self.compose_buttons()

    def at_words(self, done: StepDone) -> str:
        """When the step was done, as the form shows it."""
        return when(done.at)

    def done_words(self, done: StepDone) -> str:
        """Who and when, and the note."""
        note = f": {done.note}" if done.note else ""
        return f"{done.by}, {self.at_words(done)}{note}"

    def label(self, title: str, done: StepDone | None, ticked: bool = False) -> Content:
        if done is None:
            return Content.assemble(
                ("✗ ", "$error bold"), plain(title), ("  not yet", "$text-muted")
            )
        return Content.assemble(
            ("✓ ", "$success bold"),
            plain(title),
            plain(f"  {self.done_words(done)}", "$text-muted"),
        )

    def on_mount(self) -> None:
        options = self.query_one("#steps", OptionList)
        pending = [n for n, (_, _, done) in enumerate(self.steps) if done is None]
        options.highlighted = pending[0] if pending else 0
        options.focus()

    def _highlighted(self) -> tuple[str, str, StepDone | None] | None:
        index = self.query_one("#steps", OptionList).highlighted
        return self.steps[index] if index is not None else None

    @on(OptionList.OptionSelected, "#steps")
    @on(Input.Submitted, "#note")
    def _chosen(self) -> None:
        self.action_save()

    @on(TypeAheadList.TypedAhead)
    def _typed_ahead(self, event: TypeAheadList.TypedAhead) -> None:
        """A letter typed on the steps is the note's: the focus moves there with it."""
        note = self.query_one("#note", Input)
        note.focus()
        note.insert_text_at_cursor(event.character)

    def on_form_screen_saved(self, event: FormScreen.Saved) -> None:
        """A step confirmed: the form stays open on the next one not yet confirmed (a section
        of two steps is one trip); it closes once none is left."""
        left = [key for key, _, done in self.steps if done is None and key not in self.saving]
        if not self.saving or not left:
            return  # FormScreen's own handler closes the form with the outcome
        event.stop()
        event.prevent_default()
        self.step_saved(event.outcome, *self.saving)

    def step_saved(self, outcome: Outcome, *keys: str) -> None:
        """Mark ``keys`` confirmed (just now, by you), clear the note and move on to the next
        step not confirmed; the version to save with is the one the change left."""
        note = self.query_one("#note", Input)
        at = clock.now()
        self.steps = [
            (key, title, StepDone(key, title, "you", at, note.value) if key in keys else done)
            for key, title, done in self.steps
        ]
        options = self.query_one("#steps", OptionList)
        for index, (_key, title, done) in enumerate(self.steps):
            options.replace_option_prompt_at_index(index, self.label(title, done))
        if self.expected is not None:
            self.expected.version = outcome.version
        note.value = ""
        self.query_one("#save", Button).disabled = False
        self.show_invalid("")
        self.notify(outcome.message, title="Saved")
        index = options.highlighted or 0
        pending = [n for n, (_, _, done) in enumerate(self.steps) if done is None]
        later = [n for n in pending if n > index] or pending
        if later:
            options.highlighted = later[0]
        options.focus()

    def action_save(self) -> None:
        chosen = self._highlighted()
        if chosen is None:
            self.show_invalid("Choose one with the arrows, then press Enter.")
            return
        key, title, done = chosen
        if done is not None:
            self.show_invalid(
                f"'{title}' was {self.DONE_WORD} by {done.by} on {self.at_words(done)}. "
                "ctrl+u takes it back if that was a mistake."
            )
            return
        note = self.query_one("#note", Input).value
        self.saving = (key,)
        self.save_with(partial(self.confirm, key, note))

    def action_take_back(self) -> None:
        chosen = self._highlighted()
        if chosen is None:
            return
        key, title, done = chosen
        if done is None:
            self.show_invalid(f"'{title}' {self.NOTHING_TO_TAKE_BACK}.")
            return
        self.saving = ()  # a step taken back closes the form, as the screen re-reads
        self.save_with(partial(self.take_back, key))


class ActionForm(FormScreen):
    """A change that needs no input, only a confirmation (approve deletion, Data Purge Done):
    Enter or ctrl+s does it, Escape does not."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *FormScreen.BINDINGS,
        Binding("enter", "save", "Confirm", show=False),
    ]

    def __init__(
        self, title: str, explanation: str, *, save: Callable[[], Outcome], save_label: str
    ) -> None:
        super().__init__(title, explanation, save_label=save_label)
        self.save_action = save

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield from self.compose_heading()
            yield Static("", id="form-message", classes="field-message -invalid")
            yield from self.compose_buttons()

    def on_mount(self) -> None:
        self.query_one("#save", Button).focus()

    def action_save(self) -> None:
        self.save_with(self.save_action)


class DecisionForm(FormScreen):
    """The account team's decision: hold the data (a reason and a review date) or approve its
    deletion."""

    def __init__(
        self,
        title: str,
        explanation: str,
        *,
        time_zone: str,
        save: Callable[[str, str, str], Outcome],
        current: str | None = None,
    ) -> None:
        super().__init__(title, explanation)
        self.time_zone = time_zone
        self.save_decision = save
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield from self.compose_heading()
            yield OptionList(
                Option("Approve deletion: the data may be purged", id="approve"),
                Option("Hold: keep the data until a review date", id="hold"),
                id="decision",
            )
            yield Label("Reason for the hold", classes="field-label")
            yield Input(placeholder="e.g. Legal hold while the contract dispute runs", id="reason")
            yield Label("Review date", classes="field-label")
            yield Input(placeholder="2026-12-31 or +30d", id="review")
            yield Static("", id="form-message", classes="field-message -invalid")
            yield from self.compose_buttons()

    def on_mount(self) -> None:
        options = self.query_one("#decision", OptionList)
        options.highlighted = 1 if self.current == "hold" else 0
        options.focus()

    @on(OptionList.OptionSelected, "#decision")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        if event.option.id == "hold":
            self.query_one("#reason", Input).focus()
        else:
            self.action_save()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        index = self.query_one("#decision", OptionList).highlighted
        decision = "hold" if index == 1 else "approve"
        reason = self.query_one("#reason", Input).value
        review = self.query_one("#review", Input).value
        if decision == "approve" and (reason.strip() or review.strip()):
            self.show_invalid(
                "A reason and a review date belong to a hold: choose Hold, or clear them."
            )
            return
        self.save_with(partial(self.save_decision, decision, reason, review))


class ProcessForm(FormScreen):
    """The Process confirmation (seed 002): what Process will do, and who will be notified by
    e-mail — every active user and the playbook's parties that have an address, the chosen ones
    ticked (space changes a tick). ``y`` (or ctrl+s) saves a changed choice and processes;
    ``n`` or Escape does nothing."""

    DEFAULT_CSS = """
    ProcessForm #notify {
        height: auto;
        max-height: 10;
        border: none;
        padding: 0;
        background: $boost;
    }
    ProcessForm #form-message {
        display: none;
    }
    ProcessForm #form-message.-shown {
        display: block;
    }
    ProcessForm #notify-label {
        margin-top: 0;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        *FormScreen.BINDINGS,
        Binding("y", "save", "Process"),
        Binding("n", "cancel", "Cancel"),
    ]

    @dataclass
    class Loaded(Message):
        choices: NotifyChoices

    def __init__(self, view: ToolView, login: str) -> None:
        # What Process will do; who is notified is the list below the text, to change. The
        # question is the title, so that the list fits an 80x24 terminal.
        self.lines = process_lines(view)
        question, *rest = self.lines
        shown = [line for line in rest if line.strip() and not line.startswith(NOTIFIED_LINE)]
        super().__init__(question, "\n".join(shown), save_label="Process")
        self.account = view.customer.account
        self.version = view.customer.version
        self.login = login
        # As the tool read it, until the full list is read.
        self.named = ", ".join(view.cancellation.notify) if view.cancellation else ""
        self.choices: NotifyChoices | None = None
        # The choice this form saved already (Process was then refused), and so the version.
        self.saved: tuple[set[str], set[str]] | None = None
        # What became of the cancellation when it is no longer pending (a colleague, or the
        # command line, processed or removed it after the tool read it): nothing to Process.
        self.settled = ""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield from self.compose_heading()
            yield Label(
                "Notified by e-mail (space ticks or unticks; y processes):",
                id="notify-label",
                classes="field-label",
            )
            yield TickList[str](id="notify")
            yield Static(
                plain(f"Reading who may be notified… (chosen: {self.named or 'nobody'})"),
                id="notify-summary",
            )
            yield Static("", id="form-message", classes="field-message -invalid")
            yield from self.compose_buttons()

    def compose_buttons(self) -> ComposeResult:
        with Horizontal(classes="dialog-buttons"):
            yield Button("Process (y)", variant="primary", id="save")
            yield Button("Cancel (n)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#notify", SelectionList).focus()
        self._fit(self.size.height)
        self._read()

    def on_resize(self, event: events.Resize) -> None:
        self._fit(event.size.height)

    def _fit(self, height: int) -> None:
        """As many people as the terminal leaves room for (the rest scroll), so the text and
        the buttons stay in view: five at 24 rows, ten from 29."""
        text = sum(1 + len(line) // 70 for line in self.explanation.splitlines())
        # The frame (4), the title (2), the text (and a blank line), the label, the summary and
        # the buttons (4) around the list.
        room = height - 4 - 2 - (text + 1) - 1 - 1 - 5
        self.query_one("#notify", SelectionList).styles.max_height = max(3, min(10, room))

    def show_invalid(self, message: str) -> None:
        shown = self.query_one("#form-message", Static)
        shown.set_class(bool(message), "-shown")
        shown.update(plain(message))

    @work(thread=True, exclusive=True, exit_on_error=False, group="read")
    def _read(self) -> None:
        self.post_read(self.Loaded(notices.notify_choices(self.account)))

    def on_process_form_loaded(self, event: Loaded) -> None:
        self.choices = event.choices
        if event.choices.settled:
            self._show_settled(event.choices.settled)
            return
        options = self.query_one("#notify", SelectionList)
        options.clear_options()
        # The chosen ones first, then the playbook's parties, then everyone else by name.
        people = sorted(
            (*event.choices.users, *event.choices.parties),
            key=lambda person: (not person.chosen, not person.party),
        )
        options.add_options(
            [
                Selection(_recipient_label(person), _value(person), person.chosen)
                for person in people
            ]
        )
        self._show_summary()

    @on(SelectionList.SelectedChanged, "#notify")
    def _ticked(self) -> None:
        self._show_summary()

    def _chosen(self) -> tuple[list[str], list[str]]:
        selected = list(self.query_one("#notify", SelectionList).selected)
        logins = [value[2:] for value in selected if value.startswith("u:")]
        parties = [value[2:] for value in selected if value.startswith("p:")]
        return logins, parties

    def _show_summary(self) -> None:
        if self.choices is None:
            return
        logins, parties = self._chosen()
        names = {_value(p): p.name for p in (*self.choices.users, *self.choices.parties)}
        chosen = [names[f"u:{login}"] for login in logins] + [names[f"p:{k}"] for k in parties]
        unreachable = [
            person.name
            for person in self.choices.users
            if person.key in logins and not person.email
        ]
        text = f"{len(chosen)} chosen: {', '.join(chosen)}" if chosen else "Nobody is notified."
        if unreachable:
            text += f" ({', '.join(unreachable)}: no e-mail address, not told)"
        self.query_one("#notify-summary", Static).update(plain(text))

    def _show_settled(self, settled: str) -> None:
        """The cancellation is no longer pending: say what happened, offer nothing to do."""
        self.settled = f"{settled} while this was open; nothing was done."
        self.query_one("#notify", SelectionList).display = False
        self.query_one("#notify-label", Label).display = False
        self.query_one("#notify-summary", Static).update(plain(self.settled))
        self.query_one("#save", Button).disabled = True
        self.show_invalid(self.settled)

    def action_save(self) -> None:
        if self.settled:
            self.show_invalid(self.settled)
            return
        logins, parties = self._chosen()
        if self.saved is not None:
            before = self.saved
        elif self.choices is not None:
            before = (set(self.choices.chosen_logins), set(self.choices.chosen_parties))
        else:
            before = (set(logins), set(parties))  # not read yet: nothing was changed
        changed = (set(logins), set(parties)) != before
        self.save_with(partial(self._process, logins, parties, changed))

    def on_form_screen_saved(self, _event: FormScreen.Saved) -> None:
        # The notification was queued: sent now, when the app sends mail. (Textual then runs
        # FormScreen's own handler too, which closes the form.)
        self.app.post_message(MailQueued())

    def _process(self, logins: list[str], parties: list[str], changed: bool) -> Outcome:
        """Runs in the form's worker: a changed choice first, then Process on the version it
        left (a colleague's change in between refuses both). Read again first: processed or
        removed meanwhile, it says so rather than that the customer changed."""
        settled = notices.notify_choices(self.account).settled
        if settled:
            raise Conflict(f"{settled} while this was open; nothing was done.")
        version = self.version
        if changed:
            version = notices.choose_notified(
                self.login, self.account, logins, parties, expected_version=version
            ).version
            # Saved: should Process be refused, the form stays open on this choice and version.
            self.version, self.saved = version, (set(logins), set(parties))
        return cancellations.process(self.login, self.account, expected_version=version)


NOTIFIED_LINE = "• Notified by e-mail:"


def _value(person: Recipient) -> str:
    return f"{'p' if person.party else 'u'}:{person.key}"


def _recipient_label(person: Recipient) -> Content:
    if person.party:
        return Content.assemble(
            plain(person.name),
            (" · playbook party", "$text-muted"),
            plain(f"  {person.email}", "$text-muted"),
        )
    if not person.email:
        return Content.assemble(plain(person.name), ("  no e-mail address", "$text-warning"))
    return Content.assemble(plain(person.name), plain(f"  {person.email}", "$text-muted"))
