"""Feedback on stderr: a spinner with the current stage and the elapsed time during one long
evaluation, the result's warnings, and a user error in one line."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from pimnoc.cli.plain import plain_stream


@contextmanager
def stage_progress(what: str, enabled: bool = True) -> Iterator[Callable[[str], None]]:
    """A transient spinner on stderr (terminals only) as a `progress(stage)` callback."""
    enabled = enabled and not plain_stream(sys.stderr)  # a file or a pipe: no rich needed
    if enabled:
        from rich.console import Console

        console = Console(stderr=True)
        enabled = console.is_terminal
    if not enabled:
        yield lambda _stage: None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task(what, total=None)
        yield lambda stage: bar.update(task, description=f"{what}: {stage}")


def print_warnings(result) -> None:
    """Each warning of a result once, on stderr."""
    if not result.extra.get("warnings"):
        return
    from rich.console import Console
    from rich.markup import escape

    err = Console(stderr=True)
    for message in result.extra["warnings"]:
        err.print(f"[bold yellow]warning:[/] {escape(message)}", highlight=False,
                  soft_wrap=True)


def print_error(message: str) -> None:
    """A user error (a PimnocError's text), one line on stderr."""
    from rich.console import Console
    from rich.markup import escape

    Console(stderr=True).print(f"[bold red]error:[/] {escape(message)}", highlight=False,
                               soft_wrap=True)


def print_interrupted() -> None:
    """What a command stopped by the user (EOF at a prompt) says on stderr."""
    from rich.console import Console

    Console(stderr=True).print("interrupted")
