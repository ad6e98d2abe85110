"""``offboard serve``: the app in a web browser (textual-serve), tested in a real headless
Chromium. The page draws the terminal with xterm.js on a canvas, so the test turns on xterm's
screen-reader mode (its accessibility tree is DOM text) through the DevTools protocol and reads
the customer list from the page. Skipped without Chromium, except under CI=true.

Also: bad host or port is one line and exit 2; the start says who anyone reaching it acts as."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


@pytest.fixture
def served(db_path: str, tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``offboard serve`` on a free port, on a copy of the demo database, as the demo's lead."""
    port = free_port()
    log = (tmp_path / "serve.log").open("w+")
    process = subprocess.Popen(
        offboard("serve", "--db", db_path, "--user", "lead", "--port", str(port)),
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
        assert process.poll() is None, (tmp_path / "serve.log").read_text()
        yield f"http://127.0.0.1:{port}", process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


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
def test_the_customer_list_is_on_the_page_in_chromium(
    served: tuple[str, subprocess.Popen[str]],
) -> None:
    url, _ = served
    text = asyncio.run(page_text_with(url, "Redwood Legal LLP"))
    # The start screen's customer list, drawn from the demo database by the served app.
    assert "Redwood Legal LLP" in text
    assert "Blue Harbor Logistics" in text
    assert "100012" in text


def test_serve_says_where_and_who(
    served: tuple[str, subprocess.Popen[str]], tmp_path: Path
) -> None:
    url, _ = served
    said = (tmp_path / "serve.log").read_text()
    assert f"Serving offboard on {url}" in said
    assert (
        f"Warning: anyone who can reach {url} (from this machine) acts in offboard as Lead "
        "(lead)" in said
    )


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
