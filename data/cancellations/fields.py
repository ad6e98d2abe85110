"""The cancellation's own fields: a future expiry, the new owner, the reasons, the customer's
mood and who is notified on Process."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from data.cancellations.kernel import Outcome, change, clean_text, display_name
from data.cancellations.records import one_of, record_ids
from data.errors import InvalidInput, NotFound
from data.models import (
    MOODS,
    Cancellation,
    CancellationReason,
    Expiry,
    NotifyUser,
    Reason,
    User,
)
from data.rules import reason_names


def _active_user(login: str, role_of: str) -> User:
    user = User.get_or_none(User.login == (login or "").strip())
    if user is None:
        raise NotFound(f"There is no user '{login}' to be the {role_of}.")
    if not user.active:
        raise InvalidInput(f"{user.display_name} is deactivated and cannot be the {role_of}.")
    return user


def add_expiry(
    login: str,
    account: str,
    expiry_date: dt.date,
    note: str = "",
    *,
    expected_version: int | None = None,
) -> Outcome:
    """Add a future expiry, a reminder for future marketing; the date must be after today there."""
    if not isinstance(expiry_date, dt.date) or isinstance(expiry_date, dt.datetime):
        raise InvalidInput(f"'{expiry_date}' is not a date. Give the expiry date as 2027-06-30.")
    text = clean_text(note, "The expiry note")
    with change(login, account, expected_version, doing="add an expiry", part="expiry") as c:
        today = c.today()
        if expiry_date <= today:
            raise InvalidInput(
                f"The expiry date {expiry_date} is not in the future: it is {today} today "
                f"in {c.customer.time_zone}. Choose a later date."
            )
        expiry = Expiry.create(customer=c.customer, date=expiry_date, note=text, created_by=c.who)
        c.audit(
            "add expiry",
            record_kind="expiry",
            record_id=expiry.id,
            after={"date": expiry_date, "note": text},
        )
        return c.outcome(f"Added a future expiry on {expiry_date}.", 1)


def choose_owner(
    login: str,
    account: str,
    owner_login: str,
    *,
    apply_now: bool = False,
    expected_version: int | None = None,
) -> Outcome:
    """Choose who owns the customer after cancellation; ``apply_now`` reassigns it at once
    ("Perform Now"), otherwise Process does."""
    with change(
        login, account, expected_version, doing="choose the new owner", part="ownership"
    ) as c:
        owner = _active_user(owner_login, "new owner")
        if owner.id == c.customer.owner_id:
            raise InvalidInput(
                f"{owner.display_name} already owns {c.customer.name}; choose someone else as "
                "the new owner."
            )
        before = {
            "new_owner": display_name(c.cancellation.new_owner_id),
            "owner": display_name(c.customer.owner_id),
        }
        applied_at = c.now if apply_now else None
        Cancellation.update(new_owner=owner, owner_applied_at=applied_at).where(
            Cancellation.id == c.cancellation.id
        ).execute()
        if apply_now:
            c.bump(owner=owner.id)
        c.audit(
            "apply owner now" if apply_now else "choose owner",
            before=before,
            after={
                "new_owner": owner.display_name,
                "owner": owner.display_name if apply_now else before["owner"],
            },
        )
        done = "now owns {}." if apply_now else "will own {} once the cancellation is processed."
        return c.outcome(f"{owner.display_name} {done.format(c.customer.name)}")


def set_reasons(
    login: str,
    account: str,
    reason_ids: Sequence[int],
    reason_text: str = "",
    extra_information: str = "",
    *,
    expected_version: int | None = None,
) -> Outcome:
    """Set the cancellation's reasons (from the reason list), free text and extra information."""
    wanted = sorted(set(record_ids(reason_ids) or [])) if reason_ids else []
    text = clean_text(reason_text, "The reason text")
    extra = clean_text(extra_information, "The extra information")
    with change(
        login, account, expected_version, doing="set the cancellation reasons", part="reasons"
    ) as c:
        cancellation = c.cancellation
        current = {
            link.reason_id
            for link in CancellationReason.select().where(
                CancellationReason.cancellation == cancellation
            )
        }
        reasons = {reason.id: reason for reason in Reason.select().where(Reason.id.in_(wanted))}
        missing = [pk for pk in wanted if pk not in reasons]
        if missing:
            raise NotFound(
                f"There is no reason with id {', '.join(map(str, missing))} in the list."
            )
        retired = [
            reasons[pk].name for pk in wanted if not reasons[pk].active and pk not in current
        ]
        if retired:
            raise InvalidInput(f"The reason {', '.join(retired)} is retired and cannot be chosen.")
        before = {
            "reasons": reason_names(cancellation),
            "reason_text": cancellation.reason_text,
            "extra_information": cancellation.extra_information,
        }
        CancellationReason.delete().where(CancellationReason.cancellation == cancellation).execute()
        if wanted:
            CancellationReason.insert_many(
                [{"cancellation": cancellation.id, "reason": pk} for pk in wanted]
            ).execute()
        Cancellation.update(reason_text=text, extra_information=extra).where(
            Cancellation.id == cancellation.id
        ).execute()
        after = {
            "reasons": reason_names(cancellation),
            "reason_text": text,
            "extra_information": extra,
        }
        c.audit("set reasons", before=before, after=after)
        names = ", ".join(after["reasons"]) or "none"
        return c.outcome(f"Reasons set: {names}.", len(wanted))


def set_mood(
    login: str, account: str, mood: str | None, *, expected_version: int | None = None
) -> Outcome:
    """Record the customer's mood (optional, never blocks); ``None`` clears it."""
    chosen: str | None = None
    if mood is not None and mood.strip():
        chosen = next((m for m in MOODS if m.casefold() == mood.strip().casefold()), None)
        if chosen is None:
            raise InvalidInput(f"'{mood}' is not a mood. Choose {one_of(MOODS)}.")
    with change(login, account, expected_version, doing="set the customer mood", part="mood") as c:
        before = {"mood": c.cancellation.mood}
        Cancellation.update(mood=chosen).where(Cancellation.id == c.cancellation.id).execute()
        c.audit("set mood", before=before, after={"mood": chosen})
        return c.outcome(f"Customer mood: {chosen or 'not recorded'}.")


def set_notify(
    login: str, account: str, logins: Sequence[str], *, expected_version: int | None = None
) -> Outcome:
    """Choose the users who are notified when the cancellation is processed."""
    with change(
        login, account, expected_version, doing="choose who is notified", part="notify"
    ) as c:
        users = [_active_user(name, "person notified") for name in dict.fromkeys(logins)]
        before = [
            u.login
            for u in User.select().join(NotifyUser).where(NotifyUser.cancellation == c.cancellation)
        ]
        NotifyUser.delete().where(NotifyUser.cancellation == c.cancellation).execute()
        if users:
            NotifyUser.insert_many(
                [{"cancellation": c.cancellation.id, "user": user.id} for user in users]
            ).execute()
        c.audit("set notify", before={"notify": before}, after={"notify": [u.login for u in users]})
        names = ", ".join(str(u.display_name) for u in users) or "nobody"
        return c.outcome(f"On Process, {names} will be notified.", len(users))
