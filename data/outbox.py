"""The outbox: messages queued in the database, in the same transaction as the change that
causes them, and the Markdown templates they are written from. Delivery comes later."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from string import Template

from data.errors import InvalidInput
from data.models import OUTBOX_QUEUED, Cancellation, Customer, OutboxMessage

TEMPLATES = Path(__file__).parent / "templates"


def render(template_name: str, values: Mapping[str, object]) -> str:
    """Fill a shipped Markdown template; a placeholder without a value is an error naming it."""
    path = TEMPLATES / f"{template_name}.md"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidInput(
            f"The e-mail template '{template_name}' cannot be read: {error}."
        ) from error
    try:
        return Template(text).substitute({key: str(value) for key, value in values.items()})
    except KeyError as error:
        raise InvalidInput(
            f"The e-mail template '{template_name}' needs a value for ${{{error.args[0]}}}, "
            "which this message does not have."
        ) from error
    except ValueError as error:
        raise InvalidInput(
            f"The e-mail template '{template_name}' is malformed: {error}."
        ) from error


def queue(
    customer: Customer,
    cancellation: Cancellation | None,
    kind: str,
    recipients: Sequence[str],
    subject: str,
    body: str,
) -> OutboxMessage:
    """Queue one message; call inside the transaction of the change that causes it."""
    addresses = sorted({address.strip() for address in recipients if address.strip()})
    if not addresses:
        raise InvalidInput(f"The message '{subject}' has no recipient with an e-mail address.")
    message: OutboxMessage = OutboxMessage.create(
        customer=customer,
        cancellation=cancellation,
        kind=kind,
        recipients=", ".join(addresses),
        subject=subject,
        body=body,
        status=OUTBOX_QUEUED,
    )
    return message
