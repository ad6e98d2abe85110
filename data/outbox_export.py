"""The outbox for a site without SMTP: each queued message written as an .eml file that any mail
client opens, with the Message-ID it will keep when it is sent."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from data.db import connection
from data.delivery import DEFAULT_SENDER, PAGE_LIMIT, build_email, fix_message_id, no_contact
from data.errors import InvalidInput
from data.models import Customer, OutboxMessage, OutboxStatus


def _file_name(message: OutboxMessage) -> str:
    kind = re.sub(r"[^A-Za-z0-9_-]+", "-", str(message.kind)).strip("-") or "message"
    return f"{message.id}-{kind}.eml"


def _write_atomically(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def export_queued(
    directory: str | Path, *, sender: str | None = None, account: str | None = None
) -> list[Path]:
    """Write each queued message (of one customer's ``account``, when given) as
    ``<id>-<kind>.eml`` in ``directory`` (its To and Cc headers as it will be sent); they stay
    queued.

    For a site without SMTP: the files open in any mail client, to be sent from there. A
    message to a customer under the no-contact rule is not written (``send`` withdraws it)."""
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
    customer: Customer | None = None
    if account is not None:
        with connection():
            customer = Customer.by_account(account)  # NotFound for an unknown account
    written: list[Path] = []
    after: int | None = None
    while True:
        with connection():
            query = (
                OutboxMessage.select(OutboxMessage, Customer)
                .join(Customer)
                .where(OutboxMessage.status == OutboxStatus.QUEUED)
            )
            if after is not None:
                query = query.where(OutboxMessage.id > after)
            if customer is not None:
                query = query.where(OutboxMessage.customer == customer)
            page = list(query.order_by(OutboxMessage.id).limit(PAGE_LIMIT))
            emails = []
            for message in page:
                if no_contact(message, message.customer):
                    continue
                # Stored now, so the message sent later carries the same Message-ID.
                fix_message_id(message, sender or DEFAULT_SENDER)
                emails.append((message, build_email(message, sender=sender or DEFAULT_SENDER)))
        for message, email in emails:
            path = folder / _file_name(message)
            try:
                _write_atomically(path, email.as_bytes())
            except OSError as error:
                raise InvalidInput(
                    f"Cannot write {path}: {error.strerror or error}. Name a folder you may "
                    f"write to ({len(written)} messages were written before this one)."
                ) from error
            written.append(path)
        if len(page) < PAGE_LIMIT:
            return written
        after = int(page[-1].id)
