"""Every refusal is one line (issue 21): a value echoed with a line break in it (an address
pasted with its line end) shows the break written out, ``\\r\\n``, and never spans lines; and a
number is written in the digits 0-9, never another script's ('３', '٣')."""

from __future__ import annotations

from pathlib import Path

import pytest

from data import users
from data.dates import parse_date
from data.errors import InvalidInput, NotAllowed, OffboardError, on_one_line
from data.playbook.checks import PlaybookError
from data.playbook.load import parse_playbook
from tests.data.world import ADMIN, World

PASTED = "z@x.example\r\nBcc: q@y.example"  # an address pasted with a line end, and a header
DEFAULT_PLAYBOOK = Path(__file__).parents[2] / "playbooks" / "default.toml"


def one_line(error: OffboardError) -> str:
    message = str(error)
    assert message.splitlines() == [message], message
    return message


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("a\r\nb", "a\\r\\nb"),
        ("a\nb", "a\\nb"),
        ("a\rb", "a\\rb"),
        ("a\u2028b\u2029c", "a\\u2028b\\u2029c"),
        ("tab\tstays", "tab\tstays"),
    ],
)
def test_a_line_break_in_a_refusal_is_written_out(typed: str, shown: str) -> None:
    assert on_one_line(typed) == shown
    for error in (InvalidInput, NotAllowed, PlaybookError):
        assert one_line(error(f"'{typed}' is wrong.")) == f"'{shown}' is wrong."


def test_an_address_with_a_line_end_is_refused_in_one_line_showing_it(world: World) -> None:
    before = world.snapshot()
    with pytest.raises(InvalidInput) as added:
        users.add_user(ADMIN, "zed", "Zed", email=PASTED)
    with pytest.raises(InvalidInput) as changed:
        users.update_user(ADMIN, "viewer", email=PASTED)

    for refused in (added, changed):
        assert one_line(refused.value) == (
            "'z@x.example\\r\\nBcc: q@y.example' is not an e-mail address, such as "
            "sam.lee@example.com."
        )
    assert world.snapshot() == before


@pytest.mark.parametrize(
    "address", ["a@b.example\\nBcc: x@y.example", "a@b.example\\r\\nBcc: x@y.example"]
)
def test_a_party_address_with_a_line_end_is_refused_in_one_line(address: str) -> None:
    text = DEFAULT_PLAYBOOK.read_text(encoding="utf-8")
    bad = text.replace('email = ["account_team@example.com"]', f'email = ["{address}"]', 1)
    assert bad != text

    with pytest.raises(PlaybookError) as refused:
        parse_playbook(bad, "p.toml")

    message = one_line(refused.value)
    assert message.startswith("p.toml, line ") and "parties.account_team.email: " in message


@pytest.mark.parametrize("typed", ["+３d", "+٣d", "-３", "２０２６-12-31"])
def test_a_date_is_written_in_the_digits_0_to_9(typed: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_date(typed, "UTC")

    assert one_line(refused.value).startswith(f"'{typed}' is not a date.")
