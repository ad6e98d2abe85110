"""The approval chain of change requests (issue 15, seed 004), as the playbook writes it:

    [approval]
    handover = "accounting"              # the party that processes an approved request
    distribution = ["dm_operations"]     # the parties the approved e-mail goes to
    reminder_days = 7                    # Today reminds this many days before the date

    [[approval.steps]]
    key = "finance"
    label = "Finance approves the credit"
    approver = "role:finance"            # or "user:LOGIN"
    when = "credit > 0"                  # optional: the step applies only then

``when`` is read by a tiny parser (no eval): ``credit``, a comparison (``>``, ``>=``, ``<``,
``<=``, ``==``, ``!=``) and a number, or ``kind == cancel|pause|reduce``; joined by ``and``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from data.errors import InvalidInput
from data.playbook.checks import Checker, choices
from data.playbook.lines import KeyPath
from data.playbook.model import Party
from data.states import Role

APPROVAL_KEYS = ("handover", "distribution", "reminder_days", "steps")
STEP_KEYS = ("key", "label", "approver", "when")
KINDS = ("cancel", "pause", "reduce")
_CLAUSE = re.compile(r"\s*([a-z_]+)\s*(>=|<=|==|!=|>|<)\s*([^\s]+)\s*")
_LOGIN = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


@dataclass(frozen=True)
class Clause:
    """One comparison of a condition: ``credit > 0`` or ``kind == pause``."""

    name: str
    op: str
    value: Decimal | str

    def holds(self, facts: Mapping[str, Decimal | str]) -> bool:
        have = facts[self.name]
        if isinstance(self.value, Decimal):
            number = Decimal(have)
            return {
                ">": number > self.value,
                ">=": number >= self.value,
                "<": number < self.value,
                "<=": number <= self.value,
                "==": number == self.value,
                "!=": number != self.value,
            }[self.op]
        return (str(have) == self.value) == (self.op == "==")


@dataclass(frozen=True)
class Condition:
    """``when``: every clause holds (``and``)."""

    text: str
    clauses: tuple[Clause, ...]

    def holds(self, *, credit: Decimal, kind: str) -> bool:
        facts: dict[str, Decimal | str] = {"credit": credit, "kind": kind}
        return all(clause.holds(facts) for clause in self.clauses)


def parse_condition(text: str) -> Condition:
    """A ``when`` condition, or InvalidInput saying what is wrong with it."""
    parts = re.split(r"\s+and\s+", text.strip())
    if not text.strip():
        raise InvalidInput('the condition is empty: write it as "credit > 0", or leave when out.')
    clauses: list[Clause] = []
    for part in parts:
        found = _CLAUSE.fullmatch(part)
        if found is None:
            raise InvalidInput(
                f"'{part.strip()}' is not a condition: write credit > 0 (a comparison with a "
                "number) or kind == pause, joined by and."
            )
        name, op, value = found.groups()
        if name == "credit":
            try:
                number = Decimal(value)
            except InvalidOperation:
                raise InvalidInput(
                    f"'{value}' is not a number to compare the credit with."
                ) from None
            if not number.is_finite():
                raise InvalidInput(f"'{value}' is not a number to compare the credit with.")
            clauses.append(Clause(name, op, number))
        elif name == "kind":
            if op not in ("==", "!="):
                raise InvalidInput(f"a kind is compared with == or !=, not {op}.")
            if value not in KINDS:
                raise InvalidInput(f"'{value}' is not a kind; {choices(value, list(KINDS))}.")
            clauses.append(Clause(name, op, value))
        else:
            raise InvalidInput(f"'{name}' is not something a condition reads: use credit or kind.")
    return Condition(text.strip(), tuple(clauses))


@dataclass(frozen=True)
class ApprovalStep:
    """One step of the chain: who decides it (a user by login, or anyone with a role), and when
    it applies."""

    key: str
    label: str
    user: str | None = None
    role: str | None = None
    when: Condition | None = None

    @property
    def approver(self) -> str:
        return f"user:{self.user}" if self.user else f"role:{self.role}"

    def applies(self, *, credit: Decimal, kind: str) -> bool:
        return self.when is None or self.when.holds(credit=credit, kind=kind)


@dataclass(frozen=True)
class ApprovalChain:
    steps: tuple[ApprovalStep, ...]
    handover: str
    distribution: tuple[str, ...] = ()
    reminder_days: int = 7

    def steps_for(self, *, credit: Decimal, kind: str) -> tuple[ApprovalStep, ...]:
        """The steps a request goes through: those whose condition holds, in order."""
        return tuple(step for step in self.steps if step.applies(credit=credit, kind=kind))


def parse_approval(
    check: Checker, document: dict[str, Any], parties: Mapping[str, Party]
) -> ApprovalChain | None:
    """The ``[approval]`` table, checked key by key (None when the playbook has none)."""
    if "approval" not in document:
        return None
    path: KeyPath = ("approval",)
    table = check.table(document["approval"], path, APPROVAL_KEYS, "[approval]")
    handover = check.text(table, path, "handover")
    check.parties_named(dict(parties), (handover,), (*path, "handover"))
    check.reached(dict(parties), (handover,), (*path, "handover"))
    distribution = check.words(table, path, "distribution")
    check.parties_named(dict(parties), distribution, (*path, "distribution"))
    if distribution:
        check.reached(dict(parties), distribution, (*path, "distribution"))
    days = table.get("reminder_days", 7)
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 365:
        raise check.error(
            (*path, "reminder_days"),
            "reminder_days is a whole number of days from 0 to 365 (no quotes), such as 7.",
        )
    listed = table.get("steps", [])
    if not isinstance(listed, list) or not all(isinstance(item, dict) for item in listed):
        raise check.error((*path, "steps"), "write each step as its own [[approval.steps]] table.")
    if not listed:
        raise check.error(
            path, "the chain has no steps: add an [[approval.steps]] with its approver."
        )
    steps: list[ApprovalStep] = []
    seen: dict[str, KeyPath] = {}
    roles = list(Role)
    for number, item in enumerate(listed):
        where: KeyPath = (*path, "steps", number)
        step = check.table(item, where, STEP_KEYS, "an approval step")
        key = check.key(step, where, "task")
        check.unique(seen, key, (*where, "key"), "approval step")
        label = check.text(step, where, "label")
        approver = check.text(step, where, "approver")
        kind, _, name = approver.partition(":")
        user = role = None
        if kind == "role":
            role = check.choice(name, (*where, "approver"), roles, "a role")
        elif kind == "user" and _LOGIN.fullmatch(name):
            user = name
        else:
            raise check.error(
                (*where, "approver"),
                f"'{approver}' is not an approver: write \"role:ROLE\" (one of {', '.join(roles)}) "
                'or "user:LOGIN".',
            )
        written = check.text(step, where, "when", required=False)
        when = None
        if "when" in step:
            try:
                when = parse_condition(written)
            except InvalidInput as error:
                raise check.error((*where, "when"), str(error)) from None
        steps.append(ApprovalStep(key, label, user, role, when))
    return ApprovalChain(tuple(steps), handover, distribution, days)


__all__ = [
    "KINDS",
    "ApprovalChain",
    "ApprovalStep",
    "Condition",
    "parse_approval",
    "parse_condition",
]
