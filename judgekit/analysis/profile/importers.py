"""Re-export: the judgment importers live in :mod:`judgekit.imports.judgments`."""

from judgekit.imports.judgments import (  # noqa: F401
    FORMATS,
    Imported,
    pair_hash,
    read_judgments_file,
    write_pairs,
)
