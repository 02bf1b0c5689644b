"""The `pimnoc` command line: one typer app; each command lives in its own `pimnoc.cli` module."""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.markup import escape
from typer.exceptions import Abort, Exit, TyperException

from pimnoc.cli import (
    compare,
    pareto,
    report,
    reproduce,
    reproduce_hetrax,
    reproduce_sfc_cube,
    reproduce_teflon,
    run,
    simulate,
    sweep,
    zoo,
)
from pimnoc.errors import PimnocError

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="Dataflow-aware evaluation of ReRAM processing-in-memory manycores.")

for command in (run, zoo, compare, pareto, report, reproduce, reproduce_teflon, reproduce_hetrax,
                reproduce_sfc_cube, simulate, sweep):
    command.register(app)


def main(argv: list[str] | None = None) -> int:
    """Entry point: user errors print one line and exit 2, without a traceback."""
    err = Console(stderr=True)
    try:
        code = app(args=argv, standalone_mode=False)
    except PimnocError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        return 2
    except Abort:
        err.print("interrupted")
        return 130
    except Exit as exc:
        return exc.exit_code
    except TyperException as exc:  # usage errors (typer's own click)
        exc.show()
        return getattr(exc, "exit_code", 2)
    return code if isinstance(code, int) else 0


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    entry()
