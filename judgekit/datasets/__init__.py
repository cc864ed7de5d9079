"""Item schema and dataset loaders."""

from judgekit.datasets.loaders import dataset_fingerprint, load_items, parse_mapping
from judgekit.datasets.schema import DatasetError, normalise_label

__all__ = ["DatasetError", "dataset_fingerprint", "load_items", "normalise_label", "parse_mapping"]
