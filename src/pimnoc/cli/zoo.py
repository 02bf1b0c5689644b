"""`pimnoc zoo`: list the bundled models, or print one's layers."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from pimnoc.cli.tables import print_table, stdout_console

console = stdout_console()


def zoo(
    name: str | None = typer.Argument(None, help="A model name; omit to list all."),
    as_json: bool = typer.Option(False, "--json", help="Print the model's layers as JSON."),
    input_hw: int | None = typer.Option(None, "--input-hw",
                                        help="Input size (default: the model's own, 224 or 32)."),
) -> None:
    """List the bundled models, or describe one."""
    from pimnoc.workload.loader import load_network
    from pimnoc.workload.zoo import model_names

    if name is None:
        names = model_names()
        if as_json:
            print(json.dumps(names))
            return
        table = Table(title="pimnoc model zoo")
        for column in ("model", "params", "MACs", "weighted layers", "layers"):
            table.add_column(column, justify="right" if column != "model" else "left")
        for model in names:
            w = load_network(model, input_hw)
            table.add_row(model, f"{w.params:,}", f"{w.macs:,}", str(len(w.weighted_layers)),
                          str(len(w.layers)))
        print_table(table, console)
        return
    w = load_network(name, input_hw)
    if as_json:
        print(json.dumps(w.to_dict()))
        return
    print_table(layers_table(w), console)
    console.print(f"{w.name}: {w.params:,} params, {w.macs:,} MACs, "
                  f"{len(w.weighted_layers)} weighted layers, {len(w.layers)} layers")


def layers_table(workload) -> Table:
    """A rich table of a workload's layers, in the README's order of fields."""
    table = Table(title=f"{workload.name}: layers", header_style="bold")
    columns = ("name", "op", "cin", "cout", "kernel", "stride", "padding", "groups", "in_hw",
               "out_hw", "preds")
    for column in columns:
        table.add_column(column, justify="right" if column in ("cin", "cout", "groups")
                         else "left", overflow="fold")

    def pair(value: tuple[int, int]) -> str:
        return f"{value[0]}x{value[1]}"

    for layer in workload.layers:
        table.add_row(layer.name, layer.op, str(layer.cin), str(layer.cout), pair(layer.kernel),
                      pair(layer.stride), pair(layer.padding), str(layer.groups),
                      pair(layer.in_hw), pair(layer.out_hw), ", ".join(layer.preds))
    return table


def register(app: typer.Typer) -> None:
    """Add `zoo` to the command line."""
    app.command()(zoo)
