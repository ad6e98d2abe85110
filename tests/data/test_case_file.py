"""The case file (issue 16): one self-contained HTML file with every part Legal asks for, its
values escaped (a customer named like a script stays text), and the same in Markdown."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest

from data import cancellations
from data.case_file import write
from data.case_file.gather import PARTS, case_file
from data.case_file.to_html import html
from data.case_file.to_markdown import markdown
from data.errors import InvalidInput
from tests.data.world import LEAD, World

NAME = "<script>alert(1)</script>"
ACCOUNT = "700001"


class Parts(HTMLParser):
    """What the case file holds, as a browser would read it."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.sections: list[str] = []
        self.sources: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        found = dict(attrs)
        if tag == "section" and found.get("id"):
            self.sections.append(str(found["id"]))
        for key in ("src", "href"):
            if found.get(key):
                self.sources.append(str(found[key]))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.fixture
def case(world: World, clock: Callable[[dt.datetime], None]) -> World:
    clock(dt.datetime(2026, 11, 5, 12, 0))
    world.customer(ACCOUNT, NAME)
    cancellations.begin(LEAD, ACCOUNT)
    cancellations.set_reasons(LEAD, ACCOUNT, [world.reasons["Price"]], "<b>too dear</b> & slow")
    cancellations.add_expiry(LEAD, ACCOUNT, dt.date(2027, 5, 1), "Call back")
    return world


def test_the_html_case_file_has_every_part_and_stays_text(case: World, tmp_path: Path) -> None:
    written = write(ACCOUNT, tmp_path / "case.html")
    document = written.read_text(encoding="utf-8")
    parsed = Parts()
    parsed.feed(document)
    assert parsed.sections == [key for key, _title in PARTS]
    # The name is text, never a tag; nothing is loaded from elsewhere.
    assert "script" not in parsed.tags and "b" not in parsed.tags
    assert parsed.sources == []
    text = "".join(parsed.text)
    assert f"Case file: {NAME} ({ACCOUNT})" in text
    assert "<b>too dear</b> & slow" in text
    assert "audit trail intact" in text.lower()
    assert "@media print" in document
    assert "Price" in text and "set reasons" in text and "begin" in text


def test_the_case_file_reads_each_part(case: World) -> None:
    found = case_file(ACCOUNT)
    assert found.part("reasons").facts[0] == ("Reasons", "Price")
    events = found.part("audit-trail").grids[0][1].rows
    assert [row[3] for row in events][:2] == ["begin", "set reasons"]
    sections = {row[0]: row for row in found.part("sections").grids[0][1].rows}
    assert sections["Cancellation reasons"][1] == "clear"
    assert sections["Cancellation reasons"][3].startswith("Lena Lead, 2026-11-05 12:00:00")
    assert found.part("emails").notes == ["No e-mail was queued or sent for this customer."]


def test_the_markdown_case_file_escapes_values(case: World) -> None:
    text = markdown(case_file(ACCOUNT))
    assert "# Case file: &lt;script&gt;alert(1)&lt;/script&gt; (700001)" in text
    assert "<script>" not in text
    for _key, title in PARTS:
        assert f"## {title}" in text
    assert html(case_file(ACCOUNT)).count("<section") == len(PARTS)


def test_a_case_file_refuses_a_folder_that_is_not_there(case: World, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="does not exist"):
        write(ACCOUNT, tmp_path / "missing" / "case.html")
    with pytest.raises(InvalidInput, match="is a folder"):
        write(ACCOUNT, tmp_path)
    with pytest.raises(InvalidInput, match="no customer"):
        write("999999", tmp_path / "case.html")
