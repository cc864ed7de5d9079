"""Artefacts (reports, cards, exports) are written whole or not at all.

Each writer produces a temporary file next to the target (``.NAME.PID.tmp``), fsyncs it
and renames it over the target, so a kill or a full disk never leaves a truncated or
empty report behind. A failure removes the temporary file and raises an ``OSError`` that
names the target.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable
from pathlib import Path


def artefact_missing(path: str | Path) -> bool:
    """True when ``path`` is absent or empty (an artefact that must be written again)."""
    try:
        return Path(path).stat().st_size == 0
    except OSError:
        return True


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` to produce the file, then rename it to ``path``; returns ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from None
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return path


def atomic_write_text(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding=encoding))


def atomic_write_pieces(path: str | Path, pieces: Iterable[str], encoding: str = "utf-8") -> Path:
    """Write the concatenation of ``pieces`` (a template's ``generate()``, say) to ``path`` atomically,
    without holding the whole text in memory."""
    def write(tmp: Path) -> None:
        with tmp.open("w", encoding=encoding) as f:
            for piece in pieces:
                f.write(piece)

    return atomic_write(path, write)


def report_missing(out_dir: str | Path) -> Callable[[str], bool]:
    """``f(run_id)``: whether the report of ``run_id`` in ``out_dir`` (``RUN_ID.html``) is missing or empty."""
    return lambda run_id: artefact_missing(Path(out_dir) / f"{run_id}.html")
