"""CSV downloads, streamed a line at a time, safe to open in a spreadsheet.

Text from outside (bksb's answers, imported names) is untrusted: a cell that a
spreadsheet would read as a formula (starting with = + - @, or a tab or carriage
return, even behind leading spaces or newlines) gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Spaces and newlines a spreadsheet may skip before reading a formula: any
# whitespace except tab and CR, which are formula starts themselves.
LEADING_BLANKS = re.compile(r"^[^\S\t\r]+")


def neutralise(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, made inert with a leading apostrophe."""
    if isinstance(value, str) and LEADING_BLANKS.sub("", value, count=1).startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_lines(rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """Each row as a line of CSV text, every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
