"""The refusal of a whole import: every row error of the export, each naming its file and line,
what is wrong and how to fix it; nothing was written."""

from __future__ import annotations

from data.errors import InvalidInput


class ImportRefused(InvalidInput):
    """The export has row errors: the import wrote nothing. ``errors`` lists every one, as
    ``Case.csv:17: AccountId 001… is not in Account.csv; add the account or drop the row.``"""

    title = "Import refused"

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        first = self.errors[0] if self.errors else "The import was refused."
        more = len(self.errors) - 1
        super().__init__(f"{first} (and {more} more)" if more > 0 else first)
