"""The small forms of the Cancellation Tool: a date (cease assets, add an expiry), a choice from a
list (a closed state, the new owner, the mood, the scenario), the cancellation reasons and the
steps of a scenario.

A form checks what it can as you type (a date's format) and saves through the operation it was
given, in a worker. A refusal about the input (``InvalidInput``) is shown next to the field and
the form stays open; nothing is saved from an invalid form. Any other refusal goes up to the app.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import (
    Button,
    Checkbox,
    Input,
    Label,
    OptionList,
    SelectionList,
    Static,
    TextArea,
)
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from data.cancellations import Outcome
from data.dates import DATE_HINT, parse_date, when
from data.errors import InvalidInput
from data.rules import StepDone
from data.users import ReasonRow
from screens.base import OffboardModal


class FormScreen(OffboardModal[Outcome]):
    """A form that saves through one data operation and closes with its Outcome."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
    ]

    @dataclass
    class Saved(Message):
        """The operation succeeded."""

        outcome: Outcome

    @dataclass
    class Invalid(Message):
        """The operation refused the input; nothing was saved."""

        message: str

    def __init__(self, title: str, explanation: str, *, save_label: str = "Save") -> None:
        super().__init__()
        self.title_text = title
        self.explanation = explanation
        self.save_label = save_label

    def compose_heading(self) -> ComposeResult:
        yield Label(self.title_text, classes="dialog-title", markup=False)
        if self.explanation:
            yield Static(self.explanation, classes="dialog-body", markup=False)

    def compose_buttons(self) -> ComposeResult:
        with Horizontal(classes="dialog-buttons"):
            yield Button(f"{self.save_label} (ctrl+s)", variant="primary", id="save")
            yield Button("Cancel (esc)", id="cancel")

    def save_with(self, call: Callable[[], Outcome]) -> None:
        self.query_one("#save", Button).disabled = True
        self._save(call)

    @work(thread=True, exclusive=True, exit_on_error=False, group="save")
    def _save(self, call: Callable[[], Outcome]) -> None:
        try:
            outcome = call()
        except InvalidInput as error:
            self.post_message(self.Invalid(str(error)))
            return
        self.post_message(self.Saved(outcome))

    def on_form_screen_saved(self, event: Saved) -> None:
        event.stop()
        self.dismiss(event.outcome)

    def on_form_screen_invalid(self, event: Invalid) -> None:
        event.stop()
        self.query_one("#save", Button).disabled = False
        self.show_invalid(event.message)

    def show_invalid(self, message: str) -> None:
        """Show a refusal next to the field it is about."""
        self.query_one("#form-message", Static).update(message)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        super().on_worker_state_changed(event)
        if event.state is WorkerState.ERROR and event.worker.group == "save":
            # Not about the input (a conflict, a permission): the app says why; close the form.
            self.dismiss(None)

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        raise NotImplementedError


class DateForm(FormScreen):
    """A date (and optionally a note): cease assets as of a date, add a future expiry."""

    def __init__(
        self,
        title: str,
        explanation: str,
        *,
        time_zone: str,
        save: Callable[[dt.date, str], Outcome],
        with_note: bool = False,
        initial: str = "",
        existing: Callable[[], list[str]] | None = None,
    ) -> None:
        super().__init__(title, explanation)
        self.time_zone = time_zone
        self.save_date = save
        self.with_note = with_note
        self.initial = initial
        self.existing = existing

    @dataclass
    class ExistingRead(Message):
        """What is already on record, read as the form opened (lines to show)."""

        lines: list[str]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield from self.compose_heading()
            if self.existing is not None:
                yield Static("Reading what is on record…", id="existing", classes="dialog-body")
            yield Label("Date", classes="field-label")
            yield Input(
                self.initial,
                placeholder="2026-12-31, today, tomorrow or +30d",
                id="date",
            )
            yield Static("", id="form-message", classes="field-message")
            if self.with_note:
                yield Label("Note", classes="field-label")
                yield Input(placeholder="What to do then (optional)", id="note", max_length=4000)
            yield from self.compose_buttons()

    def on_mount(self) -> None:
        self.query_one("#date", Input).focus()
        if self.initial:
            self._check(self.initial)
        if self.existing is not None:
            self._read_existing(self.existing)

    @work(thread=True, exclusive=True, exit_on_error=False, group="existing")
    def _read_existing(self, read: Callable[[], list[str]]) -> None:
        self.post_message(self.ExistingRead(read()))

    def on_date_form_existing_read(self, event: ExistingRead) -> None:
        event.stop()
        self.query_one("#existing", Static).update("\n".join(event.lines))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        super().on_worker_state_changed(event)
        if event.state is WorkerState.ERROR and event.worker.group == "existing":
            # The app says why; a failed read only leaves the list out, the form stays open.
            self.query_one("#existing", Static).update("Could not read what is on record.")

    def _check(self, text: str) -> dt.date | None:
        message = self.query_one("#form-message", Static)
        if not text.strip():
            message.update(DATE_HINT)
            message.set_class(False, "-invalid")
            return None
        try:
            value = parse_date(text, self.time_zone)
        except InvalidInput as error:
            message.update(str(error))
            message.set_class(True, "-invalid")
            return None
        message.update(f"{value:%A %d %B %Y}")
        message.set_class(False, "-invalid")
        return value

    @on(Input.Changed, "#date")
    def _date_changed(self, event: Input.Changed) -> None:
        self._check(event.value)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        text = self.query_one("#date", Input).value
        value = self._check(text)
        if value is None:
            message = self.query_one("#form-message", Static)
            message.set_class(True, "-invalid")
            if not text.strip():
                message.update(f"The date is empty. {DATE_HINT}")
            self.query_one("#date", Input).focus()
            return
        note = self.query_one("#note", Input).value if self.with_note else ""
        self.save_with(partial(self.save_date, value, note))

    def show_invalid(self, message: str) -> None:
        widget = self.query_one("#form-message", Static)
        widget.update(message)
        widget.set_class(True, "-invalid")
        self.query_one("#date", Input).focus()


class ChoiceForm(FormScreen):
    """One choice from a short list (Enter picks it), with an optional tick box."""

    def __init__(
        self,
        title: str,
        explanation: str,
        *,
        choices: Sequence[tuple[str, str]],
        save: Callable[[str, bool], Outcome],
        current: str | None = None,
        toggle: str = "",
        save_label: str = "Save",
    ) -> None:
        super().__init__(title, explanation, save_label=save_label)
        self.choices = list(choices)
        self.save_choice = save
        self.current = current
        self.toggle = toggle

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield from self.compose_heading()
            yield OptionList(
                *[Option(label, id=value) for label, value in self.choices], id="choices"
            )
            if self.toggle:
                yield Checkbox(self.toggle, id="toggle")
            yield Static("", id="form-message", classes="field-message -invalid")
            yield from self.compose_buttons()

    def on_mount(self) -> None:
        options = self.query_one("#choices", OptionList)
        values = [value for _, value in self.choices]
        if self.current in values:
            options.highlighted = values.index(self.current)
        elif values:
            options.highlighted = 0
        options.focus()

    @on(OptionList.OptionSelected, "#choices")
    def _picked(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        options = self.query_one("#choices", OptionList)
        if options.highlighted is None:
            self.show_invalid("Choose one of the list with the arrows, then press Enter.")
            return
        value = options.get_option_at_index(options.highlighted).id or ""
        ticked = self.query_one("#toggle", Checkbox).value if self.toggle else False
        self.save_with(partial(self.save_choice, value, ticked))


class ReasonsForm(FormScreen):
    """The reasons from the list (space ticks one), free text, and extra information."""

    def __init__(
        self,
        *,
        reasons: Sequence[ReasonRow],
        chosen: Sequence[int],
        reason_text: str,
        extra_information: str,
        save: Callable[[list[int], str, str], Outcome],
    ) -> None:
        super().__init__(
            "Manage Cancellation reasons",
            "Tick one or more reasons with Space; Tab moves to the text fields.",
        )
        self.reasons = list(reasons)
        self.chosen = set(chosen)
        self.reason_text = reason_text
        self.extra_information = extra_information
        self.save_reasons = save

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield from self.compose_heading()
            yield SelectionList[int](
                *[
                    (reason.name, reason.id, reason.id in self.chosen)
                    for reason in self.reasons
                    if reason.active or reason.id in self.chosen
                ],
                id="reasons",
            )
            yield Static("", id="form-message", classes="field-message -invalid")
            yield Label("Reason in your words", classes="field-label")
            yield Input(self.reason_text, id="reason-text", max_length=4000)
            yield Label("Extra information", classes="field-label")
            yield Input(self.extra_information, id="extra", max_length=4000)
            yield from self.compose_buttons()

    def on_mount(self) -> None:
        self.query_one("#reasons", SelectionList).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        selected = list(self.query_one("#reasons", SelectionList).selected)
        text = self.query_one("#reason-text", Input).value
        extra = self.query_one("#extra", Input).value
        self.save_with(partial(self.save_reasons, selected, text, extra))


class StepForm(FormScreen):
    """The steps of a scenario's section (Finance's e-mail, the payment, Billing's confirmation…):
    Enter confirms the highlighted step with the note typed; ctrl+u takes a confirmation back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *FormScreen.BINDINGS,
        Binding("ctrl+u", "take_back", "Take back"),
    ]

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

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield from self.compose_heading()
            yield OptionList(
                *[Option(self._label(title, done), id=key) for key, title, done in self.steps],
                id="steps",
            )
            yield Input(placeholder="Note (optional): who confirmed it, and how", id="note")
            yield Static("", id="form-message", classes="field-message -invalid")
            yield from self.compose_buttons()

    @staticmethod
    def _label(title: str, done: StepDone | None) -> Content:
        if done is None:
            return Content.assemble(("✗ ", "$error bold"), title, ("  not yet", "$text-muted"))
        note = f": {done.note}" if done.note else ""
        return Content.assemble(
            ("✓ ", "$success bold"),
            title,
            (f"  {done.by}, {when(done.at)}{note}", "$text-muted"),
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

    def action_save(self) -> None:
        chosen = self._highlighted()
        if chosen is None:
            self.show_invalid("Choose a step with the arrows, then press Enter.")
            return
        key, title, done = chosen
        if done is not None:
            self.show_invalid(
                f"'{title}' was confirmed by {done.by} on {when(done.at)}. "
                "ctrl+u takes it back if that was a mistake."
            )
            return
        note = self.query_one("#note", Input).value
        self.save_with(partial(self.confirm, key, note))

    def action_take_back(self) -> None:
        chosen = self._highlighted()
        if chosen is None:
            return
        key, title, done = chosen
        if done is None:
            self.show_invalid(f"'{title}' is not confirmed, so there is nothing to take back.")
            return
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


class GuidForm(FormScreen):
    """The GUIDs of what was deactivated, pasted one per line."""

    def __init__(
        self, title: str, explanation: str, *, save: Callable[[str], Outcome], initial: str = ""
    ) -> None:
        super().__init__(title, explanation)
        self.save_guids = save
        self.initial = initial

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield from self.compose_heading()
            yield Label("GUIDs (one per line)", classes="field-label")
            yield TextArea(self.initial, id="guids", classes="guid-area")
            yield Static("", id="form-message", classes="field-message -invalid")
            yield from self.compose_buttons()

    def on_mount(self) -> None:
        self.query_one("#guids", TextArea).focus()

    def action_save(self) -> None:
        self.save_with(partial(self.save_guids, self.query_one("#guids", TextArea).text))

    def show_invalid(self, message: str) -> None:
        super().show_invalid(message)
        self.query_one("#guids", TextArea).focus()


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
