"""Values put into an e-mail template (a customer's name, its admin's, extra information,
reasons, notes…) are text, never Markdown: a value such as ``[Pay now](https://evil.example/pay)
![t](https://tracker.example/c.gif)`` reaches the HTML part as those very characters (no link,
no image, no autolink, no HTML), and the plain-text reading of the body shows it as typed. Only
the template's own Markdown is rendered. The HTML is read with an HTML parser."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from data import cancellations, delivery, notices, outbox
from data.db import connection
from data.models import OutboxMessage
from tests.data.world import LEAD, OTHER, TESS, World

EVIL = "[Pay now](https://evil.example/pay) ![t](https://tracker.example/c.gif)"
NASTY = [
    EVIL,
    "<https://evil.example/autolink> <dana@evil.example>",
    '<img src="https://tracker.example/x.gif"> <a href="https://evil.example">here</a>',
    "[ref]\n\n[ref]: https://evil.example/ref",
    "&lt;b&gt; &#91;x&#93;(https://evil.example)",
    "# Not a heading\n- not a list\n1. not a list\n> not a quote\n---\n~~~\n",
    "**not bold** _not em_ `not code` \\[x\\](https://evil.example/escaped)",
]
PLAIN = ["Acme Widgets", "Dana O'Neil", "Smith & Sons", "2026-12-31", "+1 555 0100", "3.5 days"]


class Page(HTMLParser):
    """What an HTML part holds: its tags, the attributes that fetch or link, and its text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []
        self.text = ""
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.links += [str(value) for name, value in attrs if name in ("href", "src")]

    def handle_data(self, data: str) -> None:
        self.text += data


@pytest.fixture(autouse=True)
def shipped_templates_only() -> Iterator[None]:
    outbox.use_templates(None)
    yield
    outbox.use_templates(None)


def assert_inert(html: str, *values: str) -> Page:
    """No link, image or raw HTML in the page, and each value's characters are in its text."""
    page = Page(html)
    assert page.links == []
    assert not {"a", "img", "script", "iframe"} & set(page.tags)
    for value in values:
        for line in value.split("\n"):
            assert line.strip() in page.text
    return page


# ----------------------------------------------------------------------------- one value


@pytest.mark.parametrize("value", NASTY)
def test_a_value_is_shown_as_the_very_text_it_is(value: str) -> None:
    body = f"Hello {outbox.as_text(value)}\n"

    page = assert_inert(outbox.to_html(body))

    assert set(page.tags) == {"p"}  # no heading, list, quote, rule, code or emphasis either
    assert " ".join(page.text.split()) == " ".join(f"Hello {value}".split())
    assert outbox.plain_text(body) == f"Hello {value}\n"


@pytest.mark.parametrize("value", PLAIN)
def test_an_ordinary_value_is_left_as_it_is(value: str) -> None:
    assert outbox.as_text(value) == value


# ----------------------------------------------------------------------------- the templates


def test_the_offboarding_notice_shows_names_and_modules_as_text(world: World) -> None:
    world.details(
        name=f"Acme {EVIL}",
        admin_name=f"Dana <https://evil.example/a> {EVIL}",
        admin_email="dana@acme.example",
        modules="LMS, [Click](https://evil.example/module)",
    )
    cancellations.begin(LEAD, world.account)

    draft = notices.compose_offboarding_notice(world.account, LEAD)

    page = assert_inert(
        outbox.to_html(draft.body), EVIL, "Dana <https://evil.example/a>", "[Click]"
    )
    # the template's own Markdown still renders: its bold name, headings and the guide's steps
    assert {"strong", "h2", "h3", "ul", "li"} <= set(page.tags)
    assert "Training records:" in page.text
    plain = outbox.plain_text(draft.body)
    assert f"Hello Dana <https://evil.example/a> {EVIL}," in plain
    assert f"the account of **Acme {EVIL}** (account" in plain
    assert "### [Click](https://evil.example/module)" in plain
    # the subject is a header, never Markdown: it keeps the name as it is
    assert draft.subject.startswith(f"Acme {EVIL}: your account closes on ")


def test_extra_information_and_reasons_in_the_cancellation_notification_are_text(
    world: World,
) -> None:
    world.ready()
    extra = f"Call first.\n{EVIL}\n# Pay here\n<img src=https://tracker.example/2.gif>"
    cancellations.set_reasons(LEAD, world.account, [world.reasons["Price"]], "", extra)
    cancellations.set_notify(LEAD, world.account, [LEAD, TESS])
    cancellations.process(OTHER, world.account)
    with connection():
        message = OutboxMessage.get(OutboxMessage.kind == "cancellation-notification")

    email = delivery.build_email(message)

    html = email.get_body(("html",))
    assert html is not None
    page = assert_inert(html.get_content(), EVIL, "# Pay here")
    assert page.tags.count("h1") == 1  # the template's own heading only
    assert "<strong>Acme Widgets</strong>" in html.get_content()
    assert extra in outbox.plain_text(str(message.body))
    plain = email.get_body(("plain",))
    assert plain is not None
    assert extra in plain.get_content()  # the plain part reads as typed: no backslashes
    assert "\\" not in plain.get_content()


def test_a_value_in_the_final_termination_notice_is_text() -> None:
    values = {
        "customer_name": "Acme Widgets",
        "account": "500001",
        "deprovision_date": "2026-04-30",
        "effective_date": "2026-04-30",
        "time_zone": "America/Chicago",
        "data_decision": f"on hold until 2026-06-01: {EVIL}",
        "purge_information": "to be planned",
        "decision_due": "2026-04-23",
        "team_lead": "Lena Lead",
    }

    rendered = outbox.render("final_termination_notice", values)

    assert_inert(outbox.to_html(rendered.body), EVIL)
    assert f"- Data: on hold until 2026-06-01: {EVIL}\n" in outbox.plain_text(rendered.body)


def test_an_organisations_own_link_still_renders_and_only_it(tmp_path: Path) -> None:
    folder = tmp_path / "own"
    folder.mkdir()
    (folder / "final_termination_notice.md").write_text(
        "Subject: About ${customer_name}\n\n"
        "${customer_name}: see [our help](https://help.example/offboarding).\n",
        encoding="utf-8",
    )
    outbox.use_templates(folder)

    rendered = outbox.render("final_termination_notice", {"customer_name": EVIL})

    page = Page(outbox.to_html(rendered.body))
    assert page.links == ["https://help.example/offboarding"]
    assert page.tags == ["p", "a"]
    assert EVIL in page.text
