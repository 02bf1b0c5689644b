"""What rich prints for a simple table and lines when the output is a plain file or a pipe,
written without importing rich (a few tens of ms of a `pimnoc run`).

Only for text that rich shows as it is: no markup brackets, emoji codes, tabs, control or
wide characters, no line that could wrap; anything else returns None and rich prints it.
tests/cli/test_plain.py compares the text with rich's for every bundled example.
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from typing import TextIO

PIPE_WIDTH = 200
"""Console width rich is given when stdout is a file or a pipe (`cli/tables.py`): never less."""
_EMOJI_CODE = re.compile(r":\S*?:")  # rich replaces a known :name: by its emoji
_FORCING_ENV = ("FORCE_COLOR", "TTY_COMPATIBLE")
"""Variables with which rich may treat a file or a pipe as a terminal."""


def plain_stream(stream: TextIO) -> bool:
    """Whether rich would write `stream` as plain text: not a terminal, no forced colours,
    an encoding that keeps the box-drawing characters."""
    if any(name in os.environ for name in _FORCING_ENV):
        return False
    try:
        if stream.isatty():
            return False
    except (AttributeError, ValueError):
        return False
    return (getattr(stream, "encoding", None) or "").lower().startswith("utf")


def _shown_as_is(text: str) -> bool:
    """Whether rich prints `text` unchanged, one cell per character."""
    if "[" in text or _EMOJI_CODE.search(text) or text != text.rstrip():
        return False
    return all(ch.isprintable() and unicodedata.east_asian_width(ch) not in "WF"
               and not unicodedata.combining(ch) for ch in text)


def plain_table(title: str, columns: list[tuple[str, str]],
                rows: list[tuple[str, ...]]) -> str | None:
    """A rich `Table(title=..., show_header=True)` (box HEAVY_HEAD, one space of padding)
    with `columns` as (header, "left" | "right"), as rich prints it; None if unsure."""
    cells = [title, *(header for header, _ in columns), *(cell for row in rows for cell in row)]
    if not all(_shown_as_is(text) for text in cells):
        return None
    widths = [max(len(header), *(len(row[i]) for row in rows)) + 2
              for i, (header, _) in enumerate(columns)]
    table_width = sum(widths) + len(widths) + 1
    if table_width > PIPE_WIDTH or len(title) > table_width:
        return None

    def line(values: tuple[str, ...], edge: str, middle: str) -> str:
        parts = [f" {value.rjust(w - 2) if justify == 'right' else value.ljust(w - 2)} "
                 for value, w, (_, justify) in zip(values, widths, columns, strict=True)]
        return edge + middle.join(parts) + edge

    left = (table_width - len(title)) // 2
    out = [" " * left + title + " " * (table_width - left - len(title)),
           "┏" + "┳".join("━" * w for w in widths) + "┓",
           line(tuple(header for header, _ in columns), "┃", "┃"),
           "┡" + "╇".join("━" * w for w in widths) + "┩",
           *(line(row, "│", "│") for row in rows),
           "└" + "┴".join("─" * w for w in widths) + "┘"]
    return "\n".join(out) + "\n"


def plain_lines(lines: list[str]) -> str | None:
    """`lines` as rich's `print` of each writes them; None if unsure."""
    if not all(_shown_as_is(text) and len(text) <= PIPE_WIDTH for text in lines):
        return None
    return "".join(text + "\n" for text in lines)


def write_plain(parts: list[str | None], stream: TextIO | None = None) -> bool:
    """Write every part when none is None (and the stream is plain); whether it did."""
    stream = sys.stdout if stream is None else stream
    if any(part is None for part in parts) or not plain_stream(stream):
        return False
    stream.write("".join(parts))  # type: ignore[arg-type]
    return True
