"""A design space in YAML: a base run, dotted-path choices or ranges, constraints, objectives."""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import math
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel

from pimnoc.config import RunSpec, parse_run, read_yaml
from pimnoc.dse.constraints import Constraint, config_lookup, parse_constraint
from pimnoc.errors import ConfigError, suggest
from pimnoc.result import Result

SPACE_KEYS = ("base", "space", "constraints", "search", "objectives")
DIRECTIONS = ("min", "max")
EXTRA_METRICS = ("peak_temperature_k", "accuracy_estimate", "weighted_hops")
"""Figures that engines or searchers add to a Result beyond its dataclass fields."""


def metric_names() -> list[str]:
    """Top-level names an objective or constraint may use (dotted sub-keys allowed)."""
    fields = set(Result.__dataclass_fields__) - {"extra", "per_layer", "per_link", "wall_s"}
    return sorted(fields | set(EXTRA_METRICS))


@dataclass(frozen=True)
class Dimension:
    """One explored config key: its dotted path and the values it takes, in order."""

    path: str
    values: tuple[Any, ...]
    ordered: bool = False  # a numeric range (searchers may treat it as ordinal)

    @property
    def size(self) -> int:
        """Number of values."""
        return len(self.values)


@dataclass(frozen=True)
class Objective:
    """A Result figure to minimise or maximise."""

    name: str
    direction: str

    @property
    def sign(self) -> float:
        """+1 to minimise, -1 to maximise (multiply to get a figure to minimise)."""
        return 1.0 if self.direction == "min" else -1.0


@dataclass(frozen=True)
class Space:
    """A validated design space."""

    base: dict[str, Any]
    dimensions: tuple[Dimension, ...]
    constraints: tuple[Constraint, ...]
    strategy: str
    options: dict[str, Any] = field(default_factory=dict)
    objectives: tuple[Objective, ...] = ()
    source: str = "space"

    @property
    def grid_size(self) -> int:
        """Number of points of the full grid (before constraints)."""
        return math.prod(d.size for d in self.dimensions)

    @property
    def config_constraints(self) -> tuple[Constraint, ...]:
        """Constraints on config values only (checked before evaluation)."""
        return tuple(c for c in self.constraints if c.on_config)

    @property
    def metric_constraints(self) -> tuple[Constraint, ...]:
        """Constraints that read Result figures (checked after evaluation)."""
        return tuple(c for c in self.constraints if not c.on_config)

    def params_at(self, indices: tuple[int, ...]) -> dict[str, Any]:
        """The dimension values at one index per dimension."""
        return {d.path: d.values[i] for d, i in zip(self.dimensions, indices, strict=True)}

    def config(self, params: dict[str, Any]) -> dict[str, Any]:
        """The run config of the point with these dimension values.

        Only the sections and lists on the way to a changed value are copied; the rest is
        shared with the base (which nothing modifies) and with the other points.
        """
        config = dict(self.base)
        for path, value in params.items():
            set_path(config, path, value, copy_path=True)
        return config

    @functools.cached_property
    def _base_texts(self) -> dict[str, str | None]:
        """Normalised text of each section of the base (what points not changing it share)."""
        return {name: section_text(name, self.base) for name in RunSpec.model_fields}

    def point_hash(self, config: dict[str, Any], params: dict[str, Any],
                   extra: dict[str, Any] | None = None) -> str:
        """`config_hash` of `self.config(params)`, reusing the texts of the base's sections."""
        changed = {path.partition(".")[0] for path in params}
        known = {n: t for n, t in self._base_texts.items() if n not in changed}
        return config_hash(config, extra, known)

    def admits(self, config: dict[str, Any]) -> bool:
        """True when the config satisfies every config-only constraint."""
        if not self.config_constraints:
            return True
        lookup = config_lookup(normalised(config))
        return all(c.holds(lookup) for c in self.config_constraints)

    def grid(self) -> Iterator[dict[str, Any]]:
        """All admitted points' params, in grid order (last dimension fastest)."""
        for indices in product(*(range(d.size) for d in self.dimensions)):
            params = self.params_at(indices)
            if not self.config_constraints or self.admits(self.config(params)):
                yield params

    def fingerprint(self) -> str:
        """A hash of everything that decides which points the space yields."""
        payload = {"base": self.base, "dims": [[d.path, list(d.values)] for d in
                                               self.dimensions],
                   "constraints": [c.text for c in self.constraints],
                   "strategy": self.strategy, "options": self.options,
                   "objectives": [[o.name, o.direction] for o in self.objectives]}
        return hashlib.sha256(_canonical(payload).encode()).hexdigest()[:16]


def set_path(config: dict[str, Any], path: str, value: Any, copy_path: bool = False) -> None:
    """Set a dotted key (list indices as numbers) in a nested dict, creating sections.

    `copy_path`: replace each dict or list on the way by a shallow copy first, so that
    containers shared with another config are left as they were.
    """
    parts = path.split(".")
    node: Any = config
    for part in parts[:-1]:
        if isinstance(node, list):
            if copy_path:
                node[int(part)] = copy.copy(node[int(part)])
            node = node[int(part)]
            continue
        if not isinstance(node.get(part), dict | list):
            node[part] = {}
        elif copy_path:
            node[part] = copy.copy(node[part])
        node = node[part]
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = copy.deepcopy(value)
    else:
        node[last] = copy.deepcopy(value)


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str)


def _canonical(value: Any) -> str:
    return _CANONICAL.encode(value)


def normalised(config: dict[str, Any]) -> dict[str, Any]:
    """The config with every default filled in (as plain JSON), or as given if invalid."""
    try:
        return parse_run(config, check_keys=False).model_dump(mode="json")
    except ConfigError:
        return config


def config_hash(config: dict[str, Any], extra: dict[str, Any] | None = None,
                known: dict[str, str | None] | None = None) -> str:
    """A stable hash of a run config (defaults filled in) plus any searcher-specific extra.

    The hash of the canonical JSON of {"run": normalised(config), "extra": extra}; the text
    is assembled from each section's normalised text, kept per distinct section, since
    RunSpec validates its sections independently (points of a sweep share most of them).
    `known`: normalised texts of sections already at hand (`Space.point_hash`).
    """
    run = _normalised_text(config, known or {})
    if run is None:
        run = _canonical(normalised(config))
    text = f'{{"extra":{_canonical(extra)},"run":{run}}}' if extra else f'{{"run":{run}}}'
    return hashlib.sha256(text.encode()).hexdigest()


_SECTION_MODELS: dict[str, type[BaseModel]] = {
    name: field.annotation for name, field in RunSpec.model_fields.items()
    if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)}
_REQUIRED_SECTIONS = frozenset(n for n, f in RunSpec.model_fields.items() if f.is_required())
_SECTION_ORDER = sorted(_SECTION_MODELS)  # plain names: json.dumps(name) is '"name"'
_SECTION_TEXTS: dict[tuple[str, str], str | None] = {}
_SECTION_TEXTS_MAX = 4096


def _normalised_text(config: Any, known: dict[str, str | None]) -> str | None:
    """`_canonical(normalised(config))` from cached section texts; None if a section is invalid."""
    if not isinstance(config, dict) or len(_SECTION_MODELS) != len(RunSpec.model_fields) \
            or not _REQUIRED_SECTIONS.issubset(config) or not set(config).issubset(_SECTION_MODELS):
        return None
    parts = []
    for name in _SECTION_ORDER:
        text = known[name] if name in known else section_text(name, config)
        if text is None:
            return None
        parts.append(f'"{name}":{text}')
    return "{" + ",".join(parts) + "}"


def section_text(name: str, config: dict[str, Any]) -> str | None:
    """Canonical JSON of section `name` of a config, defaults filled in (None: invalid); cached."""
    key = (name, _canonical(config[name]) if name in config else "")
    text = _SECTION_TEXTS.get(key, "")
    if text == "":
        if len(_SECTION_TEXTS) >= _SECTION_TEXTS_MAX:
            _SECTION_TEXTS.clear()
        text = _SECTION_TEXTS[key] = _section_text(name, config)
    return text


def _section_text(name: str, config: dict[str, Any]) -> str | None:
    """Canonical JSON of one section with its defaults filled in, or None if it is invalid."""
    model = _SECTION_MODELS[name]
    try:
        section = model.model_validate(config[name]) if name in config else \
            RunSpec.model_fields[name].get_default(call_default_factory=True)
        if name == "design":
            section.noi.interface_spec().interface()  # parse_run's check (ConfigError)
    except (ValueError, ConfigError):  # pydantic's ValidationError is a ValueError
        return None
    return _canonical(section.model_dump(mode="json"))


def _section(annotation: Any) -> tuple[str, Any]:
    """('model', cls) | ('list', inner annotation) | ('leaf', None) for a field annotation."""
    candidates = [annotation, *typing.get_args(annotation)]
    for c in candidates:
        if isinstance(c, type) and issubclass(c, BaseModel):
            return "model", c
    for c in candidates:
        if typing.get_origin(c) is list:
            return "list", typing.get_args(c)[0]
    return "leaf", None


def check_path(path: str, where: str = "space") -> None:
    """Raise ConfigError unless `path` names a key of the run config."""
    parts = path.split(".")
    kind, current = "model", RunSpec
    for i, part in enumerate(parts):
        done = ".".join(parts[:i])
        if kind == "list":
            if not part.isdigit():
                raise ConfigError(f"{where}: '{path}': '{done}' is a list; index it with a "
                                  f"number (e.g. '{done}.0')")
            kind, current = _section(current)
            continue
        if kind == "leaf":
            raise ConfigError(f"{where}: '{path}': '{done}' is a value, not a section; "
                              f"use '{done}'")
        fields = current.model_fields
        if part not in fields:
            if current.model_config.get("extra") == "allow":
                return  # parameters of a named builder: checked when the point is parsed
            prefix = f"'{done}.'" if done else "the top level"
            raise ConfigError(f"{where}: unknown config key '{path}'{suggest(part, fields)}; "
                              f"keys under {prefix}: {', '.join(fields)}")
        kind, current = _section(fields[part].annotation)


def _number(value: Any, key: str) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{key}: must be a number (got {value!r})")
    return value


def _range_values(spec: dict[str, Any], key: str) -> tuple[Any, ...]:
    """Values of `{min, max, step}`, `{min, max, num}` or `{min, max, log: true, num}`."""
    allowed = ("min", "max", "step", "num", "log")
    for name in spec:
        if name not in allowed:
            raise ConfigError(f"{key}: unknown range key '{name}'{suggest(str(name), allowed)}; "
                              "use {min, max, step} or {min, max, log: true, num}")
    if "min" not in spec or "max" not in spec:
        raise ConfigError(f"{key}: a range needs both min and max")
    lo, hi = _number(spec["min"], f"{key}.min"), _number(spec["max"], f"{key}.max")
    if lo > hi:
        raise ConfigError(f"{key}: min ({lo}) is greater than max ({hi}); swap them")
    integer = isinstance(lo, int) and isinstance(hi, int)
    log = spec.get("log", False)
    if not isinstance(log, bool):
        raise ConfigError(f"{key}.log: must be true or false (got {log!r})")
    if "step" in spec and ("num" in spec or log):
        raise ConfigError(f"{key}: give either step (linear) or num (with log: true), "
                          "not both")
    if "step" in spec:
        step = _number(spec["step"], f"{key}.step")
        if step <= 0:
            raise ConfigError(f"{key}.step: must be positive (got {step})")
        count = int(math.floor((hi - lo) / step + 1e-9)) + 1
        if count > 100_000:
            raise ConfigError(f"{key}: {count} values is too many; use a larger step")
        integer = integer and isinstance(step, int)
        values = [lo + k * step for k in range(count)]
        return tuple(int(v) for v in values) if integer else \
            tuple(float(round(v, 12)) for v in values)
    if "num" not in spec:
        raise ConfigError(f"{key}: a range needs step, or num (optionally with log: true)")
    num = spec["num"]
    if isinstance(num, bool) or not isinstance(num, int) or num < 1:
        raise ConfigError(f"{key}.num: must be a positive integer (got {num!r})")
    if log and lo <= 0:
        raise ConfigError(f"{key}: a log range needs min > 0 (got {lo})")
    grid = np.geomspace(lo, hi, num) if log else np.linspace(lo, hi, num)
    if integer:
        return tuple(dict.fromkeys(int(round(v)) for v in grid))
    return tuple(float(v) for v in grid)


def _dimension(path: Any, spec: Any, base: dict[str, Any], where: str,
               check_keys: bool = True) -> Dimension:
    if not isinstance(path, str) or not path:
        raise ConfigError(f"{where}: keys must be dotted config paths such as "
                          "'design.chiplets.rows'")
    check_path(path, where)
    key = f"{where}.{path}"
    if isinstance(spec, list):
        if not spec:
            raise ConfigError(f"{key}: the list of choices is empty")
        values, ordered = tuple(spec), False
    elif isinstance(spec, dict):
        values, ordered = _range_values(spec, key), True
    else:
        raise ConfigError(f"{key}: give a list of choices or a range {{min, max, step}} "
                          f"(got {spec!r})")
    for value in values:
        config = copy.deepcopy(base)
        set_path(config, path, value)
        try:
            parse_run(config, key, check_keys)
        except ConfigError as exc:
            raise ConfigError(f"{key}: value {value!r} is not valid: {exc}") from None
    return Dimension(path, values, ordered)


def _objectives(data: Any) -> tuple[Objective, ...]:
    if data is None:
        return ()
    if not isinstance(data, dict):
        raise ConfigError("objectives: must be a mapping such as {latency_s: min, energy_j: min}")
    names = metric_names()
    result = []
    for name, direction in data.items():
        check_metric(str(name), "objectives", names)
        if direction not in DIRECTIONS:
            raise ConfigError(f"objectives.{name}: must be 'min' or 'max' (got {direction!r})")
        result.append(Objective(str(name), direction))
    return tuple(result)


def check_metric(name: str, where: str, names: list[str] | None = None) -> None:
    """Raise ConfigError unless `name` starts with a known Result figure."""
    names = names or metric_names()
    head = name.split(".")[0]
    if head not in names:
        raise ConfigError(f"{where}: unknown figure '{name}'{suggest(head, names)}; "
                          f"figures: {', '.join(names)}")


def parse_space(data: Any, source: str = "space") -> Space:
    """Validate a space dictionary (see the module docstring) into a Space."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping with keys "
                          f"{', '.join(SPACE_KEYS)}")
    for key in data:
        if key not in SPACE_KEYS:
            raise ConfigError(f"{source}: unknown key '{key}'{suggest(str(key), SPACE_KEYS)}; "
                              f"allowed keys: {', '.join(SPACE_KEYS)}")
    if "base" not in data:
        raise ConfigError(f"{source}: 'base' (a run config) is missing; add it")
    base = data["base"]
    dims_data = data.get("space") or {}
    if not isinstance(dims_data, dict):
        raise ConfigError(f"{source}: 'space' must map dotted config paths to choices or ranges")
    check_keys = "design.integration" not in dims_data  # else keys matter to some points only
    parse_run(base, f"{source}: base", check_keys)
    dims = tuple(_dimension(p, s, base, f"{source}: space", check_keys)
                 for p, s in dims_data.items())
    raw_constraints = data.get("constraints") or []
    if isinstance(raw_constraints, str):
        raw_constraints = [raw_constraints]
    if not isinstance(raw_constraints, list):
        raise ConfigError(f"{source}: constraints must be a list of strings")
    constraints = []
    for k, text in enumerate(raw_constraints):
        c = parse_constraint(text, f"{source}: constraints[{k}]")
        if not c.on_config:
            for name in c.names:
                if name.split(".")[0] not in ("workload", "design", "mapping", "simulation",
                                              "thermal"):
                    check_metric(name, f"{source}: constraints[{k}]")
        constraints.append(c)
    search = data.get("search") or {"strategy": "grid"}
    if not isinstance(search, dict) or "strategy" not in search:
        raise ConfigError(f"{source}: search must be a mapping with a strategy "
                          "(grid, random, nsga2 or anneal)")
    options = {k: v for k, v in search.items() if k != "strategy"}
    return Space(base=base, dimensions=dims, constraints=tuple(constraints),
                 strategy=str(search["strategy"]), options=options,
                 objectives=_objectives(data.get("objectives")), source=source)


def load_space(path: str | Path) -> Space:
    """Load and validate a space YAML file."""
    return parse_space(read_yaml(path), str(path))
