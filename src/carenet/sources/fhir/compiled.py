"""A compiled, all-Rust validator derived from the ``fhir.resources`` R4B models, for throughput.

The R4B models validate through many Python hooks (about 4 MB/s per core). This module walks the
same models — their elements, JSON names, cardinalities, required elements, choice groups and
primitive types with the packages' own patterns — and compiles one ``pydantic-core`` schema per
resource type that runs without Python calls except for the few checks a schema cannot express.

The walk imports and builds the R4B model classes, which costs most of a second; its result (plain
schema data) is kept in a cache file keyed by this module's source and the packages' versions, so an
import of valid data needs neither the models nor the walk.

It is deliberately *stricter* than the models: JSON ``null``, numbers written as strings, elements
given by their Python names, contained resources, leap seconds and rarely used primitives
(``url``, ``uuid``, ``base64Binary``) are not accepted here. :func:`validation_errors` in
:mod:`carenet.sources.fhir.validation` treats its acceptance as final and its rejection only as a
reason to ask the R4B model, whose verdict and messages stand; so the importer accepts exactly what
the R4B models accept, and the tests check that this module never accepts what they reject.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import importlib.metadata
import os
import pickle
import re
import sys
import tempfile
import types
import typing
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from fhir_core import constraints
from pydantic_core import PydanticCustomError, SchemaValidator, core_schema

from carenet.sources.fhir.vocabulary import READ_TYPES

_NONE = type(None)
_MAX_INT = 2147483647
_STRING = "[ \r\n\t\\S]+"
_CODE = r"^[^\s]+(\s[^\s]+)*$"
_YEAR = r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)"
_DATE = rf"^{_YEAR}(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?$"
_PARTIAL_DATE = rf"^{_YEAR}(-(0[1-9]|1[0-2]))?$"
_TIME = r"([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?"
_ZONE = r"(Z|([+\-])((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
_DATE_TIME = rf"^{_YEAR}(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T{_TIME}{_ZONE})?)?)?$"
_INSTANT = rf"^{_YEAR}-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])T{_TIME}{_ZONE}$"
_DECIMAL_RE = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$")


_BASE_VALIDATORS = frozenset({"reject_null_complex_elements", "validate_after_model_construction"})
"""Model validators every FHIRAbstractModel has; what they check is translated here."""


class Unsupported(Exception):
    """An element type this compiler does not translate; resources using it go to the R4B model."""


def _refuse(value: Any) -> Any:
    raise PydanticCustomError("carenet_fast_path", "left to the R4B model")


_REFUSE = core_schema.no_info_plain_validator_function(_refuse)


def _decimal_text(value: Any) -> Any:
    """A JSON number whose text is a FHIR decimal (the R4B model checks the same pattern)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not _DECIMAL_RE.fullmatch(str(value)):
        raise PydanticCustomError("carenet_fast_path", "left to the R4B model")
    return value


def _int(low: int, high: int) -> core_schema.CoreSchema:
    return core_schema.int_schema(strict=True, ge=low, le=high)


def _chain(pattern: str, *then: core_schema.CoreSchema) -> core_schema.CoreSchema:
    text = core_schema.str_schema(strict=True, pattern=pattern)
    return core_schema.chain_schema([text, core_schema.union_schema(list(then))]) if then else text


_PRIMITIVES: dict[str, core_schema.CoreSchema] = {
    "String": core_schema.str_schema(strict=True, pattern=_STRING),
    "Markdown": core_schema.str_schema(strict=True),
    "Uri": core_schema.str_schema(strict=True),
    "Canonical": core_schema.str_schema(strict=True),
    "Xhtml": core_schema.str_schema(strict=True),
    "Code": core_schema.str_schema(strict=True, pattern=_CODE),
    "Id": core_schema.str_schema(strict=True, pattern=constraints.TYPES_ID_PATTERN,
                                 max_length=constraints.TYPES_ID_MAX_LENGTH),
    "Oid": core_schema.str_schema(strict=True, pattern=r"^urn:oid:[0-2](\.(0|[1-9][0-9]*))+$"),
    "Date": _chain(_DATE, core_schema.date_schema(), core_schema.str_schema(pattern=_PARTIAL_DATE)),
    "DateTime": _chain(_DATE_TIME, core_schema.datetime_schema(), core_schema.date_schema(),
                       core_schema.str_schema(pattern=_PARTIAL_DATE)),
    "Instant": _chain(_INSTANT, core_schema.datetime_schema()),
    "Time": _chain(rf"^{_TIME}$", core_schema.time_schema()),
    "Decimal": core_schema.no_info_plain_validator_function(_decimal_text),
    "Integer": _int(-_MAX_INT - 1, _MAX_INT),
    "UnsignedInt": _int(0, _MAX_INT),
    "PositiveInt": _int(1, _MAX_INT),
}
"""fhir_core primitive markers → schema, with the patterns of ``fhir_core.types``."""


class _Compiler:
    """Translates R4B model classes into ``pydantic-core`` definitions, one per class.

    One compiler serves every resource type, so the data types they share (Extension, Coding,
    Reference …) are walked once.
    """

    def __init__(self) -> None:
        self.definitions: dict[str, core_schema.CoreSchema] = {}

    def resource(self, resource_type: str) -> core_schema.CoreSchema:
        """The complete schema of ``resource_type``; raises :class:`Unsupported` (and forgets the
        half-translated definitions) when its model holds a type this compiler cannot translate."""
        from fhir.resources.R4B import get_fhir_model_class

        before = dict(self.definitions)
        try:
            root = self.model(get_fhir_model_class(resource_type))
        except (Unsupported, ValueError, TypeError, KeyError, AttributeError) as exc:
            self.definitions = before
            raise Unsupported(resource_type) from exc
        return core_schema.definitions_schema(root, list(self.definitions.values()))

    def model(self, model: type) -> core_schema.CoreSchema:
        name = f"{model.__module__}.{model.__qualname__}"
        if name not in self.definitions:
            self.definitions[name] = _REFUSE  # placeholder while recursing (Extension holds Extension)
            self.definitions[name] = self._model(model, name)
        return core_schema.definition_reference_schema(name)

    def _model(self, model: type, ref: str) -> core_schema.CoreSchema:
        own = set(model.__pydantic_decorators__.model_validators) - _BASE_VALIDATORS
        if own - {"validate_extension_or_fhir_comment_required"} or model.__pydantic_decorators__.field_validators:
            return {**_REFUSE, "ref": ref}  # a rule this compiler does not know: left to the R4B model
        fields: dict[str, core_schema.TypedDictField] = {}
        alias: dict[str, str] = {}
        for name, info in model.model_fields.items():
            key = info.alias or name
            alias[name] = key
            if name == "fhir_comments":
                schema = core_schema.union_schema([core_schema.str_schema(strict=True),
                                                   core_schema.list_schema(core_schema.str_schema(strict=True))])
            else:
                schema = self.annotation(info.annotation)
            fields[key] = core_schema.typed_dict_field(schema, required=info.is_required())
        if model.has_resource_base():
            fields["resourceType"] = core_schema.typed_dict_field(
                core_schema.literal_schema([model.get_resource_type()]), required=False)
        required = []
        for name, ext in model.get_required_fields(None):
            if ext:
                required.append((alias[name], alias[ext]))
            else:
                fields[alias[name]]["required"] = True
        choices = []
        for group in model.get_one_of_many_fields(None).values():
            extra = model.model_fields[group[0]].json_schema_extra or {}
            choices.append(([alias[n] for n in group], bool(extra.get("one_of_many_required"))))
        inner = core_schema.typed_dict_schema(fields, extra_behavior="forbid", total=False)
        any_of = [["id", "extension", "fhir_comments"]] if own else []  # FHIRPrimitiveExtension's own rule
        if not required and not choices and not any_of:
            return core_schema.typed_dict_schema(fields, extra_behavior="forbid", total=False, ref=ref)
        return core_schema.no_info_after_validator_function(_ElementRules(required, choices, any_of), inner,
                                                            ref=ref)

    def annotation(self, annotation: Any) -> core_schema.CoreSchema:
        origin = typing.get_origin(annotation)
        if origin in (typing.Union, types.UnionType):
            options = [a for a in typing.get_args(annotation) if a is not _NONE]
            if len(options) != 1:
                raise Unsupported(str(annotation))
            return self.annotation(options[0])
        if origin in (list, typing.List):  # noqa: UP006 - the models use typing.List
            (item,) = typing.get_args(annotation)
            inner = self.annotation(item)
            return core_schema.list_schema(core_schema.nullable_schema(inner) if _is_primitive(item) else inner)
        if origin is typing.Annotated:
            return self._primitive(annotation)
        if annotation is bool:
            return core_schema.bool_schema(strict=True)
        if isinstance(annotation, type) and hasattr(annotation, "get_model_klass"):
            if annotation.__name__ in ("ResourceType", "ElementType"):
                return _REFUSE  # contained resources: any type, left to the R4B model
            return self.model(annotation.get_model_klass())
        raise Unsupported(str(annotation))

    def _primitive(self, annotation: Any) -> core_schema.CoreSchema:
        for marker in typing.get_args(annotation)[1:]:
            kind = type(marker).__name__ if not isinstance(marker, type) else marker.__name__
            if kind in _PRIMITIVES:
                return _PRIMITIVES[kind]
        return _REFUSE  # url, uuid, base64Binary and anything new: left to the R4B model


def _is_primitive(annotation: Any) -> bool:
    return typing.get_origin(annotation) is typing.Annotated or annotation in (bool, str, int, decimal.Decimal,
                                                                               dt.date, dt.datetime)


class _ElementRules:
    """The checks a typed dict cannot express: required primitives (or their extension), choice groups
    (at most one, or exactly one when required) and groups of which at least one must be present.

    A class rather than a closure so that compiled schemas can be pickled into the cache.
    """

    def __init__(self, required: list[tuple[str, str]], choices: list[tuple[list[str], bool]],
                 any_of: list[list[str]]):
        self.required = required
        self.choice_sets = [(frozenset(keys), needed) for keys, needed in choices]
        self.any_sets = [frozenset(keys) for keys in any_of]

    def __call__(self, value: dict[str, Any]) -> dict[str, Any]:
        present = value.keys()
        for keys in self.any_sets:
            if not keys & present:
                raise PydanticCustomError("missing", "one of {keys} is required", {"keys": ", ".join(sorted(keys))})
        for key, ext in self.required:
            if key not in value and not (value.get(ext) or {}).get("extension"):
                raise PydanticCustomError("missing", "required element {key} is missing", {"key": key})
        for keys, needed in self.choice_sets:
            found = len(keys & present)
            if found > 1 or (needed and not found):
                raise PydanticCustomError("choice", "choice element: one of {keys}", {"keys": ", ".join(sorted(keys))})
        return value


_CACHE_ENV = "CARENET_CACHE_DIR"
"""Environment variable naming the folder of carenet's caches (default: the user's cache folder)."""


def _cache_file() -> Path:
    """Where the compiled schemas of this module's source and these package versions are kept."""
    versions = [importlib.metadata.version(p) for p in ("fhir.resources", "fhir-core", "pydantic-core")]
    stamp = hashlib.sha256(Path(__file__).read_bytes())
    stamp.update(repr((versions, sys.version_info[:2])).encode())
    base = os.environ.get(_CACHE_ENV) or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "carenet")
    return Path(base) / f"fhir-r4b-validators-{stamp.hexdigest()[:20]}.pickle"


def _load(path: Path) -> dict[str, core_schema.CoreSchema | None]:
    try:
        with path.open("rb") as handle:
            found = pickle.load(handle)
    except Exception:  # noqa: BLE001 - a missing, unreadable or stale cache is rebuilt
        return {}
    return found if isinstance(found, dict) else {}


def _store(path: Path, schemas: dict[str, core_schema.CoreSchema | None]) -> None:
    """Write the cache atomically; a folder that cannot be written only means no cache."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=path.parent, delete=False, suffix=".tmp") as handle:
            pickle.dump(schemas, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, path)
    except OSError:
        return


_SCHEMAS: dict[str, core_schema.CoreSchema | None] = {}


def compiled_schemas(resource_types: Iterable[str]) -> dict[str, core_schema.CoreSchema | None]:
    """The compiled schema of each of ``resource_types`` (None: not translatable), from the cache when
    it holds them all, else compiled (one walk over the models for all of them) and cached."""
    wanted = [t for t in dict.fromkeys(resource_types) if t not in _SCHEMAS]
    if wanted:
        path = _cache_file()
        stored = _load(path)
        if not all(t in stored for t in wanted):
            compiler = _Compiler()
            for name in (t for t in wanted if t not in stored):
                try:
                    stored[name] = compiler.resource(name)
                except Unsupported:
                    stored[name] = None
            _store(path, stored)
        _SCHEMAS.update({t: stored[t] for t in wanted})
    return {t: _SCHEMAS[t] for t in resource_types}


@cache
def compiled_validator(resource_type: str) -> SchemaValidator | None:
    """The compiled validator of ``resource_type``, or None when its model cannot be translated."""
    schema = compiled_schemas([*READ_TYPES, resource_type])[resource_type]
    return None if schema is None else SchemaValidator(schema)


def accepts(resource: dict[str, Any]) -> bool:
    """Whether the compiled validator accepts ``resource`` (False also when it has no validator for it)."""
    validator = compiled_validator(resource["resourceType"])
    if validator is None:
        return False
    try:
        validator.validate_python(resource)
    except Exception:  # noqa: BLE001 - any failure only sends the resource to the R4B model
        return False
    return True
