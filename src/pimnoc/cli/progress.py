"""Feedback on stderr: a spinner with the current stage and the elapsed time during one long
evaluation, the result's warnings, and a user error in one line."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape


@contextmanager
def stage_progress(what: str, enabled: bool = True) -> Iterator[Callable[[str], None]]:
    """A transient spinner on stderr (terminals only) as a `progress(stage)` callback."""
    console = Console(stderr=True)
    if not enabled or not console.is_terminal:
        yield lambda _stage: None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task(what, total=None)
        yield lambda stage: bar.update(task, description=f"{what}: {stage}")


def print_warnings(result) -> None:
    """Each warning of a result once, on stderr."""
    err = Console(stderr=True)
    for message in result.extra.get("warnings", []):
        err.print(f"[bold yellow]warning:[/] {escape(message)}", highlight=False,
                  soft_wrap=True)


def print_error(message: str) -> None:
    """A user error (a PimnocError's text), one line on stderr."""
    Console(stderr=True).print(f"[bold red]error:[/] {escape(message)}", highlight=False,
                               soft_wrap=True)


def print_interrupted() -> None:
    """What a command stopped by the user (EOF at a prompt) says on stderr."""
    Console(stderr=True).print("interrupted")
