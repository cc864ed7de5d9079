"""Whether the process that writes a store is still alive (stdlib only: ``judgekit runs`` reads it without pandas).

A run's status is ``running`` while its writer holds ``DB.lock`` (the file holds the writer's pid). A run left
``running`` whose writer is gone was killed or crashed: every listing shows it as ``interrupted``.
"""

from __future__ import annotations

import os
from pathlib import Path


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but belongs to someone else
        return True
    return True


def writer_alive(db_path: str | Path) -> bool:
    """Whether the process named in the writer lock of ``db_path`` (``DB.lock``) is still alive."""
    try:
        pid = int(Path(str(db_path) + ".lock").read_text().strip() or 0)
    except (OSError, ValueError):
        return False
    return pid > 0 and pid_alive(pid)


def shown_status(status: str, db_path: str | Path) -> str:
    """The status a listing shows: ``interrupted`` for a ``running`` run whose writer is gone."""
    return "interrupted" if status == "running" and not writer_alive(db_path) else status
