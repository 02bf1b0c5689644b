"""tables: a table too wide for the console turns vertical and keeps every column."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table

from pimnoc.cli.tables import needed_width, print_table


def _table(columns: int) -> Table:
    table = Table(title=f"{columns} objectives")
    for k in range(columns):
        table.add_column(f"objective_number_{k}", no_wrap=True)
    table.add_row(*(f"{1.2345 * k:.5g}e-3" for k in range(columns)))
    table.add_row(*(f"value-{k}" for k in range(columns)))
    return table


def _printed(table: Table, width: int) -> str:
    buffer = io.StringIO()
    print_table(table, Console(file=buffer, width=width, color_system=None))
    return buffer.getvalue()


def test_a_table_that_fits_is_printed_as_a_table():
    text = _printed(_table(2), 120)
    assert "┃" in text or "│" in text
    assert "objective_number_1" in text


def test_a_narrow_console_gets_every_column_and_value():
    table = _table(6)
    assert needed_width(table, Console(width=80)) > 80
    text = _printed(table, 80)
    for k in range(6):
        assert f"objective_number_{k}" in text
        assert f"value-{k}" in text
    assert "…" not in text
    assert all(len(line) <= 80 for line in text.splitlines())


def test_compare_keeps_throughput_edp_and_ports_in_80_columns():
    from dataclasses import fields

    from pimnoc.cli.compare import compare_table
    from pimnoc.experiments.compare import CompareRow

    values = {f.name: 1.0 for f in fields(CompareRow)}
    rows = [CompareRow(**{**values, "topology": name, "placement": "hilbert",
                          "placement_kind": "same", "bottleneck": "compute", "links": 10,
                          "router_ports": 40, "noi_links": 10, "throughput_ips": 12345.0})
            for name in ("mesh", "kite_small", "butterdonut")]
    text = _printed(compare_table(rows, "pimnoc compare: x.yaml"), 80)
    for header in ("thru/s", "EDP J·s", "ports", "Δlat", "ΔE"):
        assert header in text
    assert "12,345" in text and "…" not in text
