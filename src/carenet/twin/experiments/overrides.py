"""Change one figure for an experiment: a field of the delivery model or an entry of ``parameters.yaml``.

A setting is a dotted path and a number:

* ``model.<path>`` changes the model file, e.g. ``model.booking.horizon_days`` or
  ``model.workforce.roles.gp.fte_per_10k`` (a list of roles is indexed by its role code, any other
  list by position); the changed model is validated again, so an impossible value is an error;
* any other path changes ``parameters.yaml``, e.g. ``twin.booking.continuity_value.value.1`` (the
  continuity weight where continuity matters) or ``twin.effects.proactive_acute_reduction``
  (an entry with a ``value`` takes the number as its value).

Parameter changes apply to the process that runs the replication only, before the twin reads any
setting, and are written into the run's manifest.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from carenet.models import DeliveryModel
from carenet.params import load_parameters
from carenet.schema.errors import CarenetError

MODEL_PREFIX = "model."


class OverrideError(CarenetError):
    """A setting whose path does not exist or whose value the model or parameters cannot take."""


def is_model_path(path: str) -> bool:
    return path.startswith(MODEL_PREFIX)


def _step(node: Any, part: str, path: str) -> tuple[Any, Any]:
    """The child of ``node`` named ``part`` and the key to set it by."""
    if isinstance(node, dict):
        if part not in node:
            raise OverrideError(f"{path}: no entry {part!r} (choose from {', '.join(map(str, node))})")
        return node[part], part
    if isinstance(node, list):
        if part.isdigit() and int(part) < len(node):
            return node[int(part)], int(part)
        keyed = [i for i, item in enumerate(node) if isinstance(item, dict) and part in (item.get("role"),
                                                                                           item.get("name"))]
        if keyed:
            return node[keyed[0]], keyed[0]
        raise OverrideError(f"{path}: {part!r} is neither a position (0-{len(node) - 1}) nor a role or name "
                            "in the list")
    raise OverrideError(f"{path}: {part!r} goes below a single value")


def _set(tree: Any, path: str, parts: list[str], value: float) -> None:
    node = tree
    for part in parts[:-1]:
        node, _ = _step(node, part, path)
    child, key = _step(node, parts[-1], path)
    if isinstance(child, dict) and "value" in child:
        node, key, child = child, "value", child["value"]
    if isinstance(child, bool) or not isinstance(child, int | float):
        raise OverrideError(f"{path}: holds {child!r}, not a number; point the path at a number")
    node[key] = type(child)(value) if isinstance(child, int) and float(value).is_integer() else float(value)


def apply_to_model(model: DeliveryModel, settings: Mapping[str, float]) -> DeliveryModel:
    """``model`` with each ``model.…`` setting changed, validated again."""
    changes = {p: v for p, v in settings.items() if is_model_path(p)}
    if not changes:
        return model
    data = model.model_dump(mode="python")
    data = _plain(data)
    for path, value in changes.items():
        _set(data, path, path[len(MODEL_PREFIX):].split("."), value)
    try:
        return DeliveryModel.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise OverrideError(f"model {model.name} with {', '.join(f'{p}={v:g}' for p, v in changes.items())} is "
                            f"not a valid model: {problems}") from None


def _plain(node: Any) -> Any:
    """Tuples to lists, so the model's data can be changed in place."""
    if isinstance(node, dict):
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node, list | tuple):
        return [_plain(v) for v in node]
    return node


def check_parameter_path(path: str, value: float) -> None:
    """Raise :class:`OverrideError` unless ``path`` names a number in ``parameters.yaml`` (nothing is changed)."""
    _set(copy.deepcopy(load_parameters()), path, path.split("."), value)


def apply_to_parameters(settings: Mapping[str, float]) -> None:
    """Change the ``parameters.yaml`` entries of ``settings`` for the rest of this process.

    Only for a fresh worker process that has not run the twin yet: settings already read and cached
    by a module keep their old value.
    """
    tree = load_parameters()
    for path, value in settings.items():
        if not is_model_path(path):
            _set(tree, path, path.split("."), value)


__all__ = ["MODEL_PREFIX", "OverrideError", "apply_to_model", "apply_to_parameters", "check_parameter_path",
           "is_model_path"]
