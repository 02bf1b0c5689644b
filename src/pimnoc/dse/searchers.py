"""Searchers by name: grid, random (seeded), nsga2 (optuna, seeded), anneal (placement).

A searcher proposes batches of points (`ask`) and hears their outcomes in the order it
proposed them (`tell`), so the same seed gives the same points whatever runs them.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

import numpy as np

from pimnoc.dse.constraints import CONFIG_SECTIONS, Constraint, config_lookup
from pimnoc.dse.point import Outcome, Task, finite, metric_value
from pimnoc.dse.space import Space, config_hash
from pimnoc.errors import ConfigError, suggest
from pimnoc.registry import Registry
from pimnoc.search import placement_names


class Searcher(Protocol):
    """Proposes design points in batches and learns from their outcomes."""

    total: int

    def ask(self) -> Iterable[Task] | None:
        """The next batch of points, or None when the search is over."""
        ...

    def tell(self, tasks: list[Task], outcomes: list[Outcome]) -> None:
        """Outcomes of the last batch, in the order it was asked."""
        ...


SearcherFactory = Callable[[Space], Searcher]
SEARCHERS: Registry[SearcherFactory] = Registry("searcher", "search.strategy")


def options_of(space: Space, defaults: dict[str, Any]) -> dict[str, Any]:
    """The search options with defaults filled in; unknown options are errors."""
    for key in space.options:
        if key not in defaults:
            hint = suggest(str(key), defaults)
            allowed = ", ".join(defaults) or "none"
            raise ConfigError(f"{space.source}: search.{key}: unknown option for strategy "
                              f"'{space.strategy}'{hint}; its options: {allowed}")
    merged = {**defaults, **space.options}
    for key, default in defaults.items():
        value = merged[key]
        if isinstance(default, int) and (isinstance(value, bool) or not isinstance(value, int)):
            raise ConfigError(f"{space.source}: search.{key}: must be an integer "
                              f"(got {value!r})")
    return merged


def _positive(space: Space, options: dict[str, Any], *keys: str) -> None:
    for key in keys:
        if options[key] < 1:
            raise ConfigError(f"{space.source}: search.{key}: must be at least 1 "
                              f"(got {options[key]})")


def task_of(space: Space, params: dict[str, Any], extra: dict[str, Any] | None = None) -> Task:
    """The task of the point with these dimension values."""
    config = space.config(params)
    extra = extra or {}
    return Task(space.point_hash(config, params, extra), config, params, extra)


def violations(constraints: Iterable[Constraint], metrics: dict[str, Any],
               config: dict[str, Any]) -> list[str]:
    """Texts of the metric constraints a point violates (missing figures count as violated)."""
    by_config = config_lookup(config)

    def lookup(name: str) -> Any:
        if name.split(".")[0] in CONFIG_SECTIONS:
            return by_config(name)
        value = metric_value(metrics, name)
        if value is None:
            raise KeyError(name)
        return value

    failed = []
    for c in constraints:
        try:
            ok = c.holds(lookup)
        except (KeyError, ConfigError, ArithmeticError, TypeError):
            ok = False
        if not ok:
            failed.append(c.text)
    return failed


class GridSearcher:
    """Every admitted point of the space, in grid order."""

    def __init__(self, space: Space) -> None:
        options_of(space, {})
        self.space = space
        self.total = space.grid_size if not space.config_constraints else \
            sum(1 for _ in space.grid())
        self._asked = False

    def ask(self) -> Iterator[Task] | None:
        """All points at once, lazily."""
        if self._asked:
            return None
        self._asked = True
        return (task_of(self.space, p) for p in self.space.grid())

    def tell(self, tasks: list[Task], outcomes: list[Outcome]) -> None:
        """Grid search does not learn."""


class RandomSearcher:
    """`trials` distinct admitted points drawn with a seeded generator."""

    def __init__(self, space: Space) -> None:
        opts = options_of(space, {"trials": 50, "seed": 0})
        _positive(space, opts, "trials")
        self.space = space
        self.points = self._draw(opts["trials"], opts["seed"])
        self.total = len(self.points)
        self._asked = False

    def _draw(self, trials: int, seed: int) -> list[dict[str, Any]]:
        rng = np.random.default_rng(seed)
        sizes = [d.size for d in self.space.dimensions]
        total = math.prod(sizes)
        if total <= max(4 * trials, 100_000):
            candidates: Iterator[int] = iter(rng.permutation(total).tolist())
            decode = np.unravel_index if sizes else None
            index_stream = (tuple(int(i) for i in decode(k, sizes)) if decode else ()
                            for k in candidates)
        else:
            index_stream = (tuple(int(rng.integers(s)) for s in sizes)
                            for _ in itertools.count())
        chosen: dict[tuple[int, ...], dict[str, Any]] = {}
        misses = 0
        for indices in index_stream:
            if len(chosen) >= trials or misses > 100 * trials + 1000:
                break
            if indices in chosen:
                misses += 1
                continue
            params = self.space.params_at(indices)
            if self.space.admits(self.space.config(params)):
                chosen[indices] = params
            else:
                misses += 1
        return list(chosen.values())

    def ask(self) -> list[Task] | None:
        """All drawn points at once."""
        if self._asked:
            return None
        self._asked = True
        return [task_of(self.space, p) for p in self.points]

    def tell(self, tasks: list[Task], outcomes: list[Outcome]) -> None:
        """Random search does not learn."""


class Nsga2Searcher:
    """NSGA-II (optuna's NSGAIISampler, seeded), one generation per batch."""

    def __init__(self, space: Space) -> None:
        import optuna

        opts = options_of(space, {"trials": 100, "population": 20, "seed": 0})
        _positive(space, opts, "trials", "population")
        if opts["population"] < 2:
            raise ConfigError(f"{space.source}: search.population: must be at least 2")
        if not space.objectives:
            raise ConfigError(f"{space.source}: search strategy nsga2 needs objectives, e.g. "
                              "objectives: {latency_s: min, energy_j: min}")
        if not space.dimensions:
            raise ConfigError(f"{space.source}: search strategy nsga2 needs a space to search; "
                              "add dotted paths under space")
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
        self.optuna = optuna
        self.space = space
        self.total = opts["trials"]
        self.population = opts["population"]
        self.asked = 0
        self.distinct = 0
        self.seen: set[str] = set()
        constrained = bool(space.metric_constraints)
        sampler = optuna.samplers.NSGAIISampler(
            population_size=self.population, seed=opts["seed"],
            constraints_func=(lambda t: t.user_attrs.get("constraint", [1.0]))
            if constrained else None)
        self.study = optuna.create_study(
            directions=["minimize" if o.direction == "min" else "maximize"
                        for o in space.objectives], sampler=sampler)
        self._trials: list[Any] = []

    def _suggest(self, trial: Any) -> dict[str, Any]:
        params = {}
        for d in self.space.dimensions:
            if d.ordered:
                index = trial.suggest_int(d.path, 0, d.size - 1)
            else:
                index = trial.suggest_categorical(d.path, list(range(d.size)))
            params[d.path] = d.values[index]
        return params

    def ask(self) -> list[Task] | None:
        """One generation of trials; `trials` counts distinct points, repeats are free.

        A repeated point is told its stored outcome without being evaluated again; points
        outside the config constraints fail at once. Asking stops after 20 x trials trials
        in all, so an exhausted space ends the search.
        """
        self._trials = []
        tasks: list[Task] = []
        while not tasks:
            if self.distinct >= self.total or self.asked >= 20 * self.total:
                return None
            while len(tasks) < self.population and self.distinct < self.total \
                    and self.asked < 20 * self.total:
                trial = self.study.ask()
                self.asked += 1
                params = self._suggest(trial)
                if not self.space.admits(self.space.config(params)):
                    self.study.tell(trial, state=self.optuna.trial.TrialState.FAIL)
                    continue
                task = task_of(self.space, params)
                if task.config_hash not in self.seen:
                    self.seen.add(task.config_hash)
                    self.distinct += 1
                self._trials.append(trial)
                tasks.append(task)
        return tasks

    def tell(self, tasks: list[Task], outcomes: list[Outcome]) -> None:
        """Report objective values (failed or incomplete points as failed trials)."""
        for trial, task, outcome in zip(self._trials, tasks, outcomes, strict=True):
            values = [metric_value(outcome.metrics, o.name) for o in self.space.objectives]
            if not outcome.ok or not all(finite(v) for v in values):
                self.study.tell(trial, state=self.optuna.trial.TrialState.FAIL)
                continue
            lookup = _metric_lookup(outcome.metrics, task.config)
            trial.set_user_attr("constraint", [c.violation(lookup)
                                               for c in self.space.metric_constraints])
            self.study.tell(trial, values)


def _metric_lookup(metrics: dict[str, Any], config: dict[str, Any]) -> Callable[[str], Any]:
    by_config = config_lookup(config)

    def lookup(name: str) -> Any:
        if name.split(".")[0] in CONFIG_SECTIONS:
            return by_config(name)
        value = metric_value(metrics, name)
        return float("inf") if value is None else value

    return lookup


class AnnealSearcher:
    """Annealed placements (`restarts` seeds) of each design, plus the starting placement."""

    def __init__(self, space: Space) -> None:
        opts = options_of(space, {"steps": 20000, "seed": 0, "restarts": 1, "start": ""})
        _positive(space, opts, "steps", "restarts")
        start = opts["start"] or space.base.get("mapping", {}).get("placement", "hilbert")
        if start == "annealed" or start not in placement_names():
            raise ConfigError(f"{space.source}: search.start: '{start}' is not a starting "
                              "placement; give one of: "
                              + ", ".join(n for n in placement_names() if n != "annealed"))
        self.tasks = []
        for params in space.grid():
            for k, steps in [(0, 0)] + [(r, opts["steps"]) for r in range(opts["restarts"])]:
                seed = opts["seed"] + k
                config = space.config(params)
                mapping = dict(config.get("mapping") or {})
                mapping.update({"placement": "annealed", "seed": seed})
                config["mapping"] = mapping
                extra = {"anneal": {"start": start, "steps": steps, "seed": seed}}
                self.tasks.append(Task(config_hash(config, extra), config,
                                       {**params, "anneal.steps": steps, "anneal.seed": seed},
                                       extra))
        self.total = len(self.tasks)
        self._asked = False

    def ask(self) -> list[Task] | None:
        """All annealing runs at once (each is independent)."""
        if self._asked:
            return None
        self._asked = True
        return list(self.tasks)

    def tell(self, tasks: list[Task], outcomes: list[Outcome]) -> None:
        """Each restart is independent."""


SEARCHERS.register("grid")(GridSearcher)
SEARCHERS.register("random")(RandomSearcher)
SEARCHERS.register("nsga2")(Nsga2Searcher)
SEARCHERS.register("anneal")(AnnealSearcher)


def make_searcher(space: Space) -> Searcher:
    """The searcher the space names, with its options checked."""
    if space.strategy not in SEARCHERS:
        names = SEARCHERS.names()
        raise ConfigError(f"{space.source}: search.strategy: unknown '{space.strategy}'"
                          f"{suggest(space.strategy, names)}; choose one of: "
                          + ", ".join(names))
    return SEARCHERS.get(space.strategy)(space)
