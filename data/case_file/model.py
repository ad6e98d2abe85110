"""The case file's shape: ``CaseFile``, its parts in order, each of facts (label, value),
tables (``Grid``), letters (the e-mails) and notes — all text, as ``gather`` reads them and the
renderers write them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

NONE = "—"  # an empty value


@dataclass(frozen=True)
class Grid:
    headings: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]


@dataclass(frozen=True)
class Letter:
    subject: str
    to: str
    cc: str
    status: str
    when: str
    body: str


@dataclass
class Part:
    key: str
    title: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    grids: list[tuple[str, Grid]] = field(default_factory=list)
    letters: list[Letter] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class CaseFile:
    account: str
    customer: str
    made_at: str
    time_zone: str
    chain_line: str
    parts: list[Part]

    def part(self, key: str) -> Part:
        return next(part for part in self.parts if part.key == key)
