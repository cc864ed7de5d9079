"""Judge backends behind one protocol (:class:`judgekit.judges.base.Judge`).

Build a judge from its spec with :func:`judgekit.judges.registry.make_judge`. The registry is not
re-exported here: it builds batch judges (:mod:`judgekit.batch`), which import from this package.
"""

from judgekit.judges.base import Judge, JudgeError
from judgekit.judges.parse import parse_verdict

__all__ = ["Judge", "JudgeError", "parse_verdict"]
