"""Reading one object's CSV of a Salesforce export, a row at a time: the header's columns by
name (in any order, unused ones ignored), each row with the line it starts on, and the values
as Salesforce writes them (``true``/``false``, ISO dates, ``2021-03-23T10:51:38.000Z`` times,
amounts) turned into Python values. The csv module does the splitting: BOM, CRLF, quoted fields
with commas, quotes and newlines inside them; strictly (a stray quote is a row error with its
line, never a quietly changed value), and a line at a time with a bound (``LINE_LIMIT``), so a
huge file without line breaks is refused at once, its memory flat."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TextIO

from data.errors import clip, printable
from data.text import normal_newlines

AMOUNT_LIMIT = Decimal("9999999999.99")  # DecimalField(max_digits=12, decimal_places=2)
CENT = Decimal("0.01")
# The longest line (or row across its lines) read, in characters: a file without line breaks
# is refused at this much, with its line, instead of being read whole.
LINE_LIMIT = 1024 * 1024
_FIELD_LIMIT = "field limit"  # in csv's error for a field past csv.field_size_limit()


class RowError(Exception):
    """What is wrong with one value of a row, and how to fix it (the caller adds file:line)."""


class TooLong(Exception):
    """A line, or a row across its lines, past ``LINE_LIMIT``; ``line`` is where it starts."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


class BoundedLines:
    """A CSV file's lines for csv.reader, each read with a bound (``readline(limit)``), so a
    file without line breaks is never read whole: a line, or the lines of one row, longer than
    ``LINE_LIMIT`` characters raise TooLong. ``next_row`` marks where the next row starts."""

    def __init__(self, handle: TextIO) -> None:
        self.handle = handle
        self.read = 0  # lines read so far
        self.row_start = 1
        self.row_chars = 0

    def __iter__(self) -> BoundedLines:
        return self

    def __next__(self) -> str:
        line = self.handle.readline(LINE_LIMIT + 1)
        if not line:
            raise StopIteration
        self.read += 1
        self.row_chars += len(line.rstrip("\r\n"))
        if self.row_chars > LINE_LIMIT:
            raise TooLong(self.row_start)
        return line

    def next_row(self) -> None:
        self.row_start = self.read + 1
        self.row_chars = 0


def _csv_problem(error: csv.Error) -> str:
    """What csv.reader found wrong, as the rest of a row error."""
    said = str(error)
    if _FIELD_LIMIT in said:
        return (
            f"holds a field longer than {csv.field_size_limit():,} characters, more than "
            "Salesforce keeps in one: check the file, or export it again."
        )
    if "end of data" in said:
        return (
            "opens a quoted field that is never closed: add its closing quote, or export the "
            "file again."
        )
    return (
        'has a stray quote: inside a quoted field write a quote as two ("") — fix the row, '
        "or export the file again."
    )


class ExportFile:
    """One object's file (``Case.csv``): its columns and its rows, read as they come."""

    def __init__(self, folder: Path, object_name: str) -> None:
        self.object = object_name
        self.name = f"{object_name}.csv"
        self.path = folder / self.name
        self.columns: dict[str, int] = {}
        self.width = 0

    @property
    def exists(self) -> bool:
        return self.path.is_file()

    def rows(
        self, required: Sequence[str], report: Callable[[str], None]
    ) -> Iterator[tuple[int, list[str]]]:
        """Each row as (the line it starts on, its fields); problems of the file itself (a
        missing column, a row of the wrong width or broken quoting, text that is not UTF-8, a
        line or row past ``LINE_LIMIT``) go to ``report``. A line or row too long stops the
        reading: no more than ``LINE_LIMIT`` characters are ever held."""
        try:
            with self.path.open(encoding="utf-8-sig", newline="") as handle:
                lines = BoundedLines(handle)
                # strict: a stray quote in a quoted field is an error, not a changed value.
                reader = csv.reader(lines, strict=True)
                try:
                    header = next(reader, None)
                except csv.Error as error:
                    report(f"{self.name}:1: the header {_csv_problem(error)}")
                    return
                if header is None:
                    report(f"{self.name}:1: the file is empty; export it again with its header.")
                    return
                self.columns = {}
                for index, name in enumerate(header):
                    self.columns.setdefault(name.strip().casefold(), index)
                self.width = len(header)
                missing = [name for name in required if name.casefold() not in self.columns]
                if missing:
                    listed = ", ".join(missing)
                    noun = "column" if len(missing) == 1 else "columns"
                    report(
                        f"{self.name}:1: the {noun} {listed} {'is' if len(missing) == 1 else 'are'} "
                        f"missing; export the {self.object} object with {'it' if len(missing) == 1 else 'them'}."
                    )
                    return
                while True:
                    lines.next_row()
                    start = lines.row_start
                    try:
                        fields = next(reader)
                    except StopIteration:
                        return
                    except csv.Error as error:
                        report(f"{self.name}:{start}: the row {_csv_problem(error)}")
                        if _FIELD_LIMIT in str(error):
                            return  # no telling where the rows after it begin
                        continue
                    if not fields:
                        continue  # a blank line
                    if len(fields) != self.width:
                        report(
                            f"{self.name}:{start}: the row has {len(fields)} fields where the "
                            f"header has {self.width}; fix its quoting or export the file again."
                        )
                        continue
                    yield start, fields
        except TooLong as error:
            report(
                f"{self.name}:{error.line}: the line (or the row it starts) is longer than "
                f"{LINE_LIMIT:,} characters, more than any Salesforce row: check that this is "
                "the export's file, or export it again."
            )
        except UnicodeDecodeError as error:
            report(
                f"{self.name}: the file is not UTF-8 text (byte {error.start:,}); export it "
                "again as UTF-8."
            )
        except OSError as error:
            report(f"{self.name}: the file cannot be read ({error.strerror or error}).")

    def index(self, name: str) -> int | None:
        """Where the column ``name`` is (any case), or None when the file has none."""
        return self.columns.get(name.casefold())


def boolean(text: str, column: str) -> bool:
    value = text.strip().casefold()
    if value in ("true", "1"):
        return True
    if value in ("false", "0", ""):
        return False
    raise RowError(f"{column} '{clip(text)}' is not true or false; fix the row.")


def date(text: str, column: str) -> dt.date | None:
    """An ISO date (a time's date part is taken too); None when empty."""
    value = text.strip()
    if not value:
        return None
    try:
        if len(value) == 10:
            return dt.date.fromisoformat(value)
        return dt.datetime.fromisoformat(value).date()
    except ValueError:
        raise RowError(
            f"{column} '{clip(text)}' is not a date that exists; write it as 2021-03-23."
        ) from None


def moment(text: str, column: str) -> dt.datetime | None:
    """A Salesforce time (``2021-03-23T10:51:38.000Z``) as naive UTC; None when empty."""
    value = text.strip()
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise RowError(
            f"{column} '{clip(text)}' is not a time that exists; write it as "
            "2021-03-23T10:51:38.000Z."
        ) from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed.replace(microsecond=0)


def amount(text: str, column: str) -> Decimal:
    """An amount to the cent; 0 when empty."""
    value = text.strip()
    if not value:
        return Decimal(0)
    try:
        parsed = Decimal(value).quantize(CENT)
    except (InvalidOperation, ValueError):
        raise RowError(f"{column} '{clip(text)}' is not an amount; write it as 1234.50.") from None
    if not parsed.is_finite() or abs(parsed) > AMOUNT_LIMIT:
        raise RowError(f"{column} '{clip(text)}' is larger than offboard keeps ({AMOUNT_LIMIT:,}).")
    return parsed


def text(value: str, column: str, limit: int, *, cut: bool = True) -> str:
    """A text value that fits its column: cut with "…" (``cut``) or refused when too long.
    CRLF line ends become line breaks, and any other control character is kept visibly, as
    ``\\x1b`` (``printable``): the row still imports, and its text drives no terminal."""
    if "\x00" in value:
        raise RowError(f"{column} holds a NUL character; remove it from the row.")
    value = printable(normal_newlines(value)).strip()
    if len(value) <= limit:
        return value
    if cut:
        return value[: limit - 1] + "…"
    raise RowError(f"{column} '{clip(value)}' is longer than {limit} characters; shorten it.")
