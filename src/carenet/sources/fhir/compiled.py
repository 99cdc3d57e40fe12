"""A compiled, all-Rust validator derived from the ``fhir.resources`` R4B models, for throughput.

The R4B models validate through many Python hooks (about 4 MB/s per core). This module walks the
same models — their elements, JSON names, cardinalities, required elements, choice groups and
primitive types with the packages' own patterns — and compiles one ``pydantic-core`` schema per
resource type that runs without Python calls except for the few checks a schema cannot express.

The walk imports and builds the R4B model classes, which costs most of a second; its result (plain
schema data) is kept in a cache file keyed by this module's source and the packages' versions, so an
import of valid data needs neither the models nor the walk.

Each type has a *lean* schema, without the extensions of primitive elements (``_birthDate``) and
``fhir_comments`` (rare in data, they double the keys every element is checked against), and a
*full* one with them, for the resources the lean one does not accept.

Both are deliberately *stricter* than the models: JSON ``null``, numbers written as strings,
elements given by their Python names, contained resources, leap seconds, more than six decimals of
a second and rarely used primitives (``url``, ``uuid``, ``base64Binary``) are not accepted here.
:func:`validation_errors` in :mod:`carenet.sources.fhir.validation` treats their acceptance as final
and their rejection only as a reason to ask the R4B model, whose verdict and messages stand; so the
importer accepts exactly what the R4B models accept, and the tests check that this module never
accepts what they reject.
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
_ZONE = r"(Z|([+\-])((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
_LEAP_YEAR = r"([0-9]{2}(0[48]|[2468][048]|[13579][26])|(0[48]|[2468][048]|[13579][26])00)"
_MONTH_DAY = r"((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))"
_DAY = rf"({_YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)"
"""A day of the calendar (29 February in leap years only), so that a date needs no parsing."""
_SECOND = r"([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?"
_CALENDAR = {
    "Date": rf"^({_DAY}|{_YEAR}(-(0[1-9]|1[0-2]))?)$",
    "DateTime": rf"^({_DAY}(T{_SECOND}{_ZONE})?|{_YEAR}(-(0[1-9]|1[0-2]))?)$",
    "Instant": rf"^{_DAY}T{_SECOND}{_ZONE}$",
    "Time": rf"^{_SECOND}$",
}
"""The date and time types as patterns that accept only real days and times (microseconds at most):
what ``fhir_core``'s patterns and calendar checks accept, less the rare forms left to the R4B model,
checked without building date objects."""
_DECIMAL_RE = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$")


_BASE_VALIDATORS = frozenset({"reject_null_complex_elements", "validate_after_model_construction"})
"""Model validators every FHIRAbstractModel has; what they check is translated here."""


class Unsupported(Exception):
    """An element type this compiler does not translate; resources using it go to the R4B model."""


def _refuse(value: Any) -> Any:
    raise PydanticCustomError("carenet_fast_path", "left to the R4B model")


_REFUSE = core_schema.no_info_plain_validator_function(_refuse)
_COMMENTS = core_schema.union_schema([core_schema.str_schema(strict=True),
                                      core_schema.list_schema(core_schema.str_schema(strict=True))])


def _decimal_text(value: Any) -> Any:
    """A JSON number whose text is a FHIR decimal (the R4B model checks the same pattern)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not _DECIMAL_RE.fullmatch(str(value)):
        raise PydanticCustomError("carenet_fast_path", "left to the R4B model")
    return value


def _int(low: int, high: int) -> core_schema.CoreSchema:
    return core_schema.int_schema(strict=True, ge=low, le=high)


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
    **{name: core_schema.str_schema(strict=True, pattern=pattern) for name, pattern in _CALENDAR.items()},
    "Decimal": core_schema.no_info_plain_validator_function(_decimal_text),
    "Integer": _int(-_MAX_INT - 1, _MAX_INT),
    "UnsignedInt": _int(0, _MAX_INT),
    "PositiveInt": _int(1, _MAX_INT),
}
"""fhir_core primitive markers → schema, with the patterns of ``fhir_core.types``."""


class _Compiler:
    """Translates R4B model classes into ``pydantic-core`` definitions, one per class.

    One compiler serves every resource type, so the data types they share (Extension, Coding,
    Reference …) are walked once. A *lean* compiler leaves out the extensions of primitive elements
    (``_birthDate``) and ``fhir_comments``: rare in data, they would double the keys every element is
    checked against; a resource that has them is checked by the *full* schema.
    """

    def __init__(self, full: bool = False) -> None:
        self.full = full
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
            self.definitions[name] = _REFUSE  # sentinel while recursing (Extension holds Extension)
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
                if self.full:
                    fields[key] = core_schema.typed_dict_field(_COMMENTS, required=False)
            elif self.full or not key.startswith("_"):
                fields[key] = core_schema.typed_dict_field(self.annotation(info.annotation),
                                                           required=info.is_required())
        if model.has_resource_base():
            fields["resourceType"] = core_schema.typed_dict_field(
                core_schema.literal_schema([model.get_resource_type()]), required=False)
        required = []
        for name, ext in model.get_required_fields(None):
            if ext and self.full:
                required.append((alias[name], alias[ext]))  # the element, or its _element with an extension
            else:
                fields[alias[name]]["required"] = True
        choices = []
        for group in model.get_one_of_many_fields(None).values():
            extra = model.model_fields[group[0]].json_schema_extra or {}
            choices.append(([alias[n] for n in group], bool(extra.get("one_of_many_required"))))
        any_of = [["id", "extension", "fhir_comments"]] if own else []  # FHIRPrimitiveExtension's own rule
        if len(choices) == 1 and len(choices[0][0]) >= _TAGGED_FROM and not any_of and not required:
            return _one_of(fields, *choices[0], ref)
        inner = core_schema.typed_dict_schema(fields, extra_behavior="forbid", total=False)
        if not choices and not any_of and not required:
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


_TAGGED_FROM = 8
"""A choice group this large (``Extension.value[x]``: 50 types) is compiled as one small typed dict per
choice, picked by the key present, rather than one typed dict holding every choice."""


def _one_of(fields: dict[str, core_schema.TypedDictField], keys: list[str], needed: bool,
            ref: str) -> core_schema.CoreSchema:
    """The element whose choice group is ``keys``: at most one of them (exactly one when ``needed``)."""
    common = {k: f for k, f in fields.items() if k not in keys}
    branches = {k: core_schema.typed_dict_schema({**common, k: fields[k]}, extra_behavior="forbid", total=False)
                for k in keys}
    if not needed:
        branches[""] = core_schema.typed_dict_schema(common, extra_behavior="forbid", total=False)
    return core_schema.tagged_union_schema(branches, _ChoiceTag(keys), ref=ref)


class _ChoiceTag:
    """The choice key present in an element ("" for none; None, a failure, for what is not an object).

    A second choice key present is then rejected by the branch of the first, as an extra key.
    """

    def __init__(self, keys: list[str]):
        self.keys = frozenset(keys)
        self.__name__ = "choice"  # pydantic-core names a discriminator function in its messages

    def __call__(self, value: Any) -> str | None:
        if not isinstance(value, dict):
            return None
        for key in value:
            if key in self.keys:
                return key
        return ""


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
_CACHE_PREFIX = "fhir-r4b-validators-"


def _cache_file() -> Path:
    """Where the compiled schemas of this module's source and these package versions are kept."""
    versions = [importlib.metadata.version(p) for p in ("fhir.resources", "fhir-core", "pydantic-core")]
    stamp = hashlib.sha256(Path(__file__).read_bytes())
    stamp.update(repr((versions, sys.version_info[:2])).encode())
    base = os.environ.get(_CACHE_ENV) or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "carenet")
    return Path(base) / f"{_CACHE_PREFIX}{stamp.hexdigest()[:20]}.pickle"


def _load(path: Path) -> dict[tuple[str, bool], core_schema.CoreSchema | None]:
    try:
        with path.open("rb") as handle:
            found = pickle.load(handle)
    except Exception:  # noqa: BLE001 - a missing, unreadable or stale cache is rebuilt
        return {}
    return found if isinstance(found, dict) else {}


def _store(path: Path, schemas: dict[tuple[str, bool], core_schema.CoreSchema | None]) -> None:
    """Write the cache atomically; a folder that cannot be written only means no cache."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=path.parent, delete=False, suffix=".tmp") as handle:
            pickle.dump(schemas, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, path)
        for stale in path.parent.glob(f"{_CACHE_PREFIX}*.pickle"):
            if stale != path:
                stale.unlink(missing_ok=True)
    except OSError:
        return


Variant = tuple[str, bool]
"""A resource type and whether its schema is the full one (see :class:`_Compiler`)."""
_SCHEMAS: dict[Variant, core_schema.CoreSchema | None] = {}


def compiled_schemas(variants: Iterable[Variant]) -> dict[Variant, core_schema.CoreSchema | None]:
    """The compiled schema of each (type, full) of ``variants`` (None: not translatable), from the cache
    when it holds them all, else compiled (one walk over the models for all of them) and cached."""
    variants = list(dict.fromkeys(variants))
    wanted = [v for v in variants if v not in _SCHEMAS]
    if wanted:
        path = _cache_file()
        stored = _load(path)
        if not all(v in stored for v in wanted):
            compilers = {full: _Compiler(full) for full in (False, True)}
            for name, full in (v for v in wanted if v not in stored):
                try:
                    stored[(name, full)] = compilers[full].resource(name)
                except Unsupported:
                    stored[(name, full)] = None
            _store(path, stored)
        _SCHEMAS.update({v: stored[v] for v in wanted})
    return {v: _SCHEMAS[v] for v in variants}


@cache
def compiled_validator(resource_type: str, full: bool = False) -> SchemaValidator | None:
    """The compiled validator of ``resource_type`` (lean, or ``full``), or None when its model cannot be
    translated. Every type carenet reads is compiled (and cached) at once, in both forms."""
    every = [(name, form) for name in (*READ_TYPES, resource_type) for form in (False, True)]
    schema = compiled_schemas(every)[(resource_type, full)]
    return None if schema is None else SchemaValidator(schema)


def accepts(resource: dict[str, Any]) -> bool:
    """Whether a compiled validator accepts ``resource``: the lean one, else the full one (False also when
    there is none for its type)."""
    for full in (False, True):
        validator = compiled_validator(resource["resourceType"], full)
        if validator is None:
            continue
        try:
            validator.validate_python(resource)
        except Exception:  # noqa: BLE001 - any failure only sends the resource on, in the end to the R4B model
            continue
        return True
    return False
