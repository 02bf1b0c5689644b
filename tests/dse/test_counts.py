"""Counts that must agree: failures printed by a sweep and stored; points left off a front."""

from __future__ import annotations

from pimnoc.dse.executors import SerialExecutor
from pimnoc.dse.results import load_front
from pimnoc.dse.searchers import make_searcher
from pimnoc.dse.space import parse_space
from pimnoc.dse.store import Store
from pimnoc.dse.sweep import run_sweep


class AskTwice:
    """The grid's points, then the same points again (as NSGA-II re-asks known points)."""

    def __init__(self, space) -> None:
        self.tasks = list(make_searcher(space).ask())
        self.total = len(self.tasks)
        self.rounds = 0

    def ask(self):
        self.rounds += 1
        return list(self.tasks) if self.rounds <= 2 else None

    def tell(self, tasks, outcomes) -> None:
        pass


def _space(space_dict, **extra):
    data = space_dict(**extra)
    data["space"] = {"design.pe.crossbars": [8, 64], "mapping.placement": ["snake", "hilbert"]}
    return parse_space(data)


def test_a_failed_point_asked_twice_counts_once(tmp_path, space_dict):
    space = _space(space_dict)
    with Store(tmp_path / "r.db") as store:
        summary = run_sweep(space, store, SerialExecutor(), searcher=AskTwice(space))
        stored_failed = store.count() - store.count("ok")
    assert stored_failed == 2  # 8 crossbars per PE are too few for ResNet-18
    assert summary.progress.failures == stored_failed


def test_front_counts_every_point_left_off(tmp_path, space_dict):
    space = _space(space_dict, constraints=["area_mm2 <= 0.001"])
    with Store(tmp_path / "r.db") as store:
        run_sweep(space, store, SerialExecutor())
        front = load_front(store, space.objectives)
        total = store.count()
    assert (front.failed, front.infeasible) == (2, 2)
    assert front.skipped == total - len(front.rows) == 4
    assert "4 stored points not considered: 2 failed, 2 infeasible" in front.skipped_text()
