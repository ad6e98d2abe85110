"""Talking to the mail server: the SMTP settings, one SMTP conversation per message (MAIL, RCPT,
then DATA only once the caller has recorded that it is about to hand the message over), and
failures as sentences a team lead can act on."""

from __future__ import annotations

import contextlib
import smtplib
import socket
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.policy import SMTPUTF8 as SMTPUTF8_POLICY
from email.utils import parseaddr
from enum import StrEnum
from typing import Protocol

from data.errors import InvalidInput


class Security(StrEnum):
    """How the connection to the mail server is secured (the setting ``security``)."""

    STARTTLS = "starttls"
    TLS = "tls"
    NONE = "none"


SECURITY_MODES: tuple[Security, ...] = tuple(Security)
# By the security mode (the configuration reads it as text).
DEFAULT_PORTS: dict[str, int] = {Security.STARTTLS: 587, Security.TLS: 465, Security.NONE: 25}
DEFAULT_TIMEOUT = 30.0

Refused = dict[str, tuple[int, bytes]]


# ----------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send. The password comes from the environment and is never stored."""

    host: str
    port: int = DEFAULT_PORTS[Security.STARTTLS]
    security: str = Security.STARTTLS
    user: str = ""
    password: str = field(default="", repr=False)
    sender: str = ""  # the From address: "offboard@example.com" or "Offboard <…>"
    timeout: float = DEFAULT_TIMEOUT

    def __post_init__(self) -> None:
        if not self.host.strip():
            raise InvalidInput(
                "The SMTP settings have no host. Name the mail server to send through."
            )
        if not 1 <= self.port <= 65535:
            raise InvalidInput(f"The SMTP port {self.port} is not a port: use 1 to 65535.")
        if self.security not in SECURITY_MODES:
            raise InvalidInput(
                f"'{self.security}' is not an SMTP security mode: use {', '.join(SECURITY_MODES)}."
            )
        if not self.timeout > 0:
            raise InvalidInput("The SMTP timeout must be a number of seconds above 0.")
        if not self.sender.strip():
            raise InvalidInput(
                "The SMTP settings have no From address. Set one, such as offboard@example.com."
            )

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def envelope_sender(self) -> str:
        return parseaddr(self.sender)[1] or self.sender.strip()


# ----------------------------------------------------------------------------- outcomes


class ServerUnreachable(Exception):
    """The mail server could not be reached or would not let us in: no message can go now."""


class ClaimLost(Exception):
    """The caller may no longer hand this message over (another sender took it over): nothing
    was given to the server."""


class OutcomeUnknown(Exception):
    """The message was handed over (DATA) and no answer came (a timeout or a dropped
    connection): the server may have accepted it."""


def reply_text(error: smtplib.SMTPResponseException) -> str:
    """The server's reply: code and text on one line."""
    text = error.smtp_error
    shown = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{error.smtp_code} {' '.join(shown.split())}".strip()


def refused_text(refused: Refused) -> str:
    """Each refused recipient with the server's reply: ``a@x (550 No such user); …``."""
    return "; ".join(
        f"{address} ({reply_text(smtplib.SMTPResponseException(code, reply))})"
        for address, (code, reply) in refused.items()
    )


def is_permanent(error: BaseException) -> bool:
    """Whether the server refused for good (a 5xx reply): trying again gets the same answer."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return bool(error.recipients) and all(
            500 <= code < 600 for code, _ in error.recipients.values()
        )
    if isinstance(error, smtplib.SMTPResponseException):
        return 500 <= error.smtp_code < 600
    return False


def describe_failure(error: BaseException, where: str = "the mail server") -> str:
    """An SMTP or network failure as a sentence a team lead can act on."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return f"The mail server {where} refused every recipient: {refused_text(error.recipients)}."
    if isinstance(error, smtplib.SMTPSenderRefused):
        return f"The mail server {where} refused the sender {error.sender}: {reply_text(error)}."
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return (
            f"The mail server {where} did not accept the user name and password "
            f"({reply_text(error)}). Check the SMTP user and OFFBOARD_SMTP_PASSWORD."
        )
    if isinstance(error, smtplib.SMTPDataError):
        return f"The mail server {where} refused the message: {reply_text(error)}."
    if isinstance(error, smtplib.SMTPResponseException):
        return f"The mail server {where} answered {reply_text(error)}."
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return (
            f"The mail server {where} cannot do what was asked: {error} If it offers no "
            "STARTTLS, set security to 'tls' (usually port 465) or, on a trusted network, 'none'."
        )
    if isinstance(error, smtplib.SMTPServerDisconnected):
        if isinstance(error.__context__, TimeoutError):  # smtplib says "closed" for a timeout
            return f"The mail server {where} did not answer in time."
        return f"The mail server {where} closed the connection: {error or 'no reason given'}."
    if isinstance(error, smtplib.SMTPException):
        return f"Sending through {where} failed: {error}."
    if isinstance(error, socket.gaierror):
        return (
            f"Cannot find the mail server {where}: {error.strerror or error}. Check the host name."
        )
    if isinstance(error, ssl.SSLError):
        return f"The secure connection to {where} failed: {error.reason or error}."
    if isinstance(error, TimeoutError):
        return f"The mail server {where} did not answer in time."
    if isinstance(error, ConnectionRefusedError):
        return f"Cannot connect to the mail server {where}: the connection was refused."
    if isinstance(error, OSError):
        return f"Cannot talk to the mail server {where}: {error.strerror or error}."
    return f"Sending through {where} failed: {error}."


# ----------------------------------------------------------------------------- transport


class Transport(Protocol):
    """What hands a built message on.

    ``send`` calls ``handing_over`` just before the message itself goes to the server (DATA);
    when that returns False nothing is handed over (ClaimLost). It returns the recipients
    refused when only some were; raises SMTPRecipientsRefused when all were, ServerUnreachable,
    an SMTP error the server answered with (nothing was accepted), OSError before DATA, or
    OutcomeUnknown when the message was handed over and no answer came."""

    def send(
        self,
        email: EmailMessage,
        sender: str,
        recipients: Sequence[str],
        handing_over: Callable[[], bool],
    ) -> Refused: ...

    def close(self) -> None: ...


class SmtpTransport:
    """One SMTP connection, opened on the first message and reused for the rest of a run."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        smtp: smtplib.SMTP | None = None
        try:
            if s.security == Security.TLS:
                smtp = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            smtp.ehlo()
            if s.security == Security.STARTTLS:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if s.user:
                smtp.login(s.user, s.password)
        except (smtplib.SMTPException, OSError) as error:
            if smtp is not None:
                _close_quietly(smtp)
            raise ServerUnreachable(describe_failure(error, s.address)) from error
        return smtp

    def send(
        self,
        email: EmailMessage,
        sender: str,
        recipients: Sequence[str],
        handing_over: Callable[[], bool],
    ) -> Refused:
        if self._smtp is None:
            self._smtp = self._connect()
        smtp = self._smtp
        try:
            refused = _envelope(smtp, email, sender, recipients)
        except (smtplib.SMTPException, OSError):
            # Nothing was handed over; whatever state the conversation is in, the next message
            # starts a fresh one.
            self.close()
            raise
        if not handing_over():
            self.close()
            raise ClaimLost("another sender took this message over; nothing was handed over")
        try:
            code, reply = smtp.data(
                _flatten(email, international=_international(sender, recipients))
            )
            if code != 250:
                raise smtplib.SMTPDataError(code, reply)
        except smtplib.SMTPResponseException:
            # The server answered: it did not take the message.
            self.close()
            raise
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise OutcomeUnknown(describe_failure(error, self.settings.address)) from error
        return refused

    def close(self) -> None:
        if self._smtp is not None:
            smtp, self._smtp = self._smtp, None
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                _close_quietly(smtp)


def _international(sender: str, recipients: Sequence[str]) -> bool:
    return not all(address.isascii() for address in (sender, *recipients))


def _flatten(email: EmailMessage, *, international: bool) -> bytes:
    # CRLF line ends, as SMTP wants; smtplib's data() escapes the leading dots.
    return email.as_bytes(policy=SMTPUTF8_POLICY if international else SMTP_POLICY)


def _envelope(
    smtp: smtplib.SMTP, email: EmailMessage, sender: str, recipients: Sequence[str]
) -> Refused:
    """MAIL FROM and RCPT TO (as smtplib's sendmail does them); the recipients refused. Raises
    SMTPRecipientsRefused when every one was."""
    options: list[str] = []
    if _international(sender, recipients):
        if not smtp.has_extn("smtputf8"):
            raise smtplib.SMTPNotSupportedError(
                "One of the addresses is not plain ASCII and the server does not take SMTPUTF8."
            )
        options = ["SMTPUTF8", "BODY=8BITMIME"]
    code, reply = smtp.mail(sender, options)
    if code != 250:
        smtp.rset()
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    refused: Refused = {}
    for address in recipients:
        code, reply = smtp.rcpt(address)
        if code not in (250, 251):
            refused[address] = (code, reply)
    if len(refused) == len(recipients):
        smtp.rset()
        raise smtplib.SMTPRecipientsRefused(refused)
    return refused


def _close_quietly(smtp: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError):
        smtp.close()
