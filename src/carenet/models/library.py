"""Find, read and check delivery-model files: the shipped library and the user's own.

API: ``list_models() -> list[str]``, ``load_model(name_or_path) -> DeliveryModel``,
``check_model_file(path) -> DeliveryModel``, ``library_path(name) -> Path``, and :class:`ModelError`.

A name (``micro_teams``) is looked up in the library shipped with carenet; anything that looks
like a path (has a suffix or a separator) is read from disk. Every error names the file and the
field path in plain words, e.g. ``workforce.roles[2].role: 'doctor' is not a known role code``.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from carenet.models.spec import DeliveryModel
from carenet.schema.errors import CarenetError

_LIBRARY = "library"


class ModelError(CarenetError):
    """A model file could not be read or does not meet the specification."""


def _library_dir() -> Path:
    return Path(str(resources.files("carenet.models").joinpath(_LIBRARY)))


def list_models() -> list[str]:
    """Names of the models shipped in the library, sorted."""
    return sorted(p.stem for p in _library_dir().glob("*.yaml"))


def library_path(name: str) -> Path:
    """The file of library model ``name``; an unknown name lists the known ones."""
    path = _library_dir() / f"{name}.yaml"
    if not path.is_file():
        raise ModelError(f"no model named {name!r} in the library; known models: {', '.join(list_models())}")
    return path


def _looks_like_path(name_or_path: str | Path) -> bool:
    text = str(name_or_path)
    return isinstance(name_or_path, Path) or "/" in text or "\\" in text or text.endswith((".yaml", ".yml"))


def _field_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part).startswith("function-after") or str(part).startswith("function-"):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _plain(error: dict) -> str:
    kind = error.get("type", "")
    msg = str(error.get("msg", ""))
    if kind == "missing":
        return "is required but missing"
    if kind == "extra_forbidden":
        return "is not a field of the model specification (misspelt?)"
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if kind not in ("value_error", "assertion_error") and "input" in error:
        shown = repr(error["input"])
        if len(shown) <= 60:
            msg = f"{msg} (got {shown})"
    return msg


def _format(path: Path, exc: ValidationError) -> str:
    lines = [f"{path}: {len(exc.errors())} problem(s) with the model:"]
    for err in exc.errors():
        lines.append(f"  - {_field_path(tuple(err['loc']))}: {_plain(err)}")
    return "\n".join(lines)


def _read(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ModelError(f"{path}: no such model file") from exc
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        raise ModelError(f"{path}: cannot read the model file ({exc})") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        raise ModelError(f"{path}: not valid YAML at {where}: {exc.problem}") from exc
    except yaml.YAMLError as exc:
        raise ModelError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ModelError(f"{path}: a model file must be a YAML mapping of fields, got {type(data).__name__}")
    return data


def check_model_file(path: str | Path) -> DeliveryModel:
    """Read and validate one model file, raising :class:`ModelError` listing every problem found."""
    path = Path(path)
    data = _read(path)
    try:
        model = DeliveryModel.model_validate(data)
    except ValidationError as exc:
        raise ModelError(_format(path, exc)) from None
    unknown = [name for name in model.composes if name not in list_models()]
    if unknown:
        raise ModelError(f"{path}: composes: {', '.join(map(repr, unknown))} not in the library "
                         f"({', '.join(list_models())})")
    return model


@cache
def _load_library_model(name: str) -> DeliveryModel:
    return check_model_file(library_path(name))


def load_model(name_or_path: str | Path) -> DeliveryModel:
    """A library model by name, or a model file by path, validated against the specification."""
    if _looks_like_path(name_or_path):
        return check_model_file(name_or_path)
    return _load_library_model(str(name_or_path))
