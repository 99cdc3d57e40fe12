"""Contained resources (FHIR R4 §3.4.2): read as resources of their own, their local references made global.

A contained resource has an id local to its container (``"#p1"`` in references). It is lifted out under
the id ``<container id>-<local id>`` (unique across the input because the container's id is), and every
``"#local"`` reference inside the container and its contained resources is rewritten to
``"<Type>/<container id>-<local id>"``, so the references resolve like any other.
"""

from __future__ import annotations

import re
from typing import Any

_ID_CHARACTERS = re.compile(r"[^A-Za-z0-9\-.]")
MAX_ID_LENGTH = 64
"""FHIR R4 ids: up to 64 characters of letters, digits, '-' and '.'."""


def _lifted_id(container_id: str, local: str) -> str:
    return _ID_CHARACTERS.sub("-", f"{container_id}-{local}")[:MAX_ID_LENGTH]


def _rewrite(node: Any, targets: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {k: _rewrite(v, targets) for k, v in node.items()}
        ref = node.get("reference")
        if isinstance(ref, str) and ref.startswith("#") and ref[1:] in targets:
            out["reference"] = targets[ref[1:]]
        return out
    if isinstance(node, list):
        return [_rewrite(v, targets) for v in node]
    return node


def lift_contained(doc: dict[str, Any], container_id: str) -> tuple[dict[str, Any], list[Any]]:
    """``doc`` without its ``contained`` list and with references to them made global, and the contained
    resources with their new ids (an entry that is not a resource with an id is returned as it is, for the
    reader to report)."""
    contained = doc.get("contained")
    if not isinstance(contained, list) or not contained:
        return doc, []
    targets = {}
    for inner in contained:
        if isinstance(inner, dict) and isinstance(inner.get("id"), str) and isinstance(inner.get("resourceType"), str):
            targets[inner["id"]] = f"{inner['resourceType']}/{_lifted_id(container_id, inner['id'])}"
    lifted = []
    for inner in contained:
        if isinstance(inner, dict) and inner.get("id") in targets:
            inner = {**_rewrite(inner, targets), "id": targets[inner["id"]].split("/", 1)[1]}
        lifted.append(inner)
    outer = _rewrite({k: v for k, v in doc.items() if k != "contained"}, targets)
    return outer, lifted


__all__ = ["lift_contained"]
