"""`cli/plain.py` writes what rich writes to a file or a pipe, or declines."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.table import Table

import pimnoc.cli.run_design as run_design
from pimnoc.cli import plain
from pimnoc.cli.tables import print_table

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def rich_text(table: Table | None, lines: list[str]) -> str:
    """What rich prints for the table and lines on a 200-column file."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=plain.PIPE_WIDTH)
    if table is not None:
        print_table(table, console)
    for text in lines:
        console.print(text)
    return buffer.getvalue()


def rich_table(title: str, columns, rows) -> Table:
    table = Table(title=title, show_header=True, header_style="bold")
    for header, justify in columns:
        table.add_column(header, justify=justify)
    for row in rows:
        table.add_row(*row)
    return table


WORDS = st.text(st.sampled_from("abcXYZ019 .,/()%→µ²·:-_x[]"), max_size=30)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(WORDS, WORDS), min_size=1, max_size=6), WORDS, WORDS)
def test_tables_are_riches_or_declined(rows, title, header):
    columns = [(header, "left"), ("value", "right")]
    text = plain.plain_table(title or "t", columns, rows)
    if text is not None:
        assert text == rich_text(rich_table(title or "t", columns, rows), [])


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, max_size=4))
def test_lines_are_riches_or_declined(lines):
    text = plain.plain_lines(lines)
    if text is not None:
        assert text == rich_text(None, lines)


@pytest.mark.parametrize("text", ["a [bold]b", "x :smile: y", "tab\there", "wide 漢字", "end "])
def test_what_rich_would_change_is_declined(text):
    assert plain.plain_lines([text]) is None
    assert plain.plain_table("t", [("h", "left")], [(text,)]) is None


def test_a_terminal_or_forced_colours_is_not_plain(monkeypatch):
    class Tty(io.StringIO):
        encoding = "utf-8"

        def isatty(self):
            return True

    assert not plain.plain_stream(Tty())
    utf8 = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    assert plain.plain_stream(utf8)
    assert not plain.plain_stream(io.TextIOWrapper(io.BytesIO(), encoding="latin-1"))
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert not plain.plain_stream(utf8)


@pytest.mark.parametrize("example", ["die_2d_resnet18.yaml", "chiplets_2p5d_resnet50.yaml",
                                     "multi_cnn_2p5d.yaml", "gnn_gcn_cora_hetero.yaml"])
def test_run_prints_what_rich_prints(example, tmp_path, monkeypatch, capsys):
    """The whole `pimnoc run` summary, written plain and by rich (`evaluation time` aside)."""
    monkeypatch.setattr(plain, "plain_stream", lambda _stream: True)
    written = []
    monkeypatch.setattr(run_design, "write_plain",
                        lambda parts: written.append(plain.write_plain(parts)) or written[-1])
    outputs = []
    for use_plain in (True, False):
        if not use_plain:
            monkeypatch.setattr(run_design, "write_plain", lambda _parts: False)
            monkeypatch.setattr("pimnoc.cli.tables.stdout_console",
                                lambda: Console(file=None, width=plain.PIPE_WIDTH))
        run_design.run_design(EXAMPLES / example, str(tmp_path / "r.json"))
        outputs.append([line for line in capsys.readouterr().out.splitlines()
                        if "evaluation time" not in line])
    assert written == [True]
    assert outputs[0] == outputs[1] and len(outputs[0]) > 15


def test_some_tables_are_written_plain():
    rows = [("latency / inference", "889.6 µs"), ("  compute", "1.039 mJ (95%)")]
    assert plain.plain_table("pimnoc result", [("figure", "left"), ("value", "right")], rows)
