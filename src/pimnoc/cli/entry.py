"""The `pimnoc` console script: `--help`, unknown options and a plain `run` without typer.

Importing typer, rich and the commands costs a few tenths of a second; a help screen or a
refused option needs none of it, and a plain `pimnoc run` command line needs no parser.
`cli/fast_index.py`, generated from the typer app by `cli/build_index.py`, holds every
command's help screens (80 columns, plain and coloured), usage line and options. This
module prints from it when the command line is plain `[COMMAND...] --help` or names an
option the command does not have. A command of `DIRECT_COMMANDS` whose words are plain
(each option once with its value, the arguments given; the index says which words are
options) runs here, its errors handled as `cli.main` handles them. Anything else (or
anything it is unsure of: another terminal width, forced colours, a stale index) goes to
`cli.main`. Its answers are the ones typer gives (tests/cli/test_entry.py).
"""

from __future__ import annotations

import errno
import gc
import importlib
import os
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

HELP_WIDTH = 80  # columns of the stored help screens (rich's width when not on a terminal)
CLI_DIR = Path(__file__).resolve().parent
INDEX_PATH = CLI_DIR / "fast_index.py"
_FORCING_ENV = ("TERMINAL_WIDTH", "FORCE_COLOR", "PY_COLORS", "GITHUB_ACTIONS", "TTY_COMPATIBLE",
                "TTY_INTERACTIVE", "_TYPER_FORCE_DISABLE_TERMINAL")
"""Variables with which typer or rich would print help differently: typer answers then."""
DIRECT_COMMANDS = {"run": "pimnoc.cli.run_design"}
"""Commands run without typer when their command line is plain: the module whose
`run_from_args(values)` does the work (`cli/build_index.py` stores how to read the words)."""


def source_digest() -> int:
    """CRC-32 of the command modules' sources: the index is current when it matches."""
    digest = 0
    for path in sorted(CLI_DIR.glob("*.py")):
        if path.name not in ("fast_index.py", "build_index.py"):
            digest = zlib.crc32(path.name.encode() + path.read_bytes(), digest)
    return digest


def _load_index() -> dict | None:
    """The command index, or None when it is missing or older than the command modules."""
    try:
        from pimnoc.cli import fast_index
        current = fast_index.SOURCE_DIGEST == source_digest()
    except (ImportError, OSError):
        return None
    return fast_index.COMMANDS if current else None


def _stdout_mode() -> str | None:
    """'ansi' or 'plain' when the stored screens are what typer (rich) would print; else None."""
    if any(name in os.environ for name in _FORCING_ENV):
        return None
    try:
        tty = sys.stdout.isatty()
        columns = os.environ.get("COLUMNS", "")  # rich's width, where set
        width = int(columns) if columns.isdigit() else \
            os.get_terminal_size(sys.stdout.fileno()).columns if tty else HELP_WIDTH
    except (AttributeError, ValueError, OSError):
        return None
    if width < HELP_WIDTH or (not tty and width != HELP_WIDTH):
        return None  # a narrower screen, or a file that typer would fill to another width
    colour = tty and os.environ.get("NO_COLOR", "") == "" \
        and os.environ.get("TERM", "").strip().lower() not in ("dumb", "unknown")
    return "ansi" if colour else "plain"


def _is_long(name: str) -> bool:
    """Click's split of option names: one dash and one letter is short, anything else long."""
    return not (len(name) == 2 and name[0] == "-")


def _unknown_option(args: list[str], options: dict[str, int]) -> tuple[str | None, bool]:
    """(first unknown option, whether --help was given) in `args`, as click parses them.

    Returns (None, False) when unsure (joined short options, a value given to a flag), so
    that typer decides.
    """
    wants_help, i = False, 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            break
        if arg[:1] != "-" or len(arg) == 1:
            continue
        name, equals, value = arg.partition("=")
        if name in options:  # click matches every prefixed word as a long name first
            if equals and not options[name]:
                return None, False
            wants_help = wants_help or name == "--help"
            i += 0 if equals else options[name]
            continue
        if arg[:2] == "--":
            return name, wants_help
        if arg[:2] not in options:
            return arg[:2], wants_help
        return None, False  # -ovalue or joined flags: left to click
    return None, wants_help


def _suggestion(name: str, options: dict[str, int]) -> str:
    """Click's hint after an unknown long option: the close long names, sorted."""
    if not _is_long(name):
        return ""
    from difflib import get_close_matches

    close = get_close_matches(name, [o for o in options if _is_long(o)])
    return f" (Possible options: {', '.join(sorted(close))})" if close else ""


def fast_path(argv: list[str], index: dict) -> tuple[int, dict | None, str] | None:
    """(exit code, command whose help to print, error text) or None when typer must answer."""
    path: list[str] = []
    entry = index[""]
    rest = list(argv)
    while rest and rest[0] in entry["subcommands"]:
        path.append(rest.pop(0))
        entry = index[" ".join(path)]
    if entry["ignore_unknown_options"]:
        return None
    options = entry["options"]
    if entry["subcommands"]:  # a group: only `--help` or an unknown option before a command
        if rest[:1] == ["--help"]:
            return 0, entry, ""
        if not rest or rest[0][:1] != "-" or len(rest[0]) == 1:
            return None
        unknown, _ = _unknown_option(rest[:1], options)
    else:
        unknown, wants_help = _unknown_option(rest, options)
        if unknown is None and wants_help:
            return 0, entry, ""
    if unknown is None:
        return None
    message = f"No such option: {unknown}{_suggestion(unknown, options)}"
    return 2, None, (f"{entry['usage']}\nTry '{entry['command_path']} --help' for help.\n\n"
                     f"Error: {message}\n")


def plain_values(args: list[str], plain: dict) -> dict[str, str | bool] | None:
    """Each parameter's word, or its flag's value, as click reads `args`; by parameter name.

    None when unsure (`--`, `-`, a repeated or joined option, an empty value or one that
    starts with `-`, an argument missing or one too many), so that typer decides.
    """
    options, names = plain["options"], plain["arguments"]
    values: dict[str, str | bool] = {}
    words: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg[:1] != "-":
            words.append(arg)
            continue
        name, equals, value = arg.partition("=") if arg[:2] == "--" else (arg, "", "")
        if name not in options or options[name][0] in values:
            return None
        param, flag = options[name]
        if flag is not None:
            if equals:
                return None
            values[param] = flag
            continue
        if not equals:
            if i == len(args):
                return None
            value = args[i]
            i += 1
        if value[:1] in ("-", ""):
            return None
        values[param] = value
    if len(words) != len(names) or "" in words:
        return None
    values.update(zip(names, words, strict=True))
    return values


def call_command(function: Callable[[dict], object], values: dict) -> int:
    """Exit code of `function(values)`, what it raises handled as `cli.main` and click do."""
    from pimnoc.errors import PimnocError

    try:
        function(values)
    except PimnocError as exc:
        from pimnoc.cli.progress import print_error

        print_error(str(exc))
        return 2
    except KeyboardInterrupt:
        return 130
    except EOFError:
        from pimnoc.cli.progress import print_interrupted

        sys.stderr.write("\n")
        sys.stderr.flush()
        print_interrupted()
        return 130
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise
        from typer._click.utils import PacifyFlushWrapper

        sys.stdout, sys.stderr = PacifyFlushWrapper(sys.stdout), PacifyFlushWrapper(sys.stderr)
        sys.exit(1)
    return 0


def run_direct(argv: list[str], index: dict) -> int | None:
    """Exit code of a plain command line of a `DIRECT_COMMANDS` command, else None."""
    plain = index[argv[0]].get("plain") if argv and argv[0] in DIRECT_COMMANDS else None
    values = plain_values(argv[1:], plain) if plain else None
    if values is None:
        return None
    # pydantic looks for plugins (observability hooks) by reading every installed package's
    # entry points when the first model is built (~10 ms here); a run needs none. Set the
    # variable (to nothing) to have them loaded.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    # numpy's OpenBLAS starts its worker threads when loaded; an idle worker spins for 2**28
    # cycles (~0.1 s of a core) before it sleeps. 2**4: it sleeps at once, and a later BLAS
    # call wakes it (same threads, same results).
    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")
    gc.disable()  # the imports make long-lived objects only: collecting is wasted work
    try:
        module = importlib.import_module(DIRECT_COMMANDS[argv[0]])
    finally:
        gc.freeze()  # and no later collection (the one at exit included) walks them again
        gc.enable()
    return call_command(module.run_from_args, values)


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    """Answer from the index when it can, else run the typer app."""
    argv = sys.argv[1:] if argv is None else argv
    prog = Path(sys.argv[0]).name if prog is None else prog
    index = _load_index() if prog == "pimnoc" else None  # the stored screens say `pimnoc`
    answer = fast_path(argv, index) if index else None
    if answer is not None:
        code, helped, error = answer
        if helped is None:
            sys.stderr.write(error)
            return code
        mode = _stdout_mode()
        if mode is not None:
            sys.stdout.write(helped["help_ansi" if mode == "ansi" else "help"])
            return code
    direct = run_direct(argv, index) if index and answer is None else None
    if direct is not None:
        return direct
    from pimnoc.cli.main import main as typer_main

    return typer_main(argv)


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    entry()
