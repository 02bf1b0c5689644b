"""The `pimnoc` command line: one typer app; each command lives in its own `pimnoc.cli` module."""

from __future__ import annotations

import importlib
import sys

import typer
from typer.exceptions import Abort, Exit, TyperException

from pimnoc.cli.progress import print_error, print_interrupted
from pimnoc.errors import PimnocError

COMMAND_MODULES = ("run", "zoo", "compare", "pareto", "report", "reproduce", "reproduce_teflon",
                   "reproduce_hetrax", "reproduce_sfc_cube", "simulate", "sweep")
"""The `pimnoc.cli` modules that add commands, in the order `--help` lists them."""

MODULES_OF_COMMAND = {
    "run": ("run",), "zoo": ("zoo",), "compare": ("compare",), "pareto": ("pareto",),
    "export": ("pareto",), "report": ("report",), "simulate": ("simulate",),
    "sweep": ("sweep",),
    "reproduce": ("reproduce", "reproduce_teflon", "reproduce_hetrax", "reproduce_sfc_cube"),
}
"""The modules a command needs: a command line that names one imports only those."""


def _no_options() -> None:
    pass


def build_app(command: str | None = None) -> typer.Typer:
    """The typer app: every command, or only `command` when it is a known name."""
    app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                      help="Dataflow-aware evaluation of ReRAM processing-in-memory manycores.")
    app.callback()(_no_options)  # a group even when it holds one command
    for name in MODULES_OF_COMMAND.get(command or "", COMMAND_MODULES):
        importlib.import_module(f"pimnoc.cli.{name}").register(app)
    return app


def main(argv: list[str] | None = None, prog_name: str | None = None) -> int:
    """Entry point: user errors print one line and exit 2, without a traceback."""
    argv = sys.argv[1:] if argv is None else argv
    app = build_app(argv[0] if argv else None)
    try:
        code = app(args=argv, prog_name=prog_name, standalone_mode=False)
    except PimnocError as exc:
        print_error(str(exc))
        return 2
    except Abort:
        print_interrupted()
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
