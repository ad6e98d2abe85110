"""The forms that take a value: a date (cease assets, add an expiry, the effective date — a past
one only once confirmed), a choice from a list (a closed state, the new owner, the mood, the
scenario), the cancellation reasons, and the GUIDs of what was deactivated.

Each checks what it can as you type (a date's format) and saves through ``FormScreen``
(screens/form_screen.py). No text field cuts what is typed: a text over the data layer's limit
is refused with the limit, and the form keeps it for shortening.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import (
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
from data.dates import DATE_HINT, parse_date
from data.errors import InvalidInput
from data.users import ReasonRow
from screens.find import FindOptionList, FindSelectionList
from screens.form_screen import FormScreen
from screens.plain import plain
from screens.ticks import Tick


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
                yield Input(placeholder="What to do then (optional)", id="note")
            yield from self.compose_buttons()

    def on_mount(self) -> None:
        self.query_one("#date", Input).focus()
        if self.initial:
            self._check(self.initial)
        if self.existing is not None:
            self._read_existing(self.existing)

    @work(thread=True, exclusive=True, exit_on_error=False, group="existing")
    def _read_existing(self, read: Callable[[], list[str]]) -> None:
        self.post_read(self.ExistingRead(read()))

    def on_date_form_existing_read(self, event: ExistingRead) -> None:
        event.stop()
        self.query_one("#existing", Static).update(plain("\n".join(event.lines)))

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
            message.update(plain(error))
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
        widget.update(plain(message))
        widget.set_class(True, "-invalid")
        self.query_one("#date", Input).focus()


class EffectiveDateForm(DateForm):
    """The effective date (contract end or de-provisioning). A day before today is refused by
    the data layer with its reason; the form then stays open and offers a tick box — the
    contract really ended then — with which the date is saved as a past one."""

    PAST = "The contract really ended then: set this date in the past"

    def __init__(
        self,
        title: str,
        explanation: str,
        *,
        time_zone: str,
        today: dt.date,
        save: Callable[[dt.date, bool], Outcome],
        initial: str = "",
    ) -> None:
        super().__init__(
            title, explanation, time_zone=time_zone, save=self._unused, initial=initial
        )
        self.today = today
        self.save_effective = save

    @staticmethod
    def _unused(_date: dt.date, _note: str) -> Outcome:
        raise AssertionError("EffectiveDateForm saves through save_effective.")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield from self.compose_heading()
            yield Label("Date", classes="field-label")
            yield Input(self.initial, placeholder="2026-12-31, today, tomorrow or +30d", id="date")
            yield Static("", id="form-message", classes="field-message")
            yield Tick(self.PAST, id="past")
            yield from self.compose_buttons()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#past", Checkbox).display = False

    def _in_the_past(self) -> bool:
        value = self._check(self.query_one("#date", Input).value)
        return value is not None and value < self.today

    def show_invalid(self, message: str) -> None:
        super().show_invalid(message)
        if self._in_the_past():
            # _check wrote the date over the refusal: the refusal is what to read now.
            widget = self.query_one("#form-message", Static)
            widget.update(plain(message))
            widget.set_class(True, "-invalid")
            past = self.query_one("#past", Checkbox)
            past.display = True
            past.focus()

    @on(Input.Changed, "#date")
    def _maybe_past(self) -> None:
        past = self.query_one("#past", Checkbox)
        if past.display and not self._in_the_past():
            past.value = False
            past.display = False

    def action_save(self) -> None:
        text = self.query_one("#date", Input).value
        value = self._check(text)
        if value is None:
            super().action_save()  # says why the date is not one
            return
        past = self.query_one("#past", Checkbox)
        allow_past = past.display and past.value
        self.save_with(partial(self.save_effective, value, allow_past))


class ChoiceList(FindOptionList):
    """The choices of a ChoiceForm (typing finds one): Enter with nothing highlighted says what
    to do."""

    class NothingChosen(Message):
        """Enter was pressed before the arrows chose anything."""

    def action_select(self) -> None:
        if self.highlighted is None:
            self.post_message(self.NothingChosen())
            return
        super().action_select()


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
        preselect: bool = True,
        nothing_chosen: str = "Choose one of the list (type to find it, or the arrows), then press Enter.",
    ) -> None:
        super().__init__(title, explanation, save_label=save_label)
        self.choices = list(choices)
        self.save_choice = save
        self.current = current
        self.toggle = toggle
        # Without a preselection nothing is highlighted until the arrows move: Enter or ctrl+s
        # right away is refused with ``nothing_chosen``.
        self.preselect = preselect
        self.nothing_chosen = nothing_chosen

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield from self.compose_heading()
            yield ChoiceList(
                *[Option(plain(label), id=value) for label, value in self.choices], id="choices"
            )
            if self.toggle:
                yield Tick(self.toggle, id="toggle")
            yield Static("", id="form-message", classes="field-message -invalid")
            yield from self.compose_buttons()

    def on_mount(self) -> None:
        options = self.query_one("#choices", OptionList)
        values = [value for _, value in self.choices]
        if self.current in values:
            options.highlighted = values.index(self.current)
        elif values and (self.preselect or len(values) == 1):
            # One choice is chosen: there is nothing to choose between.
            options.highlighted = 0
        else:
            options.highlighted = None
        options.focus()

    @on(OptionList.OptionSelected, "#choices")
    @on(ChoiceList.NothingChosen)
    def _picked(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        options = self.query_one("#choices", OptionList)
        if options.highlighted is None:
            self.show_invalid(self.nothing_chosen)
            options.focus()
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
            "Tick one or more reasons with Space (typing finds one); Tab moves to the text fields.",
        )
        self.reasons = list(reasons)
        self.chosen = set(chosen)
        self.reason_text = reason_text
        self.extra_information = extra_information
        self.save_reasons = save
        # Saving with no reason ticked is asked twice: the section stays red.
        self.none_confirmed = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield from self.compose_heading()
            yield FindSelectionList[int](
                *[
                    (plain(reason.name), reason.id, reason.id in self.chosen)
                    for reason in self.reasons
                    if reason.active or reason.id in self.chosen
                ],
                id="reasons",
            )
            yield Static("", id="form-message", classes="field-message -invalid")
            yield Label("Reason in your words", classes="field-label")
            yield Input(self.reason_text, id="reason-text")
            yield Label("Extra information", classes="field-label")
            yield Input(self.extra_information, id="extra")
            yield from self.compose_buttons()

    def on_mount(self) -> None:
        self.query_one("#reasons", SelectionList).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    @on(SelectionList.SelectedChanged, "#reasons")
    def _ticked(self) -> None:
        self.none_confirmed = False

    def action_save(self) -> None:
        selected = list(self.query_one("#reasons", SelectionList).selected)
        text = self.query_one("#reason-text", Input).value
        extra = self.query_one("#extra", Input).value
        if not selected and not self.none_confirmed:
            self.none_confirmed = True
            self.show_invalid(
                "No reason is ticked, so the Reasons section stays red. Tick one with Space, "
                "or press ctrl+s again to save without one."
            )
            return
        self.save_with(partial(self.save_reasons, selected, text, extra))


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
