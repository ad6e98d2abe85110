"""``offboard serve``: the app in a web browser (textual-serve), tested in a real headless
Chromium. The page draws the terminal with xterm.js on a canvas, so the test turns on xterm's
screen-reader mode (its accessibility tree is DOM text) through the DevTools protocol and reads
the customer list from the page. Skipped without Chromium, except under CI=true.

Also: bad host or port is one line and exit 2; the start says who anyone with its URL acts as;
and the gate in front of it, with real HTTP and websocket clients on loopback: the printed URL
carries a per-run token, without which (or with a wrong one), at another Host, or from another
Origin, every request is 403; the token is in no log, command line or environment."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)

# Run in the page before its own scripts: keep the xterm.js Terminal the page makes (its addons
# are activated with it), so the test can turn on screen-reader mode.
KEEP_TERMINAL = r"""
(() => {
  const push = Array.prototype.push;
  Array.prototype.push = function (...items) {
    for (const item of items) {
      const addon = item && typeof item === "object" ? item.instance : undefined;
      if (addon && typeof addon.activate === "function" && !addon.__offboard) {
        const activate = addon.activate;
        addon.__offboard = true;
        addon.activate = function (terminal) {
          window.__offboardTerminal = terminal;
          return activate.call(this, terminal);
        };
      }
    }
    return push.apply(this, items);
  };
})();
"""
# The page's text as a screen reader gets it: xterm's accessibility tree, in the DOM.
PAGE_TEXT = r"""
(() => {
  const terminal = window.__offboardTerminal;
  if (!terminal) return "";
  if (!terminal.options.screenReaderMode) terminal.options.screenReaderMode = true;
  const tree = document.querySelector(".xterm-accessibility-tree");
  return tree ? tree.innerText : "";
})()
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def offboard(*words: str) -> list[str]:
    return [sys.executable, "-m", "tui.cli", *words]


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


@dataclass(frozen=True)
class Served:
    """A running ``offboard serve``: where (origin), the URL it printed (with the token), the
    token, the process, and the file its output goes to."""

    origin: str
    url: str
    token: str
    process: subprocess.Popen[str]
    log: Path

    def said(self) -> str:
        return self.log.read_text(encoding="utf-8")


def start_serving(db_path: str, tmp_path: Path, *extra: str) -> Iterator[Served]:
    """``offboard serve`` on a free port, on ``db_path``, as the demo's lead; stopped after."""
    port = free_port()
    log_path = tmp_path / "serve.log"
    log = log_path.open("w+", encoding="utf-8")
    process = subprocess.Popen(
        offboard("serve", "--db", db_path, "--user", "lead", "--port", str(port), *extra),
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "TERM": "dumb", "COLUMNS": "200"},
    )
    try:
        for _ in range(300):  # up to a minute for a loaded machine
            if listening(port) or process.poll() is not None:
                break
            asyncio.run(asyncio.sleep(0.2))
        said = log_path.read_text(encoding="utf-8")
        assert process.poll() is None, said
        origin = f"http://127.0.0.1:{port}"
        printed = re.search(r"Serving offboard on (\S+)", said)
        assert printed is not None, said
        url = printed.group(1)
        token = url.partition("?token=")[2]
        yield Served(origin, url, token, process, log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def served(db_path: str, tmp_path: Path) -> Iterator[Served]:
    """``offboard serve`` on a free port, on a copy of the demo database, as the demo's lead."""
    yield from start_serving(db_path, tmp_path)


class Page:
    """One Chromium tab, driven over the DevTools protocol."""

    def __init__(self, socket_: aiohttp.ClientWebSocketResponse) -> None:
        self.socket = socket_
        self.next_id = 0

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        me = self.next_id
        await self.socket.send_json({"id": me, "method": method, "params": params})
        async for message in self.socket:
            data: dict[str, Any] = json.loads(message.data)
            if data.get("id") == me:
                assert "error" not in data, data
                return data
        raise AssertionError(f"Chromium closed the DevTools connection during {method}.")

    async def text(self) -> str:
        answer = await self.call("Runtime.evaluate", expression=PAGE_TEXT, returnByValue=True)
        return str(answer["result"]["result"].get("value", ""))


async def page_text_with(url: str, wanted: str) -> str:
    """Load ``url`` in headless Chromium and read the page's text until ``wanted`` shows
    (bounded: at most a minute), or give up with what it shows."""
    assert CHROMIUM is not None
    profile = tempfile.mkdtemp(prefix="offboard-chromium-")
    browser = subprocess.Popen(
        [
            CHROMIUM,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "--window-size=1280,900",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        active = Path(profile) / "DevToolsActivePort"
        for _ in range(300):
            if active.exists() and active.read_text().strip():
                break
            await asyncio.sleep(0.2)
        debugging = active.read_text().split()[0]
        text = ""
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{debugging}/json/list") as answer:
                tabs = [tab for tab in await answer.json() if tab["type"] == "page"]
            async with http.ws_connect(tabs[0]["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                page = Page(ws)
                await page.call("Page.enable")
                await page.call("Page.addScriptToEvaluateOnNewDocument", source=KEEP_TERMINAL)
                await page.call("Page.navigate", url=url)
                for _ in range(300):
                    text = await page.text()
                    if wanted in text:
                        break
                    await asyncio.sleep(0.2)
        return text
    finally:
        browser.terminate()
        browser.wait(timeout=20)
        shutil.rmtree(profile, ignore_errors=True)


@pytest.mark.skipif(
    CHROMIUM is None and os.environ.get("CI") != "true",
    reason="Chromium is not installed (apt install chromium); CI installs it",
)
def test_the_customer_list_is_on_the_page_in_chromium(served: Served) -> None:
    # The URL as printed, token and all: the page's scripts and websocket get in by the cookie.
    text = asyncio.run(page_text_with(served.url, "Redwood Legal LLP"))
    # The start screen's customer list, drawn from the demo database by the served app.
    assert "Redwood Legal LLP" in text
    assert "Blue Harbor Logistics" in text
    assert "100012" in text


def test_serve_says_where_and_who(served: Served) -> None:
    said = served.said()
    assert f"Serving offboard on {served.origin}/?token={served.token} — open it" in said
    assert (
        f"Warning: anyone with this URL who can reach {served.origin} (from this machine) acts "
        "in offboard as Lead (lead)" in said
    )
    # At least 128 bits from secrets.token_urlsafe: 32 bytes are 43 URL-safe characters.
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", served.token), served.token


@pytest.mark.parametrize(
    ("words", "says"),
    [
        (("--port", "70000"), "'70000' is not a port: give 1 to 65535"),
        (("--port", "http"), "'http' is not a port"),
        (("--host", "no-such-host.invalid"), "'no-such-host.invalid' is not an address"),
        (("--host", "192.0.2.1"), "cannot listen on http://192.0.2.1:"),
    ],
)
def test_a_bad_host_or_port_is_one_line_and_exit_2(
    db_path: str, words: tuple[str, ...], says: str
) -> None:
    done = subprocess.run(
        offboard("serve", "--db", db_path, "--user", "lead", *words),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert says in done.stderr
    assert done.stdout == ""
    if "--host" in words:
        assert len(done.stderr.strip().splitlines()) == 1


# --- The gate: token, Host, Origin (real HTTP and websocket clients on loopback) ---------------

REFUSED = 403
OPENED = 101  # a websocket handshake that went through


def port_of(served: Served) -> int:
    port = urlsplit(served.origin).port
    assert port is not None
    return port


def websocket_url(served: Served, query: str = "") -> str:
    return f"ws://127.0.0.1:{port_of(served)}/ws?width=80&height=24{query}"


async def answer(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    """Status and body of a GET with no cookies but those in ``headers``."""
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http,
        http.get(url, headers=headers or {}, allow_redirects=False) as response,
    ):
        return response.status, await response.text()


async def handshake(url: str, headers: dict[str, str] | None = None) -> int:
    """The status a websocket handshake gets (101 when it opens); closed at once."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        try:
            async with http.ws_connect(url, headers=headers or {}):
                return OPENED
        except aiohttp.WSServerHandshakeError as error:
            return error.status


async def good_cookie(served: Served) -> str:
    """The ``name=value`` of the cookie the printed URL's page sets."""
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http,
        http.get(served.url) as response,
    ):
        assert response.status == 200
        return response.headers["Set-Cookie"].split(";", 1)[0]


def one_line_refusal(body: str) -> None:
    assert body.startswith("403 Forbidden: "), body
    assert len(body.strip().splitlines()) == 1, body
    assert "Traceback" not in body


def family(pid: int) -> list[int]:
    """``pid`` and every process descended from it, as running now."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    found = [pid]
    for parent in found:  # grows while it is walked: children, then theirs
        found.extend(child for child, of in parents.items() if of == parent)
    return found


async def first_drawing(socket_: aiohttp.ClientWebSocketResponse) -> bytes:
    """The first terminal output the app sends (bounded: two minutes on a loaded machine)."""
    async with asyncio.timeout(120):
        async for message in socket_:
            if message.type == aiohttp.WSMsgType.BINARY and message.data:
                return bytes(message.data)
    raise AssertionError("The websocket closed before the app drew anything.")


def test_the_printed_url_opens_the_page_its_scripts_and_its_websocket(served: Served) -> None:
    port = port_of(served)

    async def visit() -> tuple[str, str, int, bytes, dict[int, tuple[bytes, bytes]]]:
        # A cookie jar that keeps the cookies of an IP-address host, as a browser does.
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            async with http.get(served.url) as page:
                assert page.status == 200
                html, cookie = await page.text(), page.headers["Set-Cookie"]
            # The page's own follow-up requests carry the cookie, not the token.
            async with http.get(f"{served.origin}/static/js/textual.js") as script:
                script_status = script.status
            async with http.ws_connect(websocket_url(served), origin=served.origin) as ws:
                drawn = await first_drawing(ws)
                seen: dict[int, tuple[bytes, bytes]] = {}
                for pid in family(served.process.pid):
                    proc = Path(f"/proc/{pid}")
                    try:
                        seen[pid] = (
                            (proc / "cmdline").read_bytes(),
                            (proc / "environ").read_bytes(),
                        )
                    except OSError:
                        continue
                return html, cookie, script_status, drawn, seen

    html, cookie, script_status, drawn, seen = asyncio.run(visit())
    assert f'data-session-websocket-url="ws://127.0.0.1:{port}/ws"' in html
    attributes = [part.strip().lower() for part in cookie.split(";")]
    assert attributes[0] == f"offboard_token_{port}={served.token}".lower()
    assert "httponly" in attributes
    assert "samesite=strict" in attributes
    assert "path=/" in attributes
    assert script_status == 200
    assert drawn
    # serve, and the app it started for this websocket (through a shell, maybe).
    apps = [pid for pid, (argv, _) in seen.items() if b"tui.cli\0" in argv + b"\0"]
    assert any(b"serve" not in seen[pid][0] for pid in apps), seen
    token = served.token.encode()
    for pid, (argv, environment) in seen.items():
        assert token not in argv, pid
        assert token not in environment, pid


@pytest.mark.parametrize("path", ["/", "/static/js/textual.js", "/download/x", "/nowhere"])
def test_without_the_token_every_request_is_403(served: Served, path: str) -> None:
    status, body = asyncio.run(answer(served.origin + path))
    assert status == REFUSED
    one_line_refusal(body)
    assert "token" in body
    assert asyncio.run(handshake(websocket_url(served), {"Origin": served.origin})) == REFUSED


def test_a_wrong_token_is_403(served: Served) -> None:
    token = served.token
    other = "A" if token[-1] != "A" else "B"
    wrong = ["wrong", token[:-1], token + "x", token[:-1] + other, "%C3%A9" * 20, ""]
    for given in wrong:
        status, body = asyncio.run(answer(f"{served.origin}/?token={given}"))
        assert status == REFUSED, given
        one_line_refusal(body)
        status, body = asyncio.run(answer(f"{served.origin}/static/js/textual.js?token={given}"))
        assert status == REFUSED, given
        query = f"&token={given}"
        assert asyncio.run(handshake(websocket_url(served, query), {"Origin": served.origin})) == (
            REFUSED
        ), given
    # A cookie of the right name with a wrong value, and the right value under another name.
    name = asyncio.run(good_cookie(served)).split("=", 1)[0]
    for cookie in (f"{name}={token[:-1] + other}", f"offboard_token_1={token}"):
        status, _ = asyncio.run(answer(served.origin + "/", {"Cookie": cookie}))
        assert status == REFUSED, cookie
        headers = {"Origin": served.origin, "Cookie": cookie}
        assert asyncio.run(handshake(websocket_url(served), headers)) == REFUSED, cookie
    # The token under another parameter's name is no token.
    status, _ = asyncio.run(answer(f"{served.origin}/?Token={token}"))
    assert status == REFUSED


def test_a_websocket_from_another_origin_is_403(served: Served) -> None:
    cookie = asyncio.run(good_cookie(served))
    port = port_of(served)
    # The right cookie and the right origin: it opens (so what follows is refused for the origin).
    right = {"Origin": served.origin, "Cookie": cookie}
    assert asyncio.run(handshake(websocket_url(served), right)) == OPENED
    for origin in ("http://evil.example", f"http://localhost:{port}", "null", served.origin + "/"):
        headers = {"Origin": origin, "Cookie": cookie}
        assert asyncio.run(handshake(websocket_url(served), headers)) == REFUSED, origin
        # The token in the URL does not make another origin's websocket right either.
        query = f"&token={served.token}"
        assert asyncio.run(handshake(websocket_url(served, query), {"Origin": origin})) == (
            REFUSED
        ), origin
        # Nor any other request a page of another origin makes.
        status, body = asyncio.run(answer(served.url, {"Origin": origin}))
        assert status == REFUSED, origin
        one_line_refusal(body)
        assert "another origin" in body
    # A websocket without an Origin at all is not the served origin.
    assert asyncio.run(handshake(websocket_url(served), {"Cookie": cookie})) == REFUSED


def test_a_wrong_host_header_is_403(served: Served) -> None:
    port = port_of(served)
    assert asyncio.run(answer(served.url, {"Host": f"127.0.0.1:{port}"}))[0] == 200
    # A DNS-rebinding page names its own host; other names of this machine are refused too (the
    # page's links say 127.0.0.1, so a page opened by another name would not work anyway).
    for host in (f"evil.example:{port}", f"localhost:{port}", f"127.0.0.1:{port + 1}", "127.0.0.1"):
        status, body = asyncio.run(answer(served.url, {"Host": host}))
        assert status == REFUSED, host
        one_line_refusal(body)
        assert f"answers only at {served.origin}" in body
        headers = {"Host": host, "Origin": f"http://{host}"}
        query = f"&token={served.token}"
        assert asyncio.run(handshake(websocket_url(served, query), headers)) == REFUSED, host


def test_the_token_is_in_no_log_line_but_the_url_line(served: Served) -> None:
    # The access log writes each request line and its Referer: both carry the token here.
    asyncio.run(answer(f"{served.url}&probe=logged", {"Referer": served.url}))
    said = served.said()
    for _ in range(300):  # the access log line follows the answer (up to a minute)
        if "probe=logged" in said:
            break
        asyncio.run(asyncio.sleep(0.2))
        said = served.said()
    assert "probe=logged" in said, said
    lines = [line for line in said.splitlines() if served.token in line]
    assert len(lines) == 1, lines
    assert lines[0].startswith("Serving offboard on ")
    assert "?token=[token]&probe=logged" in said


def test_token_file_gets_the_token_and_stdout_does_not(db_path: str, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("stale\n", encoding="ascii")
    token_file.chmod(0o644)
    for served in start_serving(db_path, tmp_path, "--token-file", str(token_file)):
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        token = token_file.read_text(encoding="ascii").strip()
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token), token
        said = served.said()
        assert token not in said
        assert (
            f"Serving offboard on {served.origin}/?token=… with the token in {token_file}" in said
        )
        assert f"Warning: anyone with the token in {token_file} who can reach" in said
        assert asyncio.run(answer(f"{served.origin}/?token={token}"))[0] == 200
        assert asyncio.run(answer(f"{served.origin}/?token=stale"))[0] == REFUSED
    # No temporary file left beside it.
    assert sorted(path.name for path in tmp_path.iterdir() if "token" in path.name) == ["token"]


def test_token_file_refuses_what_is_not_a_regular_file(db_path: str, tmp_path: Path) -> None:
    target = tmp_path / "precious"
    target.write_text("keep me\n", encoding="ascii")
    link = tmp_path / "link"
    link.symlink_to(target)
    folder = tmp_path / "folder"
    folder.mkdir()
    for path, says in (
        (link, "exists and is not a regular file"),
        (folder, "exists and is not a regular file"),
        (tmp_path / "missing" / "token", "cannot write --token-file"),
    ):
        done = subprocess.run(
            offboard(
                "serve",
                "--db",
                db_path,
                "--user",
                "lead",
                "--port",
                str(free_port()),
                "--token-file",
                str(path),
            ),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2, done.stderr
        assert says in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
        assert done.stdout == ""
    assert link.is_symlink()
    assert target.read_text(encoding="ascii") == "keep me\n"
    assert list(folder.iterdir()) == []
