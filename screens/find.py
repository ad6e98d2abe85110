"""Type-to-find for the pickers and lists of the forms: letters typed on a list find what they
name. A choice list (``FindOptionList``: the owner, a closed state, the scenario, an outcome)
shows only the options whose label holds what was typed, the first highlighted, so Enter picks
it; a list of ticks (``FindSelectionList``: the reasons, the offers) keeps every option (the
ticks stay) and moves the highlight to the first that matches. Backspace takes a letter back;
the list's border says what is being found and how many match. A key the screen binds itself
(y on the Process form, z in a step form) keeps its meaning. On a step form's list
(``TypeAheadList``) a letter is the note's first, so nothing typed before Tab is lost."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from rich.text import Text
from textual import events
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from screens.ticks import TickList

T = TypeVar("T")


def label_text(prompt: object) -> str:
    """An option's label as plain text (it may be a str, Content or Text)."""
    if isinstance(prompt, Content | Text):
        return prompt.plain
    return str(prompt)


def matching(query: str, labels: Sequence[str]) -> list[int]:
    """The indexes of the labels that hold ``query`` (case-insensitive), in their order; those
    where it starts a word come first."""
    wanted = query.casefold().strip()
    if not wanted:
        return list(range(len(labels)))
    held = [n for n, label in enumerate(labels) if wanted in label.casefold()]

    def starts_a_word(n: int) -> bool:
        return any(word.startswith(wanted) for word in labels[n].casefold().split()) or (
            labels[n].casefold().startswith(wanted)
        )

    return [n for n in held if starts_a_word(n)] + [n for n in held if not starts_a_word(n)]


def find_words(query: str, found: int, total: int) -> str:
    """What the list's border says while something is being found."""
    if not query:
        return ""
    if not found:
        return f"find “{query}”: nothing matches · Backspace takes a letter back"
    return f"find “{query}”: {found} of {total} · Backspace takes a letter back"


@dataclass
class Found(Message):
    """What is being found on a list changed (the forms may say more)."""

    query: str
    found: int


def screen_binds(widget: Widget, key: str) -> bool:
    """Whether the screen ``widget`` is on binds ``key`` itself (y on the Process form, z in a
    step form): such a key does what the screen says, it finds nothing."""
    active = widget.screen.active_bindings.get(key)
    return active is not None and active.node is widget.screen


def _typed(widget: Widget, event: events.Key, query: str, *, spaces: bool) -> str | None:
    """The query after ``event``, or None when the key is not one that finds. A space goes on
    a query already begun when ``spaces`` (a label of two words); on a list of ticks it ticks."""
    if event.key == "backspace":
        return query[:-1] if query else None
    character = event.character
    if not event.is_printable or not character or screen_binds(widget, event.key):
        return None
    if character == " " and not (spaces and query):
        return None
    return query + character


class FindOptionList(OptionList):
    """An OptionList that keeps only the options matching what is typed on it."""

    def __init__(self, *options: Option, **kwargs: Any) -> None:
        super().__init__(*options, **kwargs)
        self.every = [(option.prompt, option.id, option.disabled) for option in options]
        self.query_text = ""

    def on_key(self, event: events.Key) -> None:
        query = _typed(self, event, self.query_text, spaces=True)
        if query is None:
            return
        event.stop()
        event.prevent_default()
        self.find(query)

    def find(self, query: str) -> None:
        """Show the options matching ``query``, the first highlighted."""
        self.query_text = query
        labels = [label_text(prompt) for prompt, _, _ in self.every]
        shown = matching(query, labels)
        self.clear_options()
        self.add_options(
            Option(self.every[n][0], id=self.every[n][1], disabled=self.every[n][2]) for n in shown
        )
        self.highlighted = 0 if shown else None
        self.border_subtitle = find_words(query, len(shown), len(self.every))
        self.post_message(Found(query, len(shown)))


class FindSelectionList(TickList[T]):
    """A SelectionList on which typing moves the highlight to the first option that matches
    (every option stays, with its tick; Space still ticks)."""

    query_text = ""

    def on_key(self, event: events.Key) -> None:
        query = _typed(self, event, self.query_text, spaces=False)
        if query is None:
            return
        event.stop()
        event.prevent_default()
        self.query_text = query
        labels = [label_text(self.get_option_at_index(n).prompt) for n in range(self.option_count)]
        found = matching(query, labels)
        if found:
            self.highlighted = found[0]
        self.border_subtitle = find_words(query, len(found), self.option_count)
        self.post_message(Found(query, len(found)))


class TypeAheadList(OptionList):
    """A list of steps beside a note: a letter typed on it is the note's first (the form moves
    the focus to the note with it), not lost."""

    @dataclass
    class TypedAhead(Message):
        character: str

    def on_key(self, event: events.Key) -> None:
        character = event.character
        if (
            not event.is_printable
            or not character
            or character == " "
            or screen_binds(self, event.key)
        ):
            return
        event.stop()
        event.prevent_default()
        self.post_message(self.TypedAhead(character))
