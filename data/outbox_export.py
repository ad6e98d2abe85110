"""The outbox for a site without SMTP: each queued message written as an .eml file that any mail
client opens, with the Message-ID it will keep when it is sent. Storing that Message-ID is a
write: only a team lead or a CRM admin exports. The files are written through data.files (never
over a database; an .eml file already there only with ``force``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from peewee import ModelSelect

from data import audit
from data.db import connection
from data.delivery import DEFAULT_SENDER, PAGE_LIMIT, build_email, fix_message_id, no_contact
from data.errors import InvalidInput
from data.files import REPLACE_HINT, check_output, write_output
from data.models import Customer, OutboxMessage, OutboxStatus


def _file_name(message: OutboxMessage) -> str:
    kind = re.sub(r"[^A-Za-z0-9_-]+", "-", str(message.kind)).strip("-") or "message"
    return f"{message.id}-{kind}.eml"


def _folder(directory: str | Path) -> Path:
    folder = Path(directory).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError as error:
        raise InvalidInput(
            f"Cannot export to {folder}: it is a file, not a folder. Name a folder."
        ) from error
    except OSError as error:
        raise InvalidInput(
            f"Cannot create the folder {folder}: {error.strerror or error}. Name a folder "
            "you may write to."
        ) from error
    return folder


def _queued(
    customer: Customer | None, ids: Sequence[int] | None = None
) -> ModelSelect[OutboxMessage]:
    query = (
        OutboxMessage.select(OutboxMessage, Customer)
        .join(Customer)
        .where(OutboxMessage.status == OutboxStatus.QUEUED)
    )
    if customer is not None:
        query = query.where(OutboxMessage.customer == customer)
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(list(ids)))
    return query.order_by(OutboxMessage.id)


def _to_write(customer: Customer | None) -> dict[int, str]:
    """The file name of each queued message that would be written, by id, in order."""
    names: dict[int, str] = {}
    after: int | None = None
    while True:
        with connection():
            query = _queued(customer)
            if after is not None:
                query = query.where(OutboxMessage.id > after)
            page = list(query.limit(PAGE_LIMIT))
            for message in page:
                if not no_contact(message, message.customer):
                    names[int(message.id)] = _file_name(message)
        if len(page) < PAGE_LIMIT:
            return names
        after = int(page[-1].id)


def _check_targets(paths: Sequence[Path], *, force: bool) -> None:
    """Refuse before anything is written: a file that is a database (never replaced), or, unless
    ``force``, an .eml file already there."""
    taken: list[Path] = []
    for path in paths:
        check_output(path, force=True)
        if not force and (path.exists() or path.is_symlink()):
            taken.append(path)
    if len(taken) == 1:
        raise InvalidInput(f"{taken[0]} exists: {REPLACE_HINT}, or export to another folder.")
    if taken:
        raise InvalidInput(
            f"{taken[0]} exists, and {len(taken) - 1} more of the files this export writes: "
            "add --force to replace them, or export to another folder."
        )


def export_queued(
    login: str,
    directory: str | Path,
    *,
    sender: str | None = None,
    account: str | None = None,
    force: bool = False,
) -> list[Path]:
    """Write each queued message (of one customer's ``account``, when given) as
    ``<id>-<kind>.eml`` in ``directory`` (its To and Cc headers as it will be sent); they stay
    queued. A team lead or a CRM admin only (it stores each message's Message-ID, which the
    sent message keeps).

    For a site without SMTP: the files open in any mail client, to be sent from there. A
    message to a customer under the no-contact rule is not written (``send`` withdraws it).
    An .eml file already there is refused, before anything is written, unless ``force``; a
    database never is replaced (data.files)."""
    customer: Customer | None = None
    with connection():
        who = audit.actor(login)
        audit.require_cancellation_role(who, "export the outbox")
        if account is not None:
            customer = Customer.by_account(account)  # NotFound for an unknown account
    folder = _folder(directory)
    names = _to_write(customer)
    _check_targets([folder / name for name in names.values()], force=force)
    written: list[Path] = []
    ids = list(names)
    for first in range(0, len(ids), PAGE_LIMIT):
        with connection():
            emails = []
            for message in _queued(customer, ids[first : first + PAGE_LIMIT]):
                if no_contact(message, message.customer):
                    continue
                # Stored now, so the message sent later carries the same Message-ID.
                fix_message_id(message, sender or DEFAULT_SENDER)
                emails.append((message, build_email(message, sender=sender or DEFAULT_SENDER)))
        for message, email in emails:
            path = folder / _file_name(message)
            try:
                write_output(path, email.as_bytes(), force=force)
            except InvalidInput as error:
                if not written:
                    raise
                raise InvalidInput(
                    f"{error} ({len(written)} messages were written before this one.)"
                ) from error
            written.append(path)
    return written
