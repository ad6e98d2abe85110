"""Users and the list of cancellation reasons, both managed by a CRM admin."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from peewee import IntegrityError

from data import audit
from data.db import connection, database
from data.errors import Conflict, InvalidInput, NotFound
from data.models import Reason, Role, User
from data.pick_lists import Listed, PickList

LOGIN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class UserRow:
    login: str
    display_name: str
    email: str
    roles: tuple[str, ...]
    active: bool


ReasonRow = Listed  # a reason in the list


def _row(user: User) -> UserRow:
    return UserRow(
        user.login, user.display_name, user.email, tuple(sorted(user.role_set)), bool(user.active)
    )


def check_roles(roles: Sequence[str]) -> list[str]:
    clean = []
    for role in roles:
        name = role.strip().lower()
        if name not in tuple(Role):
            raise InvalidInput(f"'{role}' is not a role. Roles: {', '.join(Role)}.")
        clean.append(name)
    return sorted(set(clean))


def list_users(*, include_inactive: bool = True) -> list[UserRow]:
    with connection():
        query = User.select().order_by(User.login)
        if not include_inactive:
            query = query.where(User.active == True)  # noqa: E712
        return [_row(user) for user in query]


def add_user(
    acting_login: str | None,
    login: str,
    display_name: str,
    email: str = "",
    roles: Sequence[str] = (),
) -> UserRow:
    """Add a user. Needs a CRM admin, except for the very first user of an empty database,
    who becomes one (someone has to be able to add the others)."""
    name = (login or "").strip()
    if not LOGIN.match(name):
        raise InvalidInput(
            f"'{login}' is not a usable login: use lowercase letters, digits, '.', '_' or '-', "
            "starting with a letter or digit, at most 64 characters."
        )
    shown = " ".join((display_name or "").split()) or name
    if len(shown) > 120:
        raise InvalidInput("The display name is longer than 120 characters.")
    address = (email or "").strip()
    if len(address) > 254:
        raise InvalidInput("The e-mail address is longer than 254 characters.")
    if address and not EMAIL.match(address):
        raise InvalidInput(f"'{email}' is not an e-mail address, such as sam.lee@example.com.")
    wanted = check_roles(roles)
    with connection(), database.atomic():
        first = User.select().count() == 0
        if first:
            wanted = sorted({*wanted, Role.ADMIN})
        else:
            who = audit.actor(acting_login or "")
            audit.require(who, Role.ADMIN, doing="add users")
            audit.require_user_administration()
        if User.select().where(User.login == name).exists():
            raise Conflict(f"There is already a user '{name}'.")
        try:
            user = User.create(
                login=name, display_name=shown, email=address, roles=",".join(wanted)
            )
        except IntegrityError as error:
            raise Conflict(f"There is already a user '{name}'.") from error
        audit.record(
            [
                audit.event(
                    user if first else who,
                    "add user",
                    record_kind="user",
                    record_id=user.id,
                    after={"login": name, "roles": wanted, "email": address},
                )
            ]
        )
        return _row(user)


def update_user(
    acting_login: str,
    login: str,
    *,
    roles: Sequence[str] | None = None,
    active: bool | None = None,
    email: str | None = None,
) -> UserRow:
    """Change a user's roles, e-mail or active flag (CRM admin only)."""
    with connection(), database.atomic():
        who = audit.actor(acting_login)
        audit.require(who, Role.ADMIN, doing="change users")
        audit.require_user_administration()
        user = User.get_or_none(User.login == (login or "").strip())
        if user is None:
            raise NotFound(f"There is no user '{login}'.")
        before = _row(user)
        if roles is not None:
            user.roles = ",".join(check_roles(roles))
        if active is not None:
            user.active = active
        if email is not None:
            address = email.strip()
            if len(address) > 254:
                raise InvalidInput("The e-mail address is longer than 254 characters.")
            if address and not EMAIL.match(address):
                raise InvalidInput(
                    f"'{email}' is not an e-mail address, such as sam.lee@example.com."
                )
            user.email = address
        if (user.id == who.id and not user.has_any_role(Role.ADMIN)) or (
            user.id == who.id and not user.active
        ):
            raise InvalidInput("You cannot remove your own CRM admin role or deactivate yourself.")
        user.save()
        after = _row(user)
        audit.record(
            [
                audit.event(
                    who,
                    "change user",
                    record_kind="user",
                    record_id=user.id,
                    before={"roles": before.roles, "active": before.active, "email": before.email},
                    after={"roles": after.roles, "active": after.active, "email": after.email},
                )
            ]
        )
        return after


REASONS = PickList(Reason, "reason")


def list_reasons(*, include_retired: bool = False) -> list[ReasonRow]:
    return REASONS.entries(include_retired=include_retired)


def add_reason(acting_login: str, name: str) -> ReasonRow:
    """Add a reason to the list (CRM admins only)."""
    return REASONS.add(acting_login, name)


def retire_reason(acting_login: str, reason_id: int, *, active: bool = False) -> ReasonRow:
    """Retire a reason (it stays on cancellations that chose it) or bring it back."""
    return REASONS.retire(acting_login, reason_id, active=active)
