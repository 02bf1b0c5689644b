"""Result of one evaluated design point: figures, breakdowns, JSON in and out."""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from pimnoc.errors import OutputError


class Rows(Sequence):
    """Rows of a table kept as columns (numpy arrays or lists) until they are read or written.

    Reads as a list of dicts (index, iterate, compare with a list); `columns` gives the
    columns themselves, which is how big designs' per-link detail reaches a Parquet file
    without a dict per link.
    """

    def __init__(self, columns: dict[str, Sequence]) -> None:
        sizes = {len(column) for column in columns.values()}
        if len(sizes) > 1:
            raise ValueError(f"columns of different lengths: {sorted(sizes)}")
        self.columns = dict(columns)
        self._size = sizes.pop() if sizes else 0

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._size))]
        if index < 0:
            index += self._size
        if not 0 <= index < self._size:
            raise IndexError(index)
        return {k: v[index].item() if hasattr(v, "dtype") else v[index]
                for k, v in self.columns.items()}

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.to_list())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Rows | list | tuple):
            return self.to_list() == list(other)
        return NotImplemented

    __hash__ = None  # mutable-looking, like a list

    def __repr__(self) -> str:
        return f"Rows({self._size} rows: {', '.join(self.columns)})"

    def to_list(self) -> list[dict[str, Any]]:
        """The rows as plain dicts of Python values."""
        names = list(self.columns)
        values = [v.tolist() if hasattr(v, "dtype") else list(v)
                  for v in self.columns.values()]
        return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]


def plain_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """`rows` as a list of dicts (a `Rows` table turned into its rows)."""
    return rows.to_list() if isinstance(rows, Rows) else rows


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
    per_layer: Sequence[dict[str, Any]]  # a list, or `Rows` (columns) from `evaluate`
    per_link: Sequence[dict[str, Any]]
    topology: dict[str, Any]
    wall_s: float
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self, columns: bool = False) -> dict[str, Any]:
        """Plain-JSON form; `extra` entries (thermal, accuracy, event engine) merge at top.

        With `columns`, per-link and per-layer tables stay `Rows` (for `write_result`).
        """
        # A shallow copy: the fields already hold plain JSON values (asdict would deep-copy
        # the per-link and per-layer lists, the bulk of the cost in sweeps).
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
        if not columns:
            data["per_layer"] = plain_rows(data["per_layer"])
            data["per_link"] = plain_rows(data["per_link"])
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
        value: Any = self.to_dict(columns=True)
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
"""A result with more links than this keeps its per-link and per-layer tables in Parquet side
files (`<name>.links.parquet`, `<name>.layers.parquet`); the JSON keeps the summary and names
those files."""

DETAIL_TABLES = {"per_link": "links", "per_layer": "layers"}
"""Result tables that go to Parquet side files, and the suffix of each file."""


def _parquet_table(rows: Sequence[dict[str, Any]]):
    """An Arrow table of `rows` (straight from the columns of a `Rows`)."""
    import pyarrow as pa  # heavy: only when a big result is written

    if isinstance(rows, Rows):
        return pa.table({k: v if hasattr(v, "dtype") else pa.array(list(v))
                         for k, v in rows.columns.items()})
    return pa.Table.from_pylist(list(rows))


def _check_finite(table, name: str) -> None:
    """OutputError naming the column if a float column holds NaN or an infinity."""
    import numpy as np
    import pyarrow as pa

    for column_name, column in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_floating(column.type):
            values = column.to_numpy(zero_copy_only=False)
            if values.size and not np.isfinite(values).all():
                raise OutputError(f"result key '{name}.{column_name}' is not a finite number; "
                                  "no file was written: check the design's parameters "
                                  "(a zero width, rate or size)")


def _parquet_bytes(rows: Sequence[dict[str, Any]], name: str) -> bytes:
    """`rows` as a Parquet file's bytes; OutputError if a value is NaN or infinite."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = _parquet_table(rows)
    _check_finite(table, name)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue().to_pybytes()


def read_detail(path: str | Path) -> dict[str, list[dict[str, Any]]]:
    """The per-link and per-layer rows of a result file written by `write_result`."""
    import pyarrow.parquet as pq

    path = Path(path)
    data = json.loads(path.read_text())
    detail = data.get("detail")
    if not detail:
        return {key: data.get(key, []) for key in DETAIL_TABLES}
    return {key: pq.read_table(path.with_name(detail[key]["file"])).to_pylist()
            for key in DETAIL_TABLES}


def write_result(data: dict[str, Any], path: str | Path) -> list[Path]:
    """Write a result JSON (and, for big designs, its Parquet detail files) atomically.

    Returns the paths written. `data` is `Result.to_dict()`, its tables lists or `Rows`.
    """
    path = Path(path)
    if len(data.get("per_link", ())) <= MAX_INLINE_LINKS:
        return [write_json_atomic({k: plain_rows(v) if k in DETAIL_TABLES else v
                                   for k, v in data.items()}, path)]
    stem = path.name.removesuffix(".json")
    summary = {k: v for k, v in data.items() if k not in DETAIL_TABLES}
    finite_json(summary)  # a bad summary fails before any file is written
    payloads, detail = {}, {}
    for key, suffix in DETAIL_TABLES.items():  # every table checked before any file is written
        side = path.with_name(f"{stem}.{suffix}.parquet")
        payloads[side] = _parquet_bytes(data.get(key, []), key)
        detail[key] = {"file": side.name, "rows": len(data.get(key, ())), "format": "parquet"}
    summary.update({"per_link": [], "per_layer": [], "detail": detail})
    sides = [write_bytes_atomic(payload, side) for side, payload in payloads.items()]
    return [write_json_atomic(summary, path), *sides]
