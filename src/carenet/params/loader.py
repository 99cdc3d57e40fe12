"""Load ``parameters.yaml``: the single file of calibrated figures, each leaf with its source."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader (ten times faster on the 2,800-line file) where PyYAML was built with it."""


@cache
def load_parameters() -> dict[str, Any]:
    """The parsed parameters file (cached; treat as read-only)."""
    text = resources.files("carenet.params").joinpath("parameters.yaml").read_text(encoding="utf-8")
    return yaml.load(text, Loader=_SAFE_LOADER)  # a safe loader either way


def parameter(path: str) -> Any:
    """Look up a dotted path, e.g. ``parameter("efi.prevalence_65plus")``; a missing key names the path."""
    node: Any = load_parameters()
    walked = []
    for part in path.split("."):
        walked.append(part)
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise KeyError(f"parameters.yaml has no entry {'.'.join(walked)!r}")
    return node
