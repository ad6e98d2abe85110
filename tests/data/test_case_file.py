"""The case file (issue 16): one self-contained HTML file with every part Legal asks for, its
values escaped (a customer named like a script stays text), and the same in Markdown."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from data import cancellations, notices
from data.case_file import write
from data.case_file.gather import PARTS, case_file
from data.case_file.to_html import html
from data.case_file.to_markdown import markdown
from data.db import connection, database
from data.errors import CONTROL, InvalidInput
from data.models import Cancellation
from data.retention import attempts
from tests.data.world import LEAD, World

NAME = "<script>alert(1)</script>"
ACCOUNT = "700001"
ESC = "\x1b"
# What a value may hold that a viewer would otherwise make a link, an image or a tag of.
HOSTILE = (
    "[x](https://evil.example)",
    "![i](https://evil.example/i.png)",
    "https://evil.example",
    "www.evil.com and mail me: eve@evil.com",
    "<script>alert(2)</script>",
    "<img src=https://evil.example/p.png>",
)


def viewer() -> MarkdownIt:
    """A Markdown viewer at its most eager: raw HTML on, bare addresses linked (linkify)."""
    return MarkdownIt("commonmark", {"html": True, "linkify": True}).enable("linkify")


def store_raw(table: str, column: str, value: str, row_id: int) -> None:
    """Write a value past the fields, as a row written before control characters were refused
    (or another program) holds it."""
    mark = "?" if database.obj.__class__.__name__.startswith("Sqlite") else "%s"
    with connection():
        database.execute_sql(
            f'UPDATE "{table}" SET "{column}" = {mark} WHERE id = {mark}', (value, row_id)
        )


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
    assert "# Case file: \\<script\\>alert(1)\\</script\\> (700001)" in text
    assert "<script>" not in text
    shown = Parts()
    shown.feed(viewer().render(text))
    assert "script" not in shown.tags
    assert f"Case file: {NAME} ({ACCOUNT})" in "".join(shown.text)
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


# ----------------------------------------------------------------------------- stored text is text


@pytest.fixture
def hostile(case: World) -> World:
    """The case with values a viewer could take for links, images or tags, and control
    characters a row still holds (a name and a reason written before they were refused)."""
    case.details(ACCOUNT, admin_name="Dana", admin_email="dana@acme.example")
    cancellations.set_reasons(LEAD, ACCOUNT, [case.reasons["Price"]], " ".join(HOSTILE))
    with connection():
        cancellation = Cancellation.get(Cancellation.customer == case._of(ACCOUNT))
    store_raw("customer", "name", f"Acme{ESC}[2J{ESC}]0;pwned\x07 Ltd", case._of(ACCOUNT))
    store_raw("cancellation", "extra_information", "more\x9b2J", int(cancellation.id))
    return case


def test_the_html_case_file_escapes_links_tags_and_control_characters(hostile: World) -> None:
    document = html(case_file(ACCOUNT))

    parsed = Parts()
    parsed.feed(document)
    assert not {"script", "img", "a"} & set(parsed.tags)
    assert parsed.sources == []
    assert not CONTROL.search(document)
    text = "".join(parsed.text)
    assert "Acme\\x1b[2J\\x1b]0;pwned\\x07 Ltd" in text
    assert "more\\x9b2J" in text
    for value in HOSTILE:
        assert value in text


def test_the_markdown_case_file_gives_a_viewer_no_link_image_tag_or_control(
    hostile: World,
) -> None:
    text = markdown(case_file(ACCOUNT))

    assert not CONTROL.search(text)
    rendered = viewer().render(text)
    parsed = Parts()
    parsed.feed(rendered)
    assert not {"script", "img", "a"} & set(parsed.tags), rendered
    shown = "".join(parsed.text)
    assert "Acme\\x1b[2J\\x1b]0;pwned\\x07 Ltd" in shown
    for value in HOSTILE:
        assert value in shown
    # Plain text is left readable: a time, an amount, a sentence.
    assert "12:00:00" in text


def test_the_note_why_no_save_attempt_was_made_is_in_the_case_file(case: World) -> None:
    attempts.note_no_attempt(LEAD, ACCOUNT, "They had signed with a competitor already.")

    part = case_file(ACCOUNT).part("change-request")

    assert part.notes == []
    title, grid = part.grids[0]
    assert title == "Why no save attempt was made"
    assert grid.rows[0][0] == "They had signed with a competitor already."
    assert grid.rows[0][1].startswith("Lena Lead, 2026-11-05 12:00")
    assert "No save attempt nor change request" not in markdown(case_file(ACCOUNT))


def test_without_attempt_note_or_request_the_case_file_says_so(case: World) -> None:
    part = case_file(ACCOUNT).part("change-request")
    assert part.notes == ["No save attempt nor change request was recorded for this customer."]


@pytest.fixture
def mailed(case: World) -> World:
    """The offboarding notice, composed from the shipped template and queued."""
    case.details(ACCOUNT, admin_name="Dana", admin_email="dana@acme.example", modules="CRM")
    draft = notices.compose_offboarding_notice(ACCOUNT, LEAD)
    cancellations.queue_offboarding_notice(
        LEAD, ACCOUNT, draft.recipients, draft.subject, draft.body
    )
    return case


def test_the_html_case_file_shows_an_e_mail_as_its_recipient_saw_it(mailed: World) -> None:
    document = html(case_file(ACCOUNT))

    parsed = Parts()
    parsed.feed(document)
    assert {"strong", "h2"} <= set(parsed.tags)  # the template's Markdown, rendered
    assert "script" not in parsed.tags and parsed.sources == []
    text = "".join(parsed.text)
    assert f"the account of {NAME} (account {ACCOUNT})" in text  # the value, as text
    assert "**" not in text and "## Save your data" not in text


def test_the_markdown_case_file_shows_an_e_mail_as_readable_text(mailed: World) -> None:
    text = markdown(case_file(ACCOUNT))

    start = text.index("```text\n") + len("```text\n")
    letter = text[start : text.index("\n```\n", start)]
    assert f"the account of {NAME} (account {ACCOUNT})" in letter
    assert "\nSave your data before " in letter and "\n-----" in letter
    assert "**" not in letter and "## Save" not in letter and "\\<" not in letter
    # In its fence: nothing of it is the case file's own formatting.
    parsed = Parts()
    parsed.feed(viewer().render(text))
    assert not {"script", "a", "img"} & set(parsed.tags)
