"""`pimnoc sweep SPACE.yaml --store results.db`: explore a design space into a store."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)


def _eta(seconds: float | None) -> str:
    if seconds is None:
        return "ETA -:--:--"
    seconds = int(round(seconds))
    return f"ETA {seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _remove_new_store(path: Path) -> None:
    """Remove a store file this command created but never wrote a point to."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def sweep(
    space_file: Path = typer.Argument(..., help="Space YAML: base, space, constraints, search, "
                                                "objectives."),
    store_path: Path = typer.Option(..., "--store", help="SQLite result store (created if "
                                                         "absent)."),
    workers: int | None = typer.Option(None, "--workers", help="Local worker processes "
                                                               "(default: all cores)."),
    executor_spec: str | None = typer.Option(None, "--executor", help="local (default), "
                                             "dask://HOST:PORT, dask://local, ray://HOST:PORT "
                                             "or ray://local."),
    resume: bool = typer.Option(False, "--resume", help="Continue a sweep this store has "
                                                        "seen (stored points are kept)."),
) -> None:
    """Evaluate a design space (grid, random, nsga2, anneal) into a resumable store."""
    from pimnoc.dse.executors import make_executor
    from pimnoc.dse.searchers import make_searcher
    from pimnoc.dse.space import load_space
    from pimnoc.dse.store import Store
    from pimnoc.dse.sweep import run_sweep

    err = Console(stderr=True)
    space = load_space(space_file)
    searcher = make_searcher(space)
    executor = make_executor(executor_spec, workers)
    new_store = not store_path.exists()
    summary = None
    interrupted = False
    try:
        with Store(store_path) as store:
            columns = (TextColumn("[bold]sweep"), BarColumn(), MofNCompleteColumn(),
                       TextColumn("failures {task.fields[failures]}"),
                       TextColumn("reused {task.fields[reused]}"), TimeElapsedColumn(),
                       TextColumn("{task.fields[eta]}"))
            bar = Progress(*columns, console=err, transient=False)
            job = bar.add_task("sweep", total=searcher.total, failures=0, reused=0,
                               eta=_eta(None))

            def show(p) -> None:
                if not bar.live.is_started:  # shown once the store has accepted the sweep
                    bar.start()
                bar.update(job, completed=p.done, total=p.total, failures=p.failures,
                           reused=p.reused, eta=_eta(p.eta_s))

            try:
                summary = run_sweep(space, store, executor, resume, show, searcher)
            except KeyboardInterrupt:
                bar.stop()
                err.print(f"interrupted: {store.count()} points are safe in {store_path}; "
                          "continue with --resume", highlight=False, soft_wrap=True)
                interrupted = True
            finally:
                bar.stop()
            stored, failed = store.count(), store.count() - store.count("ok")
    except BaseException:
        executor.close()
        if new_store and summary is None and _empty(store_path):
            _remove_new_store(store_path)
        raise
    executor.close()
    if interrupted:  # SystemExit: cli.main drops typer.Exit codes in non-standalone mode
        raise SystemExit(130)
    p = summary.progress
    print(f"sweep {summary.sweep} ({space.strategy}, {executor.name} x{executor.workers}): "
          f"{p.done} points, {p.evaluated} evaluated, {p.reused} reused, {p.failures} failed, "
          f"in {p.elapsed_s:.1f} s; store {store_path}: {stored} points ({failed} failed)")


def _empty(path: Path) -> bool:
    """True if the store at `path` holds no point (or cannot be read)."""
    import sqlite3

    try:
        with sqlite3.connect(path) as db:
            return db.execute("SELECT COUNT(*) FROM points").fetchone()[0] == 0
    except sqlite3.Error:
        return False


def register(app: typer.Typer) -> None:
    """Add `sweep` to the CLI."""
    app.command("sweep")(sweep)
