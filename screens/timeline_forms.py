"""The Timeline's own dialogs, every time in them in the customer's zone with the zone named (as
the Timeline's rows show it): a task ticked by hand (``TaskForm``) and the termination team's
sign-offs, several at once (``SignOffForm``: space ticks, Enter signs the ticked ones in one
change, ctrl+u undoes the highlighted one while the cancellation is pending).

Both are the scenario steps' form (``StepForm``) told the zone, so whatever opens or drives a
step form opens and drives these the same way."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import Input, OptionList

from data.cancellations import Outcome
from data.rules import StepDone
from data.timeline import zoned
from screens.form_confirmations import StepForm
from screens.form_screen import FormScreen
from screens.plain import plain
from screens.ticks import box

Step = tuple[str, str, StepDone | None]


class TaskForm(StepForm):
    """One step (a task ticked by hand, or the steps of a form) with its times in ``time_zone``:
    Enter ticks the highlighted one with the note; ctrl+u takes a tick back."""

    DONE_WORD = "recorded"

    def __init__(
        self,
        title: str,
        explanation: str,
        *,
        steps: Sequence[Step],
        time_zone: str,
        confirm: Callable[[str, str], Outcome],
        take_back: Callable[[str], Outcome],
    ) -> None:
        super().__init__(title, explanation, steps=steps, confirm=confirm, take_back=take_back)
        self.time_zone = time_zone

    def at_words(self, done: StepDone) -> str:
        return zoned(done.at, self.time_zone)


class SignOffForm(TaskForm):
    """The termination team's sign-offs: space ticks the outstanding ones to sign together
    (ctrl+a ticks them all); Enter signs the ticked ones in one change (in the playbook's order,
    the final confirmation last), or the highlighted one when none is ticked. ctrl+u undoes the
    highlighted sign-off (only while the cancellation is pending)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *FormScreen.BINDINGS,
        Binding("space", "tick", "Tick / untick"),
        Binding("ctrl+a", "tick_all", "Tick all outstanding"),
        Binding("ctrl+u", "take_back", "Undo sign-off"),
    ]
    NOTE_PLACEHOLDER = "Note (optional): who confirmed them, and how"
    NOTHING_TO_TAKE_BACK = "is not signed, so there is nothing to undo"

    def __init__(
        self,
        title: str,
        explanation: str,
        *,
        steps: Sequence[Step],
        time_zone: str,
        sign: Callable[[list[str], str], Outcome],
        undo: Callable[[str], Outcome],
    ) -> None:
        super().__init__(
            title,
            explanation,
            steps=steps,
            time_zone=time_zone,
            confirm=lambda key, note: sign([key], note),
            take_back=undo,
        )
        self.sign = sign
        self.ticked: set[str] = set()

    def label(self, title: str, done: StepDone | None, ticked: bool = False) -> Content:
        if done is None:
            mark = (f"{box(True)} ", "$success bold") if ticked else (f"{box(False)} ", "")
            return Content.assemble(mark, plain(title))
        return Content.assemble(
            ("    ✓ ", "$success bold"),
            plain(title),
            plain(f"  {self.done_words(done)}", "$text-muted"),
        )

    def _show_ticks(self) -> None:
        options = self.query_one("#steps", OptionList)
        for index, (key, title, done) in enumerate(self.steps):
            options.replace_option_prompt_at_index(
                index, self.label(title, done, key in self.ticked)
            )

    def action_tick(self) -> None:
        chosen = self._highlighted()
        if chosen is None:
            return
        key, title, done = chosen
        if done is not None:
            self.show_invalid(f"'{title}' is signed already ({self.done_words(done)}).")
            return
        self.ticked ^= {key}
        self.show_invalid("")
        self._show_ticks()
        # On to the next one not signed, so space, space, space ticks a run of them.
        options = self.query_one("#steps", OptionList)
        index = options.highlighted or 0
        later = [n for n, (_, _, done) in enumerate(self.steps) if n > index and done is None]
        if later:
            options.highlighted = later[0]

    def action_tick_all(self) -> None:
        outstanding = {key for key, _, done in self.steps if done is None}
        self.ticked = set() if self.ticked == outstanding else outstanding
        self._show_ticks()

    def action_save(self) -> None:
        # Enter on the list or in the note comes here too (StepForm's handler).
        if not self.ticked:
            super().action_save()
            return
        keys = [key for key, _, _ in self.steps if key in self.ticked]
        note = self.query_one("#note", Input).value
        self.saving = tuple(keys)
        self.save_with(partial(self.sign, keys, note))

    def step_saved(self, outcome: Outcome, *keys: str) -> None:
        self.ticked.clear()
        super().step_saved(outcome, *keys)
