"""A list the CRM admins edit: the cancellation reasons (``data.users``) and the offers a save
attempt may make (``data.retention.offers``). Each is read, added to, retired and restored the
same way; ``PickList`` does it for either, worded with the list's noun."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from peewee import fn

from data import audit
from data.db import connection, database, row_by_id
from data.errors import Conflict, InvalidInput, NotFound
from data.models import Reason, Role

if TYPE_CHECKING:
    from data.retention.models import Offer

LONGEST_NAME = 80  # the name column's length


@dataclass(frozen=True)
class Listed:
    """One entry of the list: a retired one is no longer offered but stays where it was used."""

    id: int
    name: str
    active: bool


@dataclass(frozen=True)
class PickList:
    """A list the CRM admins edit, kept in ``model`` (a name, an active flag and a position) and
    named ``noun`` in every message and audit event ("add reason", "retire offer"…)."""

    model: type[Reason] | type[Offer]
    noun: str
    article: str = "A"

    def entries(self, *, include_retired: bool = False) -> list[Listed]:
        model = self.model
        with connection():
            query = model.select().order_by(model.position, model.name)
            if not include_retired:
                query = query.where(model.active == True)  # noqa: E712
            return [Listed(row.id, row.name, bool(row.active)) for row in query]

    def clean_name(self, name: str) -> str:
        text = " ".join((name or "").split())
        if not text:
            raise InvalidInput(f"{self.article} {self.noun} needs a name.")
        if len(text) > LONGEST_NAME:
            raise InvalidInput(
                f"{self.article} {self.noun}'s name must be at most {LONGEST_NAME} characters."
            )
        return text

    def add(self, acting_login: str, name: str) -> Listed:
        """Add an entry at the end of the list (CRM admins only)."""
        model = self.model
        text = self.clean_name(name)
        with connection(), database.atomic():
            who = audit.actor(acting_login)
            audit.require(who, Role.ADMIN, doing=f"change the {self.noun} list")
            if model.select().where(fn.LOWER(model.name) == text.lower()).exists():
                raise Conflict(f"The {self.noun} list already has '{text}'.")
            position = (model.select(fn.MAX(model.position)).scalar() or 0) + 1
            row = model.create(name=text, position=position)
            audit.record(
                [
                    audit.event(
                        who,
                        f"add {self.noun}",
                        record_kind=self.noun,
                        record_id=row.id,
                        after={"name": text},
                    )
                ]
            )
            return Listed(row.id, row.name, True)

    def retire(self, acting_login: str, entry_id: int, *, active: bool = False) -> Listed:
        """Retire an entry (it stays where it was used) or, ``active=True``, bring it back."""
        model = self.model
        with connection(), database.atomic():
            who = audit.actor(acting_login)
            audit.require(who, Role.ADMIN, doing=f"change the {self.noun} list")
            row = row_by_id(model, entry_id)
            if row is None:
                raise NotFound(f"There is no {self.noun} with id {entry_id}.")
            model.update(active=active).where(model.id == row.id).execute()
            audit.record(
                [
                    audit.event(
                        who,
                        f"restore {self.noun}" if active else f"retire {self.noun}",
                        record_kind=self.noun,
                        record_id=row.id,
                        before={"active": row.active},
                        after={"active": active},
                    )
                ]
            )
            return Listed(row.id, row.name, active)
