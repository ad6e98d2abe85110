"""The termination team's sign-offs (seed 000, step 10) as a playbook lists them: which there
are, in order, who each waits for, which is final, and the sign-off a person names; and two
operations on them through the change kernel: several teams signed off at once
(``sign_off_many``, one transaction, in the playbook's order, the final one still last) and a
sign-off undone by the team lead while the cancellation is pending (``undo_sign_off``; a task
ticked by hand likewise, ``undo_task``).

``SignOff`` and the two tables below are the default playbook's (the demo and tests name them);
what exists for a case is its playbook's ``sign_offs``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING

from data.errors import Conflict, InvalidInput
from data.models import Completion, CompletionKind, Customer, key_named

if TYPE_CHECKING:
    from data.cancellations.kernel import Change, Outcome
    from data.playbook.model import Playbook, SignOffTeam


class SignOff(StrEnum):
    """The default playbook's sign-offs (seed 000, step 10), in order; the final one comes last."""

    CUSTOMER_OPERATIONS = "customer_operations"
    FINANCE = "finance"
    MARKETING_EXCLUSION = "marketing_exclusion"
    MARKETING_REFERENCES = "marketing_references"
    SALES_OPS = "sales_ops"
    FINAL = "final"


SIGN_OFFS: dict[SignOff, str] = {
    SignOff.CUSTOMER_OPERATIONS: "Customer Operations confirms customer attrition",
    SignOff.FINANCE: "Finance confirms invoicing and payment status",
    SignOff.MARKETING_EXCLUSION: "Marketing adds the customer to the exclusion lists",
    SignOff.MARKETING_REFERENCES: "Marketing removes public references to the customer",
    SignOff.SALES_OPS: "Sales Ops confirms no pipeline",
    SignOff.FINAL: "Order Management's final confirmation",
}

# Who each sign-off waits for, in a few words.
SIGN_OFF_TEAMS: dict[SignOff, str] = {
    SignOff.CUSTOMER_OPERATIONS: "Customer Operations",
    SignOff.FINANCE: "Finance",
    SignOff.MARKETING_EXCLUSION: "Marketing (exclusion lists)",
    SignOff.MARKETING_REFERENCES: "Marketing (public references)",
    SignOff.SALES_OPS: "Sales Ops",
    SignOff.FINAL: "Order Management",
}


def _playbook(playbook: Playbook | None) -> Playbook:
    if playbook is not None:
        return playbook
    from data.playbook import current_playbook

    return current_playbook()


def sign_off_labels(playbook: Playbook | None = None) -> dict[str, str]:
    """The playbook's sign-offs in order, by key: what each confirms."""
    return {team.key: team.label for team in _playbook(playbook).sign_offs}


def sign_off_team(playbook: Playbook, key: str) -> SignOffTeam | None:
    return next((team for team in playbook.sign_offs if team.key == key), None)


def sign_off_key(text: str, playbook: Playbook | None = None) -> str:
    """The sign-off of the playbook (the one in force by default) named by its key or label."""
    labels = sign_off_labels(playbook)
    key = key_named(text, labels)
    if key is not None:
        return key
    known = ", ".join(labels) or "none (this playbook has no sign-offs)"
    raise InvalidInput(f"'{text}' is not a sign-off. Use one of: {known}.")


# ----------------------------------------------------------------------------- operations
# The kernel is imported when an operation runs: data.cancellations reads this package.


def _signed(change: Change) -> dict[str, Completion]:
    """The case's sign-offs recorded so far, by key."""
    rows = Completion.select().where(
        (Completion.cancellation == change.cancellation.id)
        & (Completion.kind == CompletionKind.SIGN_OFF)
    )
    return {str(row.key): row for row in rows}


def _zoned(change: Change, row: Completion) -> str:
    from data.timeline.schedule import zoned

    return zoned(row.done_at, str(change.customer.time_zone))


def sign_off_many(
    login: str,
    account: str,
    teams: Sequence[str],
    note: str = "",
    *,
    expected_version: int | None = None,
) -> Outcome:
    """Record several teams' sign-offs at once (keys or labels of the case's playbook), with one
    note, in one transaction: in the playbook's order, the final confirmation last and only when
    every other sign-off is in or among these. Refused as a whole, nothing recorded, when one of
    them is unknown or already recorded, or the final one would come too early."""
    from data.cancellations.kernel import case_change, clean_text, display_name
    from data.playbook.store import playbook_for

    text = clean_text(note, "The note")
    if not [team for team in teams if team.strip()]:
        raise InvalidInput("Choose at least one sign-off (space ticks one), then save.")
    with case_change(login, account, expected_version, doing="record sign-offs") as c:
        playbook = playbook_for(c.cancellation)
        labels = sign_off_labels(playbook)
        wanted = {sign_off_key(team, playbook) for team in teams if team.strip()}
        signed = _signed(c)
        already = [key for key in labels if key in wanted and key in signed]
        if already:
            raise InvalidInput(
                "Already recorded, so nothing was signed: "
                + "; ".join(
                    f"'{labels[key]}' by {display_name(signed[key].done_by_id)} on "
                    f"{_zoned(c, signed[key])}"
                    for key in already
                )
                + ". Untick them and save again."
            )
        final = playbook.final_sign_off
        if final is not None and final.key in wanted:
            missing = [
                labels[key]
                for key in labels
                if key != final.key and key not in signed and key not in wanted
            ]
            if missing:
                raise InvalidInput(
                    "The final confirmation comes after every other sign-off, so nothing was "
                    "signed. Tick these too, or leave the final one for later: "
                    + "; ".join(missing)
                    + "."
                )
        # The playbook's order: the final confirmation, when chosen, is recorded last.
        ordered = [key for key in labels if key in wanted]
        for key in ordered:
            done = Completion.create(
                cancellation=c.cancellation,
                kind=CompletionKind.SIGN_OFF,
                key=key,
                done_by=c.who,
                done_at=c.now,
                note=text,
            )
            c.audit(
                "sign off",
                record_kind="sign-off",
                record_id=done.id,
                after={"sign_off": key, "note": text},
            )
        count = len(ordered)
        names = "; ".join(labels[key] for key in ordered)
        return c.outcome(f"Signed {count} sign-off{'s' if count != 1 else ''}: {names}.", count)


def _only_while_pending(what: str) -> Callable[[Customer], None]:
    """A refusal for the kernel: an undo is for a pending cancellation only."""
    from data.cancellations.kernel import display_name, latest_processed, pending
    from data.timeline.schedule import zoned

    def refusing(customer: Customer) -> None:
        if pending(customer) is not None:
            return
        done = latest_processed(customer)
        if done is None:
            raise Conflict(
                f"{customer.name} has no pending cancellation: there is no {what} to undo."
            )
        state = "closed" if done.closed_at is not None else "still open"
        raise Conflict(
            f"{customer.name}'s cancellation was processed on "
            f"{zoned(done.processed_at, str(customer.time_zone))} by "
            f"{display_name(done.processed_by_id)} (its case is {state}): a {what} can only be "
            "undone while the cancellation is pending. Nothing was changed."
        )

    return refusing


def _take_back(c: Change, existing: Completion, action: str, record_kind: str) -> None:
    """Delete the completion; the audit event keeps who had recorded it, when and the note."""
    from data.cancellations.kernel import display_name

    before = {
        record_kind.replace("-", "_"): str(existing.key),
        "by": display_name(existing.done_by_id),
        "at": _zoned(c, existing),
        "note": str(existing.note),
    }
    existing.delete_instance()
    c.audit(action, record_kind=record_kind, record_id=int(existing.id), before=before)


def undo_sign_off(
    login: str, account: str, team: str, *, expected_version: int | None = None
) -> Outcome:
    """Undo a recorded sign-off (the team lead's, audited), only while the cancellation is
    pending: refused once it is processed or its case closed. The final confirmation rests on
    the others, so it is undone first."""
    from data.cancellations.kernel import change
    from data.playbook.store import playbook_for

    refusing = _only_while_pending("sign-off")
    with change(login, account, expected_version, doing="undo a sign-off", refusing=refusing) as c:
        playbook = playbook_for(c.cancellation)
        key = sign_off_key(team, playbook)
        labels = sign_off_labels(playbook)
        signed = _signed(c)
        existing = signed.get(key)
        if existing is None:
            raise Conflict(f"'{labels[key]}' is not signed, so there is nothing to undo.")
        final = playbook.final_sign_off
        if final is not None and key != final.key and final.key in signed:
            raise Conflict(
                f"Undo the final confirmation ('{labels[final.key]}') first: it rests on "
                f"'{labels[key]}'."
            )
        _take_back(c, existing, "undo sign-off", "sign-off")
        return c.outcome(f"Undone: {labels[key]} (the audit trail keeps who had signed).")


def undo_task(
    login: str, account: str, task: str, *, expected_version: int | None = None
) -> Outcome:
    """Undo a timeline task ticked by hand, on the same rules as a sign-off: the team lead's,
    audited, only while the cancellation is pending."""
    from data.cancellations.kernel import change
    from data.timeline.plan import case_plan

    refusing = _only_while_pending("completed task")
    with change(
        login, account, expected_version, doing="undo a timeline task", refusing=refusing
    ) as c:
        planned = case_plan(c.cancellation).task(task)
        existing = (
            Completion.select()
            .where(
                (Completion.cancellation == c.cancellation.id)
                & (Completion.kind == CompletionKind.TASK)
                & (Completion.key == planned.key)
            )
            .first()
        )
        if existing is None:
            raise Conflict(f"'{planned.title}' is not ticked by hand, so there is nothing to undo.")
        _take_back(c, existing, "undo task", "task")
        return c.outcome(f"Undone: {planned.title} (the audit trail keeps who had ticked it).")
