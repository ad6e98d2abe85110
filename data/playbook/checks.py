"""How a playbook file is checked, key by key: the Checker reads the parsed TOML and every
refusal it makes is a PlaybookError whose one line names the file, the line and the key path
(``tasks[3].gates``: ``[[tables]]`` counted from 1, as a person counts) and how to fix it."""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from data.errors import CONTROL, InvalidInput, printable
from data.playbook.lines import KeyLines, KeyPath
from data.playbook.model import Party

if TYPE_CHECKING:
    from data.timeline.schedule import DueRule

# Keys are stored in columns of these widths (data.models).
KEY_LIMITS = {"party": 48, "sign-off": 48, "step": 32, "scenario": 24, "section": 32, "task": 48}
NAME_LIMIT = 200
_KEY = re.compile(r"[a-z][a-z0-9_-]*")
ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class PlaybookError(InvalidInput):
    """A playbook that cannot be used; the message names the file, the line and the key."""

    title = "Playbook error"


def shown_path(path: KeyPath) -> str:
    """A key path as a message shows it: ``tasks[3].gates``."""
    shown = ""
    for part in path:
        if isinstance(part, int):
            shown += f"[{part + 1}]"
        else:
            name = part if part and all(c.isalnum() or c in "_-" for c in part) else f'"{part}"'
            shown += f".{name}" if shown else name
    return shown


def choices(value: str, known: Sequence[str]) -> str:
    """The known values, the nearest one first when ``value`` looks like a typo of it."""
    near = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
    listed = ", ".join(known) if known else "none"
    return f"did you mean '{near[0]}'? Use one of: {listed}" if near else f"use one of: {listed}"


class Checker:
    """Reads the parsed document, key by key; every refusal names where it is written."""

    def __init__(self, source: str, lines: KeyLines) -> None:
        self.source = source
        self.lines = lines

    def error(self, path: KeyPath, problem: str) -> PlaybookError:
        if not path:
            return PlaybookError(f"{self.source}: {problem}")
        where = f"{self.source}, line {self.lines.line_of(path)}"
        return PlaybookError(f"{where}, {shown_path(path)}: {problem}")

    def table(
        self, value: Any, path: KeyPath, known: Sequence[str], what: str, *, noun: str = "key"
    ) -> dict[str, Any]:
        """``value`` as a table holding only ``known`` keys: a typo is never ignored."""
        if not isinstance(value, dict):
            raise self.error(path, f"{what} must be a table ([{shown_path(path)}]).")
        for key in value:
            if key not in known:
                raise self.error(
                    (*path, key), f"'{key}' is not a {noun} of {what}; {choices(key, known)}."
                )
        return value

    def mapping(self, document: dict[str, Any], key: str, what: str) -> dict[str, Any]:
        """The ``[key.NAME]`` tables, by name."""
        value = document.get(key, {})
        if not isinstance(value, dict):
            raise self.error((key,), f"write {key} as {what}.")
        return value

    def tables(
        self, document: dict[str, Any], key: str, known: Sequence[str], what: str
    ) -> list[dict[str, Any]]:
        """The ``[[key]]`` tables, each checked for its keys."""
        value = document.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise self.error(
                (key,), f"write the {key} as [[{key}]] tables, one per {what.removeprefix('a ')}."
            )
        return [self.table(item, (key, n), known, what) for n, item in enumerate(value)]

    def text(self, table: dict[str, Any], path: KeyPath, key: str, *, required: bool = True) -> str:
        value = table.get(key)
        if value is None:
            if required:
                raise self.error(path, f"'{key}' is missing: add {key} = \"…\".")
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.error((*path, key), f'{key} must be text in quotes, such as {key} = "…".')
        self.plain(value, (*path, key))
        return value.strip()

    def plain(self, value: str, path: KeyPath) -> None:
        """Text holds no control character (a tab and a line break are text): a label with an
        escape sequence would drive the terminal that shows it."""
        found = CONTROL.search(value)
        if found is not None:
            raise self.error(
                path,
                f"the text holds a control character ({printable(found.group(0))}, at "
                f"character {found.start() + 1:,}): remove it, or the escape (such as "
                "\\u001b) that writes it.",
            )

    def flag(self, table: dict[str, Any], path: KeyPath, key: str) -> bool:
        value = table.get(key, False)
        if not isinstance(value, bool):
            raise self.error((*path, key), f"{key} is true or false (no quotes).")
        return value

    def words(self, table: dict[str, Any], path: KeyPath, key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.error((*path, key), f'{key} is a list in brackets, such as {key} = ["…"].')
        for number, item in enumerate(value):
            self.plain(item, (*path, key) if len(value) == 1 else (*path, key, number))
        return tuple(item.strip() for item in value)

    def key(self, table: dict[str, Any], path: KeyPath, what: str) -> str:
        key = self.text(table, path, "key")
        self.check_key(key, (*path, "key"), what)
        return key

    def check_key(self, key: str, path: KeyPath, what: str) -> None:
        limit = KEY_LIMITS[what]
        if not _KEY.fullmatch(key) or len(key) > limit:
            raise self.error(
                path,
                f"'{key}' is not a {what} key: write a-z, 0-9, _ and -, starting with a letter, "
                f"at most {limit} characters.",
            )

    def unique(self, seen: dict[str, KeyPath], key: str, path: KeyPath, what: str) -> None:
        if key in seen:
            first = self.lines.line_of(seen[key])
            raise self.error(path, f"the {what} '{key}' is given twice (first on line {first}).")
        seen[key] = path

    def choice(self, value: str, path: KeyPath, known: Sequence[str], what: str) -> str:
        if value not in known:
            raise self.error(path, f"'{value}' is not {what}; {choices(value, known)}.")
        return value

    def parties_named(
        self, parties: dict[str, Party], keys: tuple[str, ...], path: KeyPath
    ) -> None:
        for number, key in enumerate(keys):
            if key not in parties:
                where = path if len(keys) == 1 else (*path, number)
                raise self.error(
                    where,
                    f"'{key}' is not a party; {choices(key, list(parties))} (or add [parties.{key}]).",
                )

    def reached(self, parties: dict[str, Party], to: tuple[str, ...], path: KeyPath) -> None:
        """An e-mail goes to someone: one of its parties has an address."""
        if not any(parties[key].email for key in to):
            who = f"{to[0]} has" if len(to) == 1 else f"none of {', '.join(to)} has"
            raise self.error(
                path,
                f"{who} no e-mail address, so the e-mail would go to nobody: add "
                f'email = ["…"] to [parties.{to[0]}].',
            )

    def rule(self, table: dict[str, Any], path: KeyPath, key: str) -> DueRule:
        """A due rule. Its anchors are begin and effective only (parse_rule refuses others) and
        no due date rests on another task's: tasks form no chain, so no cycle can be written."""
        from data.timeline.plan import parse_rule

        written = self.text(table, path, key)
        try:
            return parse_rule(written)
        except InvalidInput as error:
            raise self.error((*path, key), str(error)) from None


def syntax_error(source: str, lines: KeyLines, error: tomllib.TOMLDecodeError) -> PlaybookError:
    """tomllib's message reworded to the playbook's one-line shape."""
    message = str(error)
    found = re.search(r"\s*\((?:at line (\d+), column (\d+)|at end of document)\)$", message)
    problem = message[: found.start()] if found else message
    if problem.startswith(("Cannot overwrite a value", "Cannot declare")) and lines.repeated:
        path, (first, again) = next(iter(lines.repeated.items()))
        return PlaybookError(
            f"{source}, line {again}, {shown_path(path)}: given twice (first on line {first}); "
            "keep one."
        )
    line = int(found[1]) if found and found[1] else lines.last_line
    column = f", column {found[2]}" if found and found[2] else ""
    return PlaybookError(
        f"{source}, line {line}{column}: this is not valid TOML ({problem[:1].lower()}"
        f'{problem[1:]}). Write key = "text", key = true or key = ["a", "b"] under a [table].'
    )
