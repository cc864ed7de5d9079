"""Give freed memory back to the operating system between the phases of a long command."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import sys


@functools.cache
def _malloc_trim() -> object | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return None


def release() -> None:
    """Collect recent garbage and, on glibc, return the heap's free pages to the OS (``malloc_trim``).

    Peak resident memory is the largest over the whole process: called after a phase whose frames are
    gone (the statistics, say), the next phase starts from what is live, not from the last phase's peak.
    """
    gc.collect(1)  # the young generations: what the phase left in cycles (a full pass over every module's objects
    #               costs ~0.1 s in an eval process and freed nothing more there)
    trim = _malloc_trim()
    if trim is not None:
        trim(0)  # type: ignore[operator]
