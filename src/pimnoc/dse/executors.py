"""Executors: run point tasks in this process, a local process pool, Dask or Ray."""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Protocol

from pimnoc.dse.point import Outcome, Task
from pimnoc.dse.worker import evaluate_chunk, warm_up
from pimnoc.errors import ConfigError, PimnocError, suggest

Chunk = Sequence[Task]
ChunkFn = Callable[[Chunk], list[Outcome]]
IN_FLIGHT_PER_WORKER = 2
"""Chunks queued per worker: enough to keep workers busy, few enough to stop quickly."""


class ExecutorError(PimnocError):
    """An executor that cannot start: a missing optional package or an unreachable cluster."""


class Executor(Protocol):
    """Runs chunks of tasks and yields each chunk's outcomes as it completes (any order)."""

    name: str
    workers: int

    def run(self, chunks: Iterable[Chunk], fn: ChunkFn = evaluate_chunk
            ) -> Iterator[list[Outcome]]:
        """Evaluate `chunks`, yielding each one's outcomes as soon as it is done."""
        ...

    def close(self) -> None:
        """Release processes and connections."""
        ...


class SerialExecutor:
    """Evaluates tasks one after another in this process."""

    name = "serial"
    workers = 1

    def run(self, chunks: Iterable[Chunk], fn: ChunkFn = evaluate_chunk
            ) -> Iterator[list[Outcome]]:
        """Evaluate each chunk in turn."""
        for chunk in chunks:
            yield fn(chunk)

    def close(self) -> None:
        """Nothing to release."""


def _ignore_sigint() -> None:
    """Worker initializer: Ctrl-C is handled by the parent, which stops the pool."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class LocalExecutor:
    """A pool of local worker processes (forkserver: clean, fast children)."""

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["pimnoc.dse.point", "pimnoc.dse.worker"])
        self.pool = ProcessPoolExecutor(self.workers, mp_context=context,
                                        initializer=_ignore_sigint)

    def run(self, chunks: Iterable[Chunk], fn: ChunkFn = evaluate_chunk
            ) -> Iterator[list[Outcome]]:
        """Keep a few chunks per worker in flight; yield outcomes as they complete."""
        pending: set[Future] = set()
        queue = iter(chunks)
        limit = self.workers * IN_FLIGHT_PER_WORKER
        try:
            while True:
                while len(pending) < limit:
                    chunk = next(queue, None)
                    if chunk is None:
                        break
                    pending.add(self.pool.submit(fn, chunk))
                if not pending:
                    return
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
        finally:
            for future in pending:
                future.cancel()

    def close(self) -> None:
        """Stop the workers (queued tasks are cancelled)."""
        self.pool.shutdown(wait=True, cancel_futures=True)


DASK_WORKER_CONFIG: dict[str, Any] = {
    # Dask starts its workers with MALLOC_TRIM_THRESHOLD_=65536, which turns off glibc's
    # adaptive mmap threshold: every large numpy array is mapped and unmapped afresh, and a
    # sweep's points take 1.6-1.9x the CPU time (the space of benchmarks/sweep_speed.py in one
    # process with and without the variable, measured on this project's 2-core machine).
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    # The statistical profiler samples every worker thread each 10 ms, taking the GIL from
    # the evaluation; a sweep has no use for its flame graphs.
    "distributed.worker.profile.enabled": False,
    # Every process checks its event loop each 20 ms, and the scheduler and workers sample
    # their host's load and memory each 0.1-0.5 s: an idle local cluster of 2 workers took
    # 1.35 s of CPU per 10 s (7 % of the 2 cores a sweep needs), 0.22 s with these three
    # intervals (measured on this project's 2-core machine). Memory limits are still checked
    # each second.
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.memory.monitor-interval": "1s",
}
"""Dask settings for the workers of `dask://local` (give them to remote workers too)."""


def local_cluster(workers: int | None = None):
    """A Dask LocalCluster of single-threaded worker processes set up for sweeps."""
    import dask
    from distributed import LocalCluster

    with dask.config.set(DASK_WORKER_CONFIG):
        return LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                            processes=True, dashboard_address=None)


class DaskExecutor:
    """Tasks on a Dask distributed cluster (`dask://HOST:PORT`, or `dask://local`)."""

    name = "dask"

    def __init__(self, address: str, workers: int | None = None) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise ExecutorError("the dask executor needs dask.distributed, which is not "
                                "installed; install pimnoc's dask extra (pip install "
                                "'dask[distributed]>=2024.1')") from None
        self.cluster = None
        try:
            if address == "local":
                self.cluster = local_cluster(workers)
                self.client = Client(self.cluster)
            else:
                self.client = Client(f"tcp://{address}", timeout=20)
        except (OSError, TimeoutError) as exc:
            if self.cluster is not None:
                self.cluster.close()
            raise ExecutorError(f"--executor dask://{address}: cannot reach the Dask scheduler "
                                f"({exc}); start one with `dask scheduler` and workers with "
                                "`dask worker HOST:PORT`, or check the address") from None
        self.workers = max(1, sum(self.client.nthreads().values()))
        try:
            self.client.run(warm_up)  # every worker loads the pipeline now, once
        except Exception as exc:  # noqa: BLE001 - whatever a worker raised, say what to fix
            self.close()
            raise ExecutorError(f"--executor dask://{address}: the workers cannot load pimnoc "
                                f"({type(exc).__name__}: {exc}); install the same pimnoc on "
                                "every worker") from None

    def run(self, chunks: Iterable[Chunk], fn: ChunkFn = evaluate_chunk
            ) -> Iterator[list[Outcome]]:
        """Submit chunks with a bounded number in flight; yield outcomes as they complete."""
        from distributed import as_completed

        queue = iter(chunks)
        limit = self.workers * IN_FLIGHT_PER_WORKER
        first = [self.client.submit(fn, t, pure=False) for t in _take(queue, limit)]
        if not first:
            return
        futures = as_completed(first)
        pending = set(first)
        try:
            for future in futures:
                pending.discard(future)
                outcome = future.result()
                for chunk in _take(queue, 1):
                    new = self.client.submit(fn, chunk, pure=False)
                    pending.add(new)
                    futures.add(new)
                yield outcome
        finally:
            if pending:
                self.client.cancel(list(pending))

    def close(self) -> None:
        """Disconnect (and stop a local cluster started here)."""
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


class RayExecutor:
    """Tasks on a Ray cluster (`ray://HOST:PORT`, or `ray://local`; the `pimnoc[ray]` extra).

    `ray://local` starts a Ray instance on this machine (`workers` CPUs, no dashboard), or
    joins the one this process already started.
    """

    name = "ray"

    def __init__(self, address: str, workers: int | None = None) -> None:
        try:
            import ray
        except ImportError:
            raise ExecutorError("the ray executor needs ray, which is not installed; install "
                                "pimnoc's ray extra (pip install 'ray>=2.9')") from None
        self.ray = ray
        self.owns_ray = not ray.is_initialized()
        try:
            if address == "local":
                if self.owns_ray:
                    ray.init(num_cpus=workers or os.cpu_count() or 1, include_dashboard=False,
                             log_to_driver=False)
            else:
                ray.init(address=f"ray://{address}", ignore_reinit_error=True,
                         log_to_driver=False)
        except (ConnectionError, OSError, TimeoutError) as exc:
            raise ExecutorError(f"--executor ray://{address}: cannot connect to the Ray "
                                f"cluster ({exc}); check the address (ray start --head)") \
                from None
        self.workers = max(1, int(ray.cluster_resources().get("CPU", 1)))

    def run(self, chunks: Iterable[Chunk], fn: ChunkFn = evaluate_chunk
            ) -> Iterator[list[Outcome]]:
        """Submit chunks with a bounded number in flight; yield outcomes as they complete."""
        remote = self.ray.remote(fn)
        queue = iter(chunks)
        limit = self.workers * IN_FLIGHT_PER_WORKER
        pending = [remote.remote(t) for t in _take(queue, limit)]
        try:
            while pending:
                done, pending = self.ray.wait(pending, num_returns=1)
                pending += [remote.remote(t) for t in _take(queue, 1)]
                yield self.ray.get(done[0])
        finally:
            for ref in pending:
                self.ray.cancel(ref)

    def close(self) -> None:
        """Disconnect from the cluster (a Ray started before this executor is left running)."""
        if self.owns_ray:
            self.ray.shutdown()


def _take(queue: Iterator[Any], n: int) -> list[Any]:
    items = []
    for _ in range(n):
        item = next(queue, None)
        if item is None:
            break
        items.append(item)
    return items


SCHEMES = ("local", "serial", "dask", "ray")


def make_executor(spec: str | None = None, workers: int | None = None) -> Executor:
    """An executor from `--executor` (local, serial, dask://HOST:PORT, dask://local,
    ray://HOST:PORT, ray://local)."""
    if workers is not None and workers < 1:
        raise ConfigError(f"--workers: must be at least 1 (got {workers})")
    if spec is None or spec == "local":
        return SerialExecutor() if workers == 1 else LocalExecutor(workers)
    if spec == "serial":
        return SerialExecutor()
    scheme, sep, address = spec.partition("://")
    if not sep or scheme not in SCHEMES or not address:
        raise ConfigError(f"--executor: '{spec}' is not an executor{suggest(scheme, SCHEMES)}; "
                          "use local, dask://HOST:PORT (or dask://local) or ray://HOST:PORT "
                          "(or ray://local)")
    if scheme == "dask":
        return DaskExecutor(address, workers)
    if scheme == "ray":
        return RayExecutor(address, workers)
    raise ConfigError(f"--executor: '{scheme}' takes no address; write just '{scheme}'")
