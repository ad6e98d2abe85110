"""Reading one object's CSV of a Salesforce export, a row at a time: the header's columns by
name (in any order, unused ones ignored), each row with the line it starts on, and the values
as Salesforce writes them (``true``/``false``, ISO dates, ``2021-03-23T10:51:38.000Z`` times,
amounts) turned into Python values. The csv module does the splitting: BOM, CRLF, quoted fields
with commas, quotes and newlines inside them."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path

from data.errors import clip

AMOUNT_LIMIT = Decimal("9999999999.99")  # DecimalField(max_digits=12, decimal_places=2)
CENT = Decimal("0.01")


class RowError(Exception):
    """What is wrong with one value of a row, and how to fix it (the caller adds file:line)."""


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
        missing column, a row of the wrong width, text that is not UTF-8) go to ``report``."""
        try:
            with self.path.open(encoding="utf-8-sig", newline="") as handle:
                reader = csv.reader(handle)
                header = next(reader, None)
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
                done = reader.line_num
                for fields in reader:
                    start, done = done + 1, reader.line_num
                    if not fields:
                        continue  # a blank line
                    if len(fields) != self.width:
                        report(
                            f"{self.name}:{start}: the row has {len(fields)} fields where the "
                            f"header has {self.width}; fix its quoting or export the file again."
                        )
                        continue
                    yield start, fields
        except UnicodeDecodeError as error:
            report(
                f"{self.name}: the file is not UTF-8 text (byte {error.start:,}); export it "
                "again as UTF-8."
            )
        except csv.Error as error:
            report(f"{self.name}: the file cannot be read as CSV ({error}); export it again.")
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
    """A text value that fits its column: cut with "…" (``cut``) or refused when too long."""
    if "\x00" in value:
        raise RowError(f"{column} holds a NUL character; remove it from the row.")
    value = value.strip()
    if len(value) <= limit:
        return value
    if cut:
        return value[: limit - 1] + "…"
    raise RowError(f"{column} '{clip(value)}' is longer than {limit} characters; shorten it.")
