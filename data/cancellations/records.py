"""Resolving the records that keep a section red: cease assets, close cases, opportunities,
quotations and sales orders, one by one or all at once (one UPDATE per chunk of ids, one audit
event per record); and undoing one record's ceasing or closing while the cancellation is
pending (back to what its audit event says it was)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from typing import Any

from data.cancellations.kernel import (
    Change,
    Outcome,
    change,
    display_name,
    latest_processed,
    pending,
)
from data.dates import when
from data.db import LARGEST_ID
from data.errors import Conflict, InvalidInput, NotFound
from data.models import CASE_CLOSED, Asset, AuditEvent, Case, Customer
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
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= LARGEST_ID:
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
    with change(
        login, account, expected_version, doing="cease assets", part=SectionKey.ASSETS
    ) as c:
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
    with change(
        login, account, expected_version, doing=f"close {kind.nouns}", part=kind.section
    ) as c:
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


# ----------------------------------------------------------------------------- undo


def refuse_undo_once_processed(customer: Customer) -> None:
    """Undo is for a pending cancellation only: after Process say so, plainly."""
    if pending(customer) is not None:
        return
    done = latest_processed(customer)
    if done is not None:
        raise Conflict(
            f"{customer.name} was processed on {when(done.processed_at)} by "
            f"{display_name(done.processed_by_id)}: its changes can be undone only while the "
            "cancellation is pending. Nothing was changed."
        )


def _last_resolution(c: Change, noun: str, action: str, pk: int, label: str) -> dict[str, Any]:
    """What the record was before the change that resolved it in this cancellation (the audit
    event's "before"), or Conflict when this cancellation never resolved it."""
    event = (
        AuditEvent.select(AuditEvent.before)
        .where(
            (AuditEvent.cancellation == c.cancellation.id)
            & (AuditEvent.record_kind == noun)
            & (AuditEvent.record_id == pk)
            & (AuditEvent.action == action)
        )
        .order_by(AuditEvent.id.desc())
        .first()
    )
    if event is None:
        raise Conflict(
            f"'{label}' was not {action.split()[0]}d in this cancellation, so there is nothing "
            "to undo here."
        )
    before: dict[str, Any] = json.loads(str(event.before))
    return before


def undo_cease(
    login: str, account: str, asset_id: int, *, expected_version: int | None = None
) -> Outcome:
    """Take back the ceasing of one asset: it is live again with the cease date it had before
    (none, usually), as the audit event of its ceasing says. Pending cancellations only."""
    (pk,) = record_ids([asset_id]) or []
    with change(
        login,
        account,
        expected_version,
        doing="undo ceasing an asset",
        refusing=refuse_undo_once_processed,
        part=SectionKey.ASSETS,
    ) as c:
        asset = Asset.get_or_none((Asset.id == pk) & (Asset.customer == c.customer.id))
        if asset is None:
            raise NotFound(f"{c.customer.name} has no asset with id {pk}.")
        if asset.live:
            raise Conflict(f"'{asset.name}' is live: there is no ceasing to undo.")
        before = _last_resolution(c, "asset", "cease asset", pk, str(asset.name))
        was = before.get("cease_date")
        restored = {
            "live": bool(before.get("live", True)),
            "cease_date": dt.date.fromisoformat(was) if isinstance(was, str) else None,
        }
        Asset.update(restored).where(Asset.id == pk).execute()
        c.audit(
            "undo cease asset",
            record_kind="asset",
            record_id=pk,
            before={"live": False, "cease_date": asset.cease_date},
            after=restored,
        )
        state = "live" if restored["live"] else "not live"
        dated = (
            f"with its cease date {restored['cease_date']}"
            if restored["cease_date"]
            else "without a cease date"
        )
        return c.outcome(f"Undone: '{asset.name}' is {state} again, {dated}.", 1)


def undo_close(
    login: str,
    account: str,
    section: str,
    record_id: int,
    *,
    expected_version: int | None = None,
) -> Outcome:
    """Take back the closing of one record: back to the state it had before, as the audit
    event of its closing says (a case is open again). Pending cancellations only."""
    kind = record_kind(section)
    if kind.section == SectionKey.ASSETS:
        raise InvalidInput("Assets are ceased, not closed: undo the ceasing of the asset.")
    (pk,) = record_ids([record_id]) or []
    model: Any = kind.model
    field = model.stage if kind.section == SectionKey.OPPORTUNITIES else model.status
    with change(
        login,
        account,
        expected_version,
        doing=f"undo closing {kind.nouns}",
        refusing=refuse_undo_once_processed,
        part=kind.section,
    ) as c:
        record = model.get_or_none((model.id == pk) & (model.customer == c.customer.id))
        if record is None:
            raise NotFound(f"{c.customer.name} has no {kind.noun} with id {pk}.")
        now = str(getattr(record, field.name))
        label = kind.row(record, False).label
        if now not in kind.closed_states:
            raise Conflict(f"'{label}' is {now}, not closed: there is nothing to undo.")
        before = _last_resolution(c, kind.noun, f"close {kind.noun}", pk, label)
        previous = str(before.get(field.name, ""))
        if not previous or previous in kind.closed_states:
            raise Conflict(
                f"'{label}' was {previous or 'closed'} before; there is nothing to undo."
            )
        values: dict[Any, Any] = {field: previous}
        if model is Case:
            values[Case.closed] = False
        model.update(values).where(model.id == pk).execute()
        c.audit(
            f"undo close {kind.noun}",
            record_kind=kind.noun,
            record_id=pk,
            before={field.name: now},
            after={field.name: previous},
        )
        return c.outcome(f"Undone: '{label}' is {previous} again.", 1)
