"""A dataset's ``manifest.json``: what it holds, where it came from, and which generation is current.

The manifest is how carenet recognises its own folders: a ``manifest.json`` whose
``schema_version`` is one this carenet reads (:data:`~carenet.schema.tables.READABLE_SCHEMA_VERSIONS`).
Any other ``manifest.json`` (a web app's, say) marks a folder carenet did not write.

Errors reading datasets are :class:`DatasetError` (a :class:`~carenet.schema.errors.CarenetError`
the CLI prints without a traceback) naming the file at fault.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from carenet.schema.errors import CarenetError
from carenet.schema.tables import READABLE_SCHEMA_VERSIONS, SCHEMA_VERSION

if TYPE_CHECKING:
    from carenet.schema.conflicts import WriteReport

MANIFEST = "manifest.json"


class DatasetError(CarenetError):
    """A dataset folder cannot be read or written; the message names the file and what to do."""


class MissingManifestError(DatasetError, FileNotFoundError):
    """The folder has no ``manifest.json``: it is not a dataset (also a ``FileNotFoundError``)."""


class CorruptManifestError(DatasetError, ValueError):
    """``manifest.json`` is not valid JSON (also a ``ValueError``)."""


class ForeignFolderError(DatasetError, FileExistsError):
    """The folder holds files carenet did not write; carenet refuses to write there (also a ``FileExistsError``)."""


@dataclass
class Manifest:
    """What a dataset holds and where it came from.

    ``generation`` names the folder under ``.carenet/`` holding the tables (``None`` for a dataset
    written before generations, whose tables sit directly in the folder). ``links`` is false when
    the file system could not hold the links that show each table in the folder (FAT, some network
    shares): the tables are then found through the manifest alone. ``report`` is set on
    the manifest :func:`~carenet.schema.dataset.write_dataset` returns: what the write added,
    updated and left unchanged (it is not stored).
    """

    schema_version: str = SCHEMA_VERSION
    sources: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    seed: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    generation: str | None = None
    links: bool = True
    report: WriteReport | None = field(default=None, compare=False, repr=False)

    def to_json(self) -> str:
        return json.dumps(
            {"schema_version": self.schema_version, "sources": self.sources, "counts": self.counts,
             "seed": self.seed, **({"extra": self.extra} if self.extra else {}),
             **({"generation": self.generation} if self.generation else {}),
             **({} if self.links else {"links": False})},
            indent=2, sort_keys=True,
        )

    @classmethod
    def parse(cls, raw: Any, path: Path) -> Manifest:
        """The manifest in the decoded JSON ``raw`` read from ``path``; :class:`ForeignFolderError` if not carenet's."""
        version = raw.get("schema_version") if isinstance(raw, dict) else None
        if not isinstance(version, str) or not isinstance(raw.get("counts", {}), dict):
            raise ForeignFolderError(f"{path.parent} is not a carenet dataset: it holds files carenet did not write "
                                     f"and its {MANIFEST} is not a carenet manifest; choose an empty or new folder")
        if version not in READABLE_SCHEMA_VERSIONS:
            raise DatasetError(f"{path}: schema version {version!r} is not one this carenet reads "
                               f"({', '.join(READABLE_SCHEMA_VERSIONS)}); use the carenet that wrote it")
        generation = raw.get("generation")
        if generation is not None and (not isinstance(generation, str) or "/" in generation
                                       or generation.startswith(".")):
            raise DatasetError(f"{path}: generation {generation!r} is not a folder name; restore {MANIFEST} from a "
                               "backup or re-import")
        return cls(version, list(raw.get("sources", [])), dict(raw.get("counts", {})), raw.get("seed"),
                   dict(raw.get("extra", {}) or {}), generation, raw.get("links") is not False)

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        """Read ``folder/manifest.json``; a clear :class:`DatasetError` if it is missing, corrupt or not carenet's."""
        path = Path(folder) / MANIFEST
        try:
            text = path.read_bytes()
        except FileNotFoundError:
            what = "no such folder" if not Path(folder).exists() else f"{MANIFEST} is missing"
            raise MissingManifestError(f"{folder} is not a carenet dataset: {what}") from None
        except IsADirectoryError:
            raise ForeignFolderError(f"{path} is a folder, not a carenet manifest; choose another folder") from None
        except OSError as exc:
            raise DatasetError(f"{path}: cannot be read ({exc.strerror}); check its permissions") from None
        try:
            raw = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise CorruptManifestError(f"{path}: not valid JSON ({exc}); the dataset's manifest is damaged — restore "
                                       "it from a backup or re-import into a new folder") from None
        return cls.parse(raw, path)


__all__ = ["MANIFEST", "CorruptManifestError", "DatasetError", "ForeignFolderError", "Manifest",
           "MissingManifestError"]
