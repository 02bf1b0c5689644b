"""Print rich tables that never lose a column: too wide for the console, they turn vertical."""

from __future__ import annotations

from rich.console import Console, Group
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

PIPE_WIDTH = 200
"""Console width assumed when stdout is a file or a pipe (nobody reads it squeezed)."""


def stdout_console() -> Console:
    """The stdout console; as wide as `PIPE_WIDTH` when writing to a file or a pipe."""
    out = Console()
    return out if out.is_terminal else Console(width=max(out.width, PIPE_WIDTH))


def needed_width(table: Table, console: Console) -> int:
    """Columns `table` needs to show every cell whole (wrapping cells at spaces if allowed)."""
    options = console.options.update_width(10_000)
    return Measurement.get(console, options, table).minimum


def _cells(table: Table) -> list[list[str]]:
    """The table's rows as plain strings, column by column."""
    columns = [[str(cell) for cell in column._cells] for column in table.columns]
    return [list(row) for row in zip(*columns, strict=True)] if columns else []


def vertical(table: Table) -> Group:
    """`table` as one two-column block per row: each column's header beside its value."""
    headers = [str(column.header) for column in table.columns]
    blocks: list = []
    if table.title:
        blocks.append(Text(str(table.title), style="bold"))
    for row in _cells(table):
        block = Table(show_header=False, box=None, padding=(0, 1), pad_edge=False)
        block.add_column(style="bold", no_wrap=True)
        block.add_column(overflow="fold")
        for header, value in zip(headers, row, strict=True):
            block.add_row(header, value)
        blocks += [block, Text("")]
    if table.caption:
        blocks.append(Text(str(table.caption), style="dim"))
    return Group(*blocks)


def print_table(table: Table, console: Console | None = None) -> None:
    """Print `table` whole: as it is when it fits, else one block per row."""
    console = console or stdout_console()
    if needed_width(table, console) <= console.width:
        console.print(table)
    else:
        console.print(vertical(table))
