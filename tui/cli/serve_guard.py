"""The gate ``offboard serve`` puts in front of textual-serve, which checks nothing itself: a
per-run secret token, and the ``Host`` and ``Origin`` checks that keep other web pages out
(a page that opens a websocket to the port, a DNS-rebinding page that names its own host).

Every request must come to the exact address served (its ``Host`` header is that host and port,
and nothing else: not even another name of this machine, since the page's own links use that
address), must not come from a page of another origin (a websocket must carry the served
``Origin``), and must carry the token: ``?token=`` in the URL, or the cookie the server sets when
a request's ``?token=`` is right (HttpOnly, SameSite=Strict, path /), which the page's own
follow-up requests (its scripts, its websocket, a download) carry. Anything else is HTTP 403 with
one line saying why, before textual-serve sees it, so no app is started and nothing drawn.

The token is never logged (a filter takes it out of every log line, the access log's request
line included), never in an environment variable or on a command line (the app's processes do not
get it); ``--token-file`` writes it to a file of mode 0600."""

from __future__ import annotations

import hmac
import logging
import os
import secrets
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler, Middleware
from textual_serve.server import Server

# 32 random bytes (256 bits), URL-safe base64: letters, digits, '-' and '_' only.
TOKEN_BYTES = 32
TOKEN_PARAMETER = "token"
REDACTED = "[token]"


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def same_secret(given: str, token: str) -> bool:
    """Whether ``given`` is the token, in time that does not depend on where they differ."""
    return hmac.compare_digest(given.encode("utf-8", "replace"), token.encode("utf-8"))


@dataclass(frozen=True)
class Gate:
    """What a request must match: the served origin (``http://host:port``) and the token."""

    origin: str
    token: str

    @property
    def hosts(self) -> frozenset[str]:
        """The ``Host`` headers accepted: the served host and port (also without the port
        when it is the scheme's default, as browsers then send it)."""
        parts = urlsplit(self.origin)
        netloc = parts.netloc.lower()
        default = {"http": 80, "https": 443}.get(parts.scheme)
        if parts.port == default:
            return frozenset({netloc, netloc.rsplit(":", 1)[0]})
        return frozenset({netloc})

    @property
    def cookie(self) -> str:
        """The cookie's name. Browsers send a host's cookies to all its ports: the port keeps
        two servers on one machine from replacing each other's."""
        port = urlsplit(self.origin).port
        return f"offboard_token_{port}"

    def refusal(self, request: web.BaseRequest) -> str:
        """Why ``request`` is refused (one line), or empty when it may pass."""
        host = request.headers.get(hdrs.HOST, "").strip().lower()
        if host not in self.hosts:
            return (
                f"offboard serve answers only at {self.origin}: open the URL it printed, "
                "exactly as printed."
            )
        origin = request.headers.get(hdrs.ORIGIN)
        upgrade = request.headers.get(hdrs.UPGRADE, "").lower()
        served = self.origin.lower()  # browsers send the host in lower case
        if (origin is not None or upgrade == "websocket") and (origin or "").lower() != served:
            return (
                "a page from another origin may not use offboard serve: open the URL it "
                "printed (with its ?token=) in the browser itself."
            )
        if not self.token_given(request):
            return (
                "this needs offboard serve's token: open the URL it printed (with its "
                "?token=), in a browser that keeps cookies."
            )
        return ""

    def token_given(self, request: web.BaseRequest) -> bool:
        return same_secret(request.query.get(TOKEN_PARAMETER, ""), self.token) or same_secret(
            request.cookies.get(self.cookie, ""), self.token
        )

    def middleware(self) -> Middleware:
        """The aiohttp middleware: refuses what ``refusal`` refuses; on a response to a right
        ``?token=``, sets the cookie the page's follow-up requests carry."""

        @web.middleware
        async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
            refused = self.refusal(request)
            if refused:
                return web.Response(
                    status=403,
                    text=f"403 Forbidden: {refused}\n",
                    headers={"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"},
                )
            response = await handler(request)
            if not response.prepared:
                # No page of ours hands its URL (and so the token) on to another site.
                response.headers["Referrer-Policy"] = "no-referrer"
                if same_secret(request.query.get(TOKEN_PARAMETER, ""), self.token):
                    response.headers["Cache-Control"] = "no-store"
                    response.set_cookie(
                        self.cookie, self.token, path="/", httponly=True, samesite="Strict"
                    )
            return response

        return guard


class Redact(logging.Filter):
    """Takes the token out of a log record's text (aiohttp's access log writes the request
    line and the Referer, both of which can carry ``?token=``)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg = message.replace(self.token, REDACTED)
            record.args = None
        return True


class GuardedServer(Server):
    """textual-serve's Server with the gate in front of all its routes and the token out of
    its log."""

    def __init__(self, command: str, *, host: str, port: int, title: str, gate: Gate) -> None:
        super().__init__(command, host=host, port=port, title=title, public_url=gate.origin)
        self.gate = gate

    def initialize_logging(self) -> None:
        super().initialize_logging()
        redact = Redact(self.gate.token)
        # Records from every logger pass the root's handlers; the access log's own logger too.
        for handler in logging.getLogger().handlers:
            handler.addFilter(redact)
        logging.getLogger("aiohttp.access").addFilter(redact)

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self.gate.middleware())
        return app


def write_token_file(path: str, token: str) -> str:
    """Write ``token`` (and a newline) to ``path``: a new file of mode 0600 put in place in one
    step, so no reader sees it half-written or readable by others. An existing regular file is
    replaced; anything else there (a link, a directory, a pipe) is refused. The problem in one
    phrase, or empty."""
    shown = path[:200]
    target = Path(path)
    try:
        found = os.lstat(target)
    except FileNotFoundError:
        pass
    except OSError as error:
        return f"cannot write --token-file {shown}: {error.strerror or error}"
    else:
        if not stat.S_ISREG(found.st_mode):
            return f"--token-file {shown} exists and is not a regular file: give a new path"
    directory = target.parent
    try:
        handle, temporary = tempfile.mkstemp(
            dir=directory, prefix=f".{target.name}.", suffix=".tmp"
        )
    except OSError as error:
        return f"cannot write --token-file {shown}: {error.strerror or error}"
    try:
        with os.fdopen(handle, "w", encoding="ascii") as file:
            file.write(token + "\n")
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        return f"cannot write --token-file {shown}: {error.strerror or error}"
    return ""
