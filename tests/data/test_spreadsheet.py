"""CSV for a spreadsheet (data.spreadsheet): a text cell that would run as a formula is written
as text; numbers, and text that is only a number, stay as they are."""

from __future__ import annotations

import csv
import io

import pytest

from data.spreadsheet import csv_text, safe_cell

EVIL = ['=HYPERLINK("http://evil.example","x")', "@SUM(1+1)*cmd|' /C calc'!A0"]


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+cmd", "'+cmd"),
        ("-1+cmd", "'-1+cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-12.50", "-12.50"),  # a number a spreadsheet does not execute
        ("+3", "+3"),
        ("Acme = good", "Acme = good"),
        ("", ""),
        (-12.5, -12.5),
        (7, 7),
        (None, None),
    ],
)
def test_a_cell_that_would_run_is_written_as_text(value: object, written: object) -> None:
    assert safe_cell(value) == written


def test_the_csv_reads_back_as_the_text_with_a_quote_before_it() -> None:
    text = csv_text(["customer", "amount"], [[EVIL[0], -12.5], [EVIL[1], 3]])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["customer", "amount"],
        ["'" + EVIL[0], "-12.5"],
        ["'" + EVIL[1], "3"],
    ]
