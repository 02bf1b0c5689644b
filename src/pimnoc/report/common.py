"""Shared plotting helpers: a headless backend and atomic figure saving."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from pimnoc.errors import OutputError  # noqa: E402
from pimnoc.result import default_file_mode  # noqa: E402


def save_figure(fig, path: str | Path, dpi: int = 130) -> Path:
    """Save `fig` to `path` through a temporary file, then close it."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    except OSError as exc:
        plt.close(fig)
        raise OutputError(f"{path}: cannot write ({exc.strerror}); choose a writable path"
                          ) from None
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=dpi, bbox_inches="tight")
        os.chmod(tmp, default_file_mode())
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
        plt.close(fig)
    return path
