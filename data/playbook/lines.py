"""Where each key of a TOML text is written: the line of every table header (``[a.b]``, the Nth
``[[tasks]]``) and every ``key = value``, so a playbook's errors can name their line (tomllib
gives the values, not where they came from).

A key path is what the value's place in the parsed document is: ``("tasks", 2, "gates")`` is
the ``gates`` key of the third ``[[tasks]]`` table (indexes count from 0, as the parsed lists
do). The scan reads just enough TOML to stay in step — strings, multi-line strings and arrays
or inline tables spanning lines — and never judges the text: tomllib does that."""

from __future__ import annotations

from dataclasses import dataclass, field

KeyPath = tuple[str | int, ...]

_BARE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


@dataclass
class KeyLines:
    """The line (from 1) each key path is written on; ``repeated`` holds the line of a key or
    table given a second time, with the line of the first."""

    lines: dict[KeyPath, int] = field(default_factory=dict)
    repeated: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    last_line: int = 1

    def line_of(self, path: KeyPath) -> int:
        """The line of ``path``, else of the nearest table or key that holds it (a key that is
        missing is reported on its table's header), else 1."""
        for end in range(len(path), 0, -1):
            found = self.lines.get(path[:end])
            if found is not None:
                return found
        return 1

    def _record(self, path: KeyPath, number: int) -> None:
        # The tables holding it are first written here, unless written before.
        for end in range(1, len(path)):
            self.lines.setdefault(path[:end], number)
        if path in self.lines:
            self.repeated.setdefault(path, (self.lines[path], number))
        else:
            self.lines[path] = number


def _read_key(text: str, at: int) -> tuple[list[str], int] | None:
    """A (dotted) key starting at ``at``: its parts and where it ends; None if there is none."""
    parts: list[str] = []
    while True:
        while at < len(text) and text[at] in " \t":
            at += 1
        if at < len(text) and text[at] in "\"'":
            quote = text[at]
            end = at + 1
            while end < len(text) and text[end] != quote:
                end += 2 if quote == '"' and text[end] == "\\" else 1
            if end >= len(text):
                return None
            parts.append(text[at + 1 : end])
            at = end + 1
        else:
            start = at
            while at < len(text) and text[at] in _BARE:
                at += 1
            if at == start:
                return None
            parts.append(text[start:at])
        while at < len(text) and text[at] in " \t":
            at += 1
        if at < len(text) and text[at] == ".":
            at += 1
            continue
        return parts, at


class _Scanner:
    """Reads a value's text across lines: string quotes, multi-line strings and brackets."""

    def __init__(self) -> None:
        self.depth = 0  # open [ and { of a value spanning lines
        self.closing = ""  # the delimiter of an open multi-line string

    @property
    def inside_value(self) -> bool:
        return self.depth > 0 or bool(self.closing)

    def scan(self, text: str, at: int = 0) -> None:
        while at < len(text):
            if self.closing:
                end = text.find(self.closing, at)
                if end < 0:
                    return
                at = end + 3
                self.closing = ""
                continue
            char = text[at]
            if char == "#":
                return
            if text.startswith(('"""', "'''"), at):
                self.closing = text[at : at + 3]
                at += 3
            elif char in "\"'":
                end = at + 1
                while end < len(text) and text[end] != char:
                    end += 2 if char == '"' and text[end] == "\\" else 1
                at = end + 1
            else:
                if char in "[{":
                    self.depth += 1
                elif char in "]}":
                    self.depth = max(0, self.depth - 1)
                at += 1


def locate(text: str) -> KeyLines:
    """Where every table header and ``key =`` of ``text`` is written."""
    found = KeyLines()
    table: KeyPath = ()
    # Arrays of tables: the headers' names without indexes, and how many each holder has.
    arrays: set[tuple[str, ...]] = set()
    counts: dict[KeyPath, int] = {}
    scanner = _Scanner()
    lines = text.split("\n")  # TOML's lines, not every break splitlines knows
    found.last_line = max(1, len(lines))

    def resolve(names: list[str]) -> KeyPath:
        """A header's names with the current index after each array of tables in it."""
        path: list[str | int] = []
        for number, name in enumerate(names, start=1):
            path.append(name)
            if tuple(names[:number]) in arrays:
                path.append(max(0, counts.get(tuple(path), 1) - 1))
        return tuple(path)

    for number, raw in enumerate(lines, start=1):
        if scanner.inside_value:
            scanner.scan(raw)
            continue
        line = raw.lstrip()
        if line.startswith("[["):
            header = _read_key(line, 2)
            if header is not None:
                names, _ = header
                arrays.add(tuple(names))
                holder = (*resolve(names[:-1]), names[-1])
                counts[holder] = counts.get(holder, 0) + 1
                table = (*holder, counts[holder] - 1)
                found._record(table, number)
        elif line.startswith("["):
            header = _read_key(line, 1)
            if header is not None:
                table = resolve(header[0])
                found._record(table, number)
        elif line and not line.startswith("#"):
            key = _read_key(line, 0)
            if key is not None and key[1] < len(line) and line[key[1]] == "=":
                parts, end = key
                for depth in range(1, len(parts) + 1):
                    path = table + tuple(parts[:depth])
                    if depth == len(parts):
                        found._record(path, number)
                    else:
                        found.lines.setdefault(path, number)
                scanner.scan(line, end + 1)
    return found
