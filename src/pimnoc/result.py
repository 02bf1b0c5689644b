"""Result of one evaluated design point: figures, breakdowns, JSON in and out."""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from pimnoc.errors import OutputError


@dataclass(frozen=True)
class Result:
    """Figures of one design point for one inference of the workload (all SI units)."""

    latency_s: float
    throughput_ips: float
    interval_s: float
    bottleneck: str
    energy_j: dict[str, float]
    compute_energy_j: dict[str, float]
    edp_js: float
    area_mm2: float
    area_breakdown_mm2: dict[str, float]
    links: int
    wire_length_mm: float
    router_ports: int
    pes_used: int
    crossbars_used: int
    busiest_link: dict[str, Any]
    per_network: list[dict[str, Any]]
    per_layer: list[dict[str, Any]]
    per_link: list[dict[str, Any]]
    topology: dict[str, Any]
    wall_s: float
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form; `extra` entries (thermal, accuracy, event engine) merge at top."""
        # A shallow copy: the fields already hold plain JSON values (asdict would deep-copy
        # the per-link and per-layer lists, the bulk of the cost in sweeps).
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
        data.update(self.extra)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Result:
        """Rebuild a Result written by `to_dict`."""
        names = set(cls.__dataclass_fields__) - {"extra"}
        known = {k: v for k, v in data.items() if k in names}
        extra = {k: v for k, v in data.items() if k not in names}
        return cls(**known, extra=extra)

    def metric(self, name: str) -> float:
        """A scalar figure by dotted name, e.g. `latency_s` or `energy_j.total`."""
        value: Any = self.to_dict()
        for part in name.split("."):
            if not isinstance(value, dict) or part not in value:
                raise KeyError(name)
            value = value[part]
        if isinstance(value, dict) and "total" in value:
            value = value["total"]
        return float(value)


def default_file_mode() -> int:
    """Permissions a newly created file gets under the current umask."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def check_writable(folder: str | Path, option: str) -> None:
    """Raise OutputError (naming `option`) unless files can be created in `folder`.

    Creates the folder if needed; called before long work so that a bad output path fails
    first and leaves nothing behind.
    """
    folder = Path(folder)
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".pimnoc-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(f"{option}: cannot write in '{folder}' ({exc.strerror}); "
                          "choose a writable path") from None
    for made in missing:  # deepest first; made again when the output is written
        made.rmdir()


def check_output_file(path: str | Path, option: str, example: str) -> Path:
    """The file `path` names, or OutputError (naming `option`) if it cannot be written there.

    Called before long work. `path` is the user's text: a trailing slash or an existing
    folder means a folder, not a file; `example` is a file name to suggest inside it.
    """
    text = str(path)
    target = Path(text)
    if text.endswith(("/", os.sep)) or target.is_dir():
        raise OutputError(f"{option}: '{text}' is a folder; give a file name, "
                          f"e.g. '{target / example}'")
    check_writable(target.parent, option)
    if target.exists() and not os.access(target, os.W_OK):
        raise OutputError(f"{option}: '{text}' exists and is read-only; choose another path")
    return target


def check_output_dir(path: str | Path, option: str) -> Path:
    """The folder `path` names, or OutputError (naming `option`) if files cannot go there."""
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise OutputError(f"{option}: '{path}' is a file; give a folder for the output")
    check_writable(target, option)
    return target


def write_text_atomic(text: str, path: str | Path) -> Path:
    """Write `text` to `path` through a temporary file, so no half-written file is left."""
    return write_bytes_atomic(text.encode(), path)


def write_bytes_atomic(payload: bytes, path: str | Path) -> Path:
    """Write `payload` to `path` through a temporary file, so no half-written file is left."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror}); choose a writable path"
                          ) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.chmod(tmp, default_file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _non_finite_key(value: Any, key: str = "") -> str | None:
    """Dotted key of the first NaN or infinite number inside `value`, or None."""
    if isinstance(value, float) and not math.isfinite(value):
        return key or "(top level)"
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    else:
        return None
    for k, v in items:
        found = _non_finite_key(v, f"{key}.{k}" if key else str(k))
        if found is not None:
            return found
    return None


def finite_json(data: Any, **kwargs: Any) -> str:
    """JSON text of `data`; OutputError naming the key if a number is NaN or infinite."""
    try:
        return json.dumps(data, allow_nan=False, **kwargs)
    except ValueError:
        key = _non_finite_key(data)
        if key is None:
            raise
        raise OutputError(f"result key '{key}' is not a finite number; JSON has no NaN or "
                          "Infinity, so no file was written: check the design's parameters "
                          "(a zero width, rate or size)") from None


def write_json_atomic(data: Any, path: str | Path) -> Path:
    """Write JSON to `path` atomically; refuses NaN and Infinity (OutputError)."""
    return write_text_atomic(finite_json(data, indent=1), path)


MAX_INLINE_LINKS = 4096
"""A result with more links than this keeps its per-link and per-layer lists in a gzipped
side file (`<name>.detail.json.gz`); the JSON keeps the summary and names that file."""


def write_result(data: dict[str, Any], path: str | Path) -> list[Path]:
    """Write a result JSON (and, for big designs, its detail file) atomically; the paths."""
    import gzip

    path = Path(path)
    if len(data.get("per_link", ())) <= MAX_INLINE_LINKS:
        return [write_json_atomic(data, path)]
    detail = {key: data[key] for key in ("per_link", "per_layer")}
    side = path.with_name(path.name.removesuffix(".json") + ".detail.json.gz")
    write_bytes_atomic(gzip.compress(finite_json(detail).encode(), compresslevel=6, mtime=0),
                       side)
    summary = {**{k: v for k, v in data.items() if k not in detail},
               "per_link": [], "per_layer": [],
               "detail": {"file": side.name, "per_link": len(detail["per_link"]),
                          "per_layer": len(detail["per_layer"])}}
    return [write_json_atomic(summary, path), side]
