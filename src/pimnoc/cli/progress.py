"""Feedback on stderr during one long evaluation: a spinner with the current stage and the
elapsed time, and the result's warnings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn


@contextmanager
def stage_progress(what: str, enabled: bool = True) -> Iterator[Callable[[str], None]]:
    """A transient spinner on stderr (terminals only) as a `progress(stage)` callback."""
    console = Console(stderr=True)
    if not enabled or not console.is_terminal:
        yield lambda _stage: None
        return
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
