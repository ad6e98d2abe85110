"""Resolving the records that keep a section red: cease assets, close cases, opportunities,
quotations and sales orders, one by one or all at once (one UPDATE per chunk of ids, one audit
event per record)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from data.cancellations.kernel import Change, Outcome, change
from data.errors import Conflict, InvalidInput, NotFound
from data.models import CASE_CLOSED, Asset, Case
from data.records import record_kind
from data.sections import SectionKey

ID_CHUNK = 900  # ids per IN (...): under SQLite's old limit of 999 parameters


def chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    """The ids in slices small enough for one IN (...)."""
    for start in range(0, len(ids), ID_CHUNK):
        yield list(ids[start : start + ID_CHUNK])


def record_ids(ids: Sequence[int] | None) -> list[int] | None:
    """Record ids as given by a caller, checked and sorted (``None`` stays None: all of them)."""
    if ids is None:
        return None
    clean = []
    for value in ids:
        # Past 2**63 - 1 SQLite cannot even compare the number: no id is that large.
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
            raise InvalidInput(f"'{value}' is not a record id.")
        clean.append(value)
    if not clean:
        raise InvalidInput("No records were chosen.")
    return sorted(set(clean))


def _targets(
    c: Change, section: str, ids: Sequence[int] | None, done: str, *columns: Any
) -> dict[int, tuple[Any, ...]]:
    """The blocking records to resolve, by id, each with the ``columns`` asked for (what the
    audit event says they were): all of them (``ids=None``) or the ones named, checked."""
    kind = record_kind(section)
    model: Any = kind.model
    wanted = record_ids(ids)
    owned = model.customer == c.customer.id
    if wanted is None:
        query = model.select(model.id, *columns).where(owned & kind.blocking()).order_by(model.id)
        return {int(row[0]): tuple(row[1:]) for row in query.tuples()}
    found: dict[int, tuple[bool, tuple[Any, ...]]] = {}
    for chunk in chunks(wanted):
        query = model.select(model.id, kind.blocking().alias("b"), *columns).where(
            owned & model.id.in_(chunk)
        )
        found.update({int(row[0]): (bool(row[1]), tuple(row[2:])) for row in query.tuples()})
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        shown = ", ".join(str(pk) for pk in missing[:5])
        raise NotFound(f"{c.customer.name} has no {kind.nouns} with id {shown}.")
    resolved = [pk for pk in wanted if not found[pk][0]]
    if resolved:
        label = kind.noun if len(resolved) == 1 else kind.nouns
        shown = ", ".join(str(pk) for pk in resolved[:5])
        raise Conflict(
            f"The {label} {shown} {'is' if len(resolved) == 1 else 'are'} already {done}. "
            "Refresh to see the current state."
        )
    return {pk: found[pk][1] for pk in wanted}


def cease_assets(
    login: str,
    account: str,
    cease_date: dt.date,
    ids: Sequence[int] | None = None,
    *,
    expected_version: int | None = None,
) -> Outcome:
    """Cease the assets named, or every one still live (``ids=None``), as of ``cease_date``."""
    if not isinstance(cease_date, dt.date) or isinstance(cease_date, dt.datetime):
        raise InvalidInput(f"'{cease_date}' is not a date. Give the cease date as 2026-12-31.")
    with change(login, account, expected_version, doing="cease assets") as c:
        before = _targets(
            c, SectionKey.ASSETS, ids, "ceased", Asset.live, Asset.cease_date, Asset.start_date
        )
        if not before:
            return c.unchanged("Every asset is already ceased.")
        targets = sorted(before)
        too_early = [
            (start, pk) for pk, (_, _, start) in before.items() if _date(start) > cease_date
        ]
        if too_early:
            start, pk = max(too_early)
            name = Asset.get_by_id(pk).name
            if len(too_early) == 1:
                raise InvalidInput(
                    f"The cease date {cease_date} is before the start date of '{name}' ({_date(start)})."
                )
            raise InvalidInput(
                f"The cease date {cease_date} is before the start date of {len(too_early)} assets "
                f"(the latest, '{name}', starts {_date(start)}). Choose {_date(start)} or later."
            )
        for chunk in chunks(targets):
            Asset.update(live=False, cease_date=cease_date).where(Asset.id.in_(chunk)).execute()
        ceased = {"live": False, "cease_date": cease_date}
        c.audit_each(
            "cease asset",
            "asset",
            (
                (pk, {"live": bool(live), "cease_date": was}, ceased)
                for pk, (live, was, _) in sorted(before.items())
            ),
        )
        count = len(targets)
        noun = "asset" if count == 1 else "assets"
        return c.outcome(f"Ceased {count} {noun} as of {cease_date}.", count)


def _date(value: dt.date | str) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def allowed_states(section: str) -> tuple[str, ...]:
    """The closed states a record of this section may be moved to."""
    if section == SectionKey.ASSETS:
        raise InvalidInput("Assets are ceased with a date, not given a state.")
    return record_kind(section).closed_states


def close_records(
    login: str,
    account: str,
    section: str,
    state: str,
    ids: Sequence[int] | None = None,
    *,
    expected_version: int | None = None,
) -> Outcome:
    """Move the records named, or every open one (``ids=None``), to one of the section's closed states."""
    choices = allowed_states(section)
    kind = record_kind(section)
    chosen = next((s for s in choices if s.casefold() == (state or "").strip().casefold()), None)
    if chosen is None:
        raise InvalidInput(
            f"'{state}' is not a closed state for {kind.nouns}. Choose {one_of(choices)}."
        )
    model: Any = kind.model
    field = model.stage if kind.section == SectionKey.OPPORTUNITIES else model.status
    with change(login, account, expected_version, doing=f"close {kind.nouns}") as c:
        before = _targets(c, section, ids, kind.done_words, field)
        if not before:
            return c.unchanged(f"Every {kind.noun} is already {kind.done_words}.")
        targets = sorted(before)
        values: dict[Any, Any] = {field: chosen}
        if model is Case:
            values[Case.closed] = True
        for chunk in chunks(targets):
            model.update(values).where(model.id.in_(chunk)).execute()
        closed = {field.name: chosen}
        c.audit_each(
            f"close {kind.noun}",
            kind.noun,
            ((pk, {field.name: str(value)}, closed) for pk, (value,) in sorted(before.items())),
        )
        count = len(targets)
        noun = kind.noun if count == 1 else kind.nouns
        return c.outcome(f"Set {count} {noun} to {chosen}.", count)


def close_cases(
    login: str,
    account: str,
    ids: Sequence[int] | None = None,
    *,
    expected_version: int | None = None,
) -> Outcome:
    """Close the cases named, or every open case."""
    return close_records(
        login, account, SectionKey.CASES, CASE_CLOSED, ids, expected_version=expected_version
    )


def one_of(choices: Sequence[str]) -> str:
    """Choices as a sentence offers them: "A, B or C"."""
    return choices[0] if len(choices) == 1 else ", ".join(choices[:-1]) + f" or {choices[-1]}"
