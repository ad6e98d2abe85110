"""The outbox: messages queued in the database, in the same transaction as the change that
causes them, the Markdown templates they are written from, and the no-contact rule for
customers sent to collections. ``data.delivery`` sends what is queued."""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING

from data import clock
from data.errors import CONTROL, InvalidInput, NotAllowed, clip, printable
from data.models import (
    Audience,
    BillingStatus,
    Cancellation,
    CancellationState,
    Customer,
    OutboxMessage,
    OutboxStatus,
    User,
)
from data.text import NUL, normal_newlines

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

TEMPLATES = Path(__file__).parent / "templates"
SUBJECT_PREFIX = "Subject:"
SUBJECT_LIMIT = 300
BODY_LIMIT = 50_000

# The organisation's own templates folder, named in configuration; its files win over ours.
_folder_lock = threading.Lock()
_organisation_folder: Path | None = None


def use_templates(folder: str | Path | None) -> None:
    """Look for templates in ``folder`` first (``None``: only the shipped ones)."""
    global _organisation_folder
    if folder is not None and str(folder).strip():
        path = Path(folder).expanduser()
        if not path.is_dir():
            raise InvalidInput(
                f"The templates folder '{path}' does not exist or is not a folder. "
                "Create it, or remove 'templates' from the configuration to use the shipped ones."
            )
        with _folder_lock:
            _organisation_folder = path
    else:
        with _folder_lock:
            _organisation_folder = None


def template_path(template_name: str) -> Path:
    """The file a template is read from: the organisation's, else the shipped one."""
    if not re.fullmatch(r"[a-z0-9_]+", template_name):
        raise InvalidInput(f"'{clip(template_name)}' is not a template name (use a-z, 0-9 and _).")
    with _folder_lock:
        folder = _organisation_folder
    if folder is not None:
        own = folder / f"{template_name}.md"
        if own.is_file():
            return own
    return TEMPLATES / f"{template_name}.md"


class Markdown(str):
    """A value that is the organisation's own Markdown (the module guide's steps), put into a
    template as it is. Every other value is text and is escaped (``as_text``)."""


# Markdown's inline punctuation: escapes, code, emphasis, link and image brackets, autolinks
# and HTML. "(" and ")" need nothing once "[" and "]" are escaped; "!" only opens an image
# before "[".
_INLINE = re.compile(r"([\\`*_\[\]<>])")
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")  # &amp; &#91; … would be read as a character
# What makes a line an ordered list item, and what makes it a bullet, heading, setext underline,
# rule or fence, when the line starts with it ("*", "_", "`", ">" are escaped already).
_ORDERED = re.compile(r"\d{1,9}([.)])(?:[ \t]|$)")
_BLOCK = re.compile(r"(?:[-+](?:[ \t]|$)|#{1,6}(?:[ \t]|$)|[-=][-= \t]*$|~~~)")
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def as_text(value: object) -> str:
    """A value (a name, a reason, a note…) escaped so that Markdown shows it as the very text
    it is: no link, image, autolink, HTML, heading or list comes out of it, and a control
    character a row still holds reads ``\\x1b`` (``printable``). Letters, digits, spaces and
    ordinary punctuation are left alone, so a plain value reads the same."""
    text = printable(str(value))
    text = _INLINE.sub(r"\\\1", text)
    text = _ENTITY.sub(r"\\&", text)
    return "\n".join(_escape_line_start(line) for line in text.split("\n"))


def _escape_line_start(line: str) -> str:
    rest = line.lstrip(" \t")
    indent = line[: len(line) - len(rest)]
    ordered = _ORDERED.match(rest)
    if ordered:
        return f"{indent}{rest[: ordered.start(1)]}\\{rest[ordered.start(1) :]}"
    if _BLOCK.match(rest):
        return f"{indent}\\{rest}"
    return line


def plain_text(body: str) -> str:
    """The Markdown body as the plain-text part reads it: without the backslashes that keep
    punctuation literal (``\\[Pay now\\]`` reads ``[Pay now]``)."""
    return _ESCAPED.sub(r"\1", body)


@dataclass(frozen=True)
class Rendered:
    """A filled template: the subject (its ``Subject:`` line) and the Markdown body."""

    subject: str
    body: str


def _fill(
    template_name: str,
    where: Path,
    text: str,
    values: Mapping[str, object],
    *,
    markdown: bool = False,
) -> str:
    """The template with its placeholders filled; in Markdown (the body) each value is put in
    as text (``as_text``), unless it is ``Markdown`` of the organisation's own; a control
    character in any value is written out (``printable``), so none reaches the message."""
    filled = {
        key: value if isinstance(value, Markdown) or not markdown else as_text(value)
        for key, value in values.items()
    }
    try:
        return Template(text).substitute(
            {key: printable(str(value)) for key, value in filled.items()}
        )
    except KeyError as error:
        raise InvalidInput(
            f"The e-mail template '{template_name}' ({where}) needs a value for "
            f"${{{error.args[0]}}}, which this message does not have. Remove the placeholder "
            "from the template or use one this message fills."
        ) from error
    except ValueError as error:
        raise InvalidInput(
            f"The e-mail template '{template_name}' ({where}) is malformed: {error}. "
            "Write placeholders as ${name}, and a literal dollar sign as $$."
        ) from error


def render(template_name: str, values: Mapping[str, object]) -> Rendered:
    """Fill a template; a placeholder without a value is an error that names it.

    The first line of a template is ``Subject: …`` (plain text); the rest is the Markdown body,
    into which values go as text: only the template's own Markdown is rendered."""
    path = template_path(template_name)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInput(
            f"The e-mail template '{template_name}' cannot be read from {path}: {error}."
        ) from error
    if NUL in text:
        raise InvalidInput(
            f"The e-mail template '{template_name}' ({path}) contains a NUL character (\\x00); "
            "remove it from the file."
        )
    control = CONTROL.search(text)
    if control is not None:
        line = text.count("\n", 0, control.start()) + 1
        raise InvalidInput(
            f"The e-mail template '{template_name}' ({path}) contains a control character "
            f"({printable(control.group(0))}, on line {line}); remove it from the file."
        )
    first, _, rest = text.lstrip("\ufeff").partition("\n")
    if not first.startswith(SUBJECT_PREFIX):
        raise InvalidInput(
            f"The e-mail template '{template_name}' ({path}) must start with a line "
            f"'{SUBJECT_PREFIX} …'; it starts with '{first[:40]}'."
        )
    subject = _fill(template_name, path, first[len(SUBJECT_PREFIX) :].strip(), values)
    body = _fill(template_name, path, rest.lstrip("\n"), values, markdown=True)
    return Rendered(" ".join(subject.split()), body.strip() + "\n")


def available_templates() -> list[str]:
    """The template names there are, shipped or the organisation's own."""
    names = {path.stem for path in TEMPLATES.glob("*.md")}
    with _folder_lock:
        folder = _organisation_folder
    if folder is not None:
        names.update(path.stem for path in folder.glob("*.md"))
    return sorted(names)


@functools.cache
def _markdown() -> MarkdownIt:
    # Built on first use: markdown-it is imported only when a message is rendered.
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def to_html(body: str) -> str:
    """The HTML part of a message. Raw HTML in the Markdown is shown as text, never passed on."""
    return str(_markdown().render(body))


# --------------------------------------------------------------------------- addresses


def check_address(address: str) -> str:
    """One e-mail address (``name@example.com`` or ``Name <name@example.com>``), cleaned, or
    InvalidInput saying what is wrong with it."""
    text = (address or "").strip()
    _, addr = parseaddr(text)
    local, at, domain = addr.rpartition("@")
    if (
        not at
        or not local
        or "." not in domain.strip(".")
        or any(c.isspace() or c in ",;<>" for c in addr)
        or any(c in "\r\n" for c in text)
    ):
        raise InvalidInput(
            f"'{clip(text)}' is not an e-mail address. Write it as name@example.com."
        )
    return addr


def parse_addresses(text: str) -> list[str]:
    """Addresses separated by commas, semicolons or new lines; each one checked (so
    ``Dana Admin <dana@example.com>`` is one address)."""
    parts = [part.strip() for part in re.split(r"[,;\n]+", text or "") if part.strip()]
    if not parts:
        raise InvalidInput("There is no recipient. Give at least one e-mail address.")
    return list(dict.fromkeys(check_address(part) for part in parts))


# --------------------------------------------------------------------------- no contact


def no_contact_reason(customer: Customer) -> str:
    """Why the customer's people may not be contacted (empty when they may).

    Once an account is sent to collections nobody writes to its admin again (seed 001)."""
    if customer.billing_status == BillingStatus.COLLECTIONS:
        return (
            f"{customer.name} has been sent to collections: nobody may contact its admin, "
            "so no e-mail to the customer can be queued or sent."
        )
    latest = (
        Cancellation.select(Cancellation.id, Cancellation.scenario, Cancellation.playbook_version)
        .where(
            (Cancellation.customer == customer)
            & Cancellation.state.in_([CancellationState.PENDING, CancellationState.PROCESSED])
        )
        .order_by(Cancellation.id.desc())
        .first()
    )
    if latest is None:
        return ""
    from data.timeline.plan import playbook_of  # the playbook store reads models: only here

    rule = playbook_of(latest).scenarios.get(str(latest.scenario))
    if rule is not None and rule.no_contact:
        return (
            f"{customer.name}'s cancellation is '{rule.label}': nobody may "
            "contact its admin, so no e-mail to the customer can be queued or sent."
        )
    return ""


def _address_key(text: str) -> str:
    """An address as it is compared: without a display name, trimmed, in one case."""
    address = parseaddr(text.strip())[1] or text
    return address.strip().strip(".").casefold()


def customer_addresses(customer: Customer) -> set[str]:
    """Every address of the customer's people on record (the admin field may name several,
    with or without display names), as they are compared."""
    parts = re.split(r"[,;\n]+", str(customer.admin_email or ""))
    return {key for key in (_address_key(part) for part in parts if part.strip()) if key}


def is_customer_address(customer: Customer, address: str) -> bool:
    """Whether ``address`` reaches one of the customer's people, in whatever case or spacing
    it is written (``JAMIE@Example.com `` is ``jamie@example.com``)."""
    return _address_key(address or "") in customer_addresses(customer)


def copies(recipients: Sequence[str], cc: Sequence[str]) -> list[str]:
    """The ``cc`` addresses, each checked, once, without those already among ``recipients``."""
    addressed = {_address_key(address) for address in recipients}
    copied: dict[str, str] = {}
    for text in cc:
        if text and text.strip():
            address = check_address(text)
            key = _address_key(address)
            if key not in addressed:
                copied.setdefault(key, address)
    return list(copied.values())


def queue(
    customer: Customer,
    cancellation: Cancellation | None,
    kind: str,
    recipients: Sequence[str],
    subject: str,
    body: str,
    *,
    audience: str = Audience.INTERNAL,
    created_by: User | None = None,
    cc: Sequence[str] = (),
) -> OutboxMessage:
    """Queue one message to ``recipients``, copying ``cc`` in (an address already among the
    recipients is not copied again); call inside the transaction of the change that causes it.

    A message to the customer's people (by audience, or because one of its recipients or
    copies is the admin) is refused while the no-contact rule holds, whoever asks."""
    if audience not in (Audience.CUSTOMER, Audience.INTERNAL):
        raise InvalidInput(f"'{clip(audience)}' is not an audience: use customer or internal.")
    addresses = list(dict.fromkeys(check_address(a) for a in recipients if a and a.strip()))
    if not addresses:
        raise InvalidInput(
            f"The message '{clip(subject)}' has no recipient with an e-mail address."
        )
    copied = copies(addresses, cc)
    if any(is_customer_address(customer, address) for address in [*addresses, *copied]):
        audience = Audience.CUSTOMER
    if audience == Audience.CUSTOMER:
        reason = no_contact_reason(customer)
        if reason:
            raise NotAllowed(reason)
    subject = " ".join((subject or "").split())
    if not subject:
        raise InvalidInput("The message has no subject. Write one.")
    if len(subject) > SUBJECT_LIMIT:
        raise InvalidInput(
            f"The subject is {len(subject)} characters; keep it under {SUBJECT_LIMIT}."
        )
    body = normal_newlines(body or "")
    if not body.strip():
        raise InvalidInput("The message has no text. Write the message before queueing it.")
    if len(body) > BODY_LIMIT:
        raise InvalidInput(f"The message is {len(body)} characters; keep it under {BODY_LIMIT}.")
    message: OutboxMessage = OutboxMessage.create(
        customer=customer,
        cancellation=cancellation,
        kind=kind,
        audience=audience,
        recipients=", ".join(addresses),
        cc=", ".join(copied),
        subject=subject,
        body=body,
        status=OutboxStatus.QUEUED,
        created_by=created_by,
        created_at=clock.now(),
    )
    return message
