"""Progress of long phases (judging, completions): a bar on a terminal, plain lines elsewhere.

Modes (``--progress``, or the ``JUDGEKIT_PROGRESS`` environment variable):

``auto``   a bar when stderr is a terminal, else ``lines`` (the default)
``bar``    a tqdm bar
``lines``  one plain line every ~10 s or every 5% of the work (at most one per 2 s), and one at the end:
           done/total, rate, time left, errors so far (for CI logs, ``nohup``, notebooks)
``off``    nothing

``JUDGEKIT_PROGRESS=1`` (its older spelling) means ``bar``, ``0`` means ``off``.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import IO, Any

MODES = ("auto", "bar", "lines", "off")
ENV = "JUDGEKIT_PROGRESS"
_ENV_ALIASES = {"1": "bar", "true": "bar", "yes": "bar", "0": "off", "false": "off", "no": "off", "": "auto"}
LINE_EVERY_S = 10.0
LINE_EVERY_FRACTION = 0.05
LINE_MIN_GAP_S = 2.0  # a fast run does not print twenty lines in a second


def resolve_mode(progress: bool | str | None, stream: IO[str] | None = None) -> str:
    """The concrete mode (``bar``, ``lines`` or ``off``) for a ``progress`` argument.

    ``None`` or ``True`` defer to ``JUDGEKIT_PROGRESS`` (default ``auto``); ``False`` is ``off``;
    a string is one of :data:`MODES`. ``auto`` becomes ``bar`` on a terminal and ``lines`` elsewhere.
    """
    if progress is False:
        return "off"
    if progress is None or progress is True:
        raw = os.environ.get(ENV, "auto").strip().lower()
        mode = _ENV_ALIASES.get(raw, raw)
        if mode not in MODES:
            raise ValueError(f"{ENV}={raw!r}: expected one of {', '.join(MODES)} (or 1 / 0)")
    else:
        mode = progress.strip().lower()
        if mode not in MODES:
            raise ValueError(f"unknown progress mode {progress!r}; modes: {', '.join(MODES)}")
    if mode == "auto":
        s = stream or sys.stderr
        mode = "bar" if getattr(s, "isatty", lambda: False)() else "lines"
    return mode


def _duration(seconds: float) -> str:
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{(s % 3600) // 60:02d}m"


class Progress:
    """Counts finished units of work and reports them in the chosen mode.

    ``update(n)`` adds finished units; ``set_errors(k)`` records how many failed so far;
    ``close()`` prints the final state. ``clock`` is injectable for tests.
    """

    def __init__(self, total: int, *, initial: int = 0, desc: str = "", unit: str = "verdict",
                 mode: bool | str | None = None, stream: IO[str] | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.total = int(total)
        self.done = int(initial)
        self.errors = 0
        self.desc = desc
        self.unit = unit
        self.stream = stream or sys.stderr
        self.mode = resolve_mode(mode, self.stream)
        self._clock = clock
        self._start = clock()
        self._initial = self.done
        self._last_t = self._start
        self._last_done = self.done
        self._closed = False
        self._bar: Any = None
        if self.mode == "bar":
            from tqdm import tqdm

            self._bar = tqdm(total=self.total, initial=self.done, unit=unit, desc=desc, file=self.stream,
                             dynamic_ncols=True)

    def update(self, n: int = 1) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(n)
        elif self.mode == "lines":
            t = self._clock()
            step = max(1, int(self.total * LINE_EVERY_FRACTION))
            gap = t - self._last_t
            if gap >= LINE_EVERY_S or (self.done - self._last_done >= step and gap >= LINE_MIN_GAP_S):
                self._line(t)

    def set_errors(self, errors: int) -> None:
        if errors != self.errors and self._bar is not None:
            self._bar.set_postfix_str(f"{errors} errors", refresh=False)
        self.errors = errors

    def line(self, t: float | None = None) -> str:
        """The plain progress line for the current state."""
        t = self._clock() if t is None else t
        elapsed = max(t - self._start, 1e-9)
        rate = (self.done - self._initial) / elapsed
        pct = f" ({100 * self.done / self.total:.0f}%)" if self.total else ""
        left = self.total - self.done
        eta = _duration(left / rate) if rate > 0 and left > 0 else ("0s" if left <= 0 else "–")
        head = f"{self.desc}: " if self.desc else ""
        return (f"judgekit: {head}{self.done}/{self.total} {self.unit}s{pct}, {rate:.1f}/s, "
                f"{_duration(elapsed)} elapsed, ETA {eta}, {self.errors} errors")

    def _line(self, t: float) -> None:
        print(self.line(t), file=self.stream, flush=True)
        self._last_t = t
        self._last_done = self.done

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._bar is not None:
            self._bar.close()
        elif self.mode == "lines" and self.done != self._last_done:
            self._line(self._clock())

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def add_progress_option(parser: Any) -> None:
    """Add ``--progress auto|bar|lines|off`` to an argparse parser (default: ``JUDGEKIT_PROGRESS``, else auto)."""
    parser.add_argument("--progress", choices=MODES, default=None,
                        help="progress display: a bar on a terminal, plain lines every ~10 s or 5%% elsewhere "
                             f"(auto, the default), bar, lines or off; the {ENV} environment variable sets "
                             "the default")
