"""Every reference in the README and docs/ leads somewhere: relative links and the .md files the text names resolve
to files in the project, and no page points into one developer's machine."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
NAMED = re.compile(r"(?<![\w/.:-])((?:\.\./|[\w.-]+/)*[\w.-]+\.md)\b")
ABSOLUTE = re.compile(r"(?<![\w.])(/(?:work|home|root|Users|tmp)/[\w./-]+)")


def _page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


def _without_urls(text: str) -> str:
    return re.sub(r"[a-z]+://\S+", "", text)


def _resolves(page: Path, target: str, anywhere: bool) -> bool:
    bases = [page.parent, ROOT, ROOT / "docs"] if anywhere else [page.parent]
    return any((base / target).exists() for base in bases)


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_relative_links_resolve(page: Path) -> None:
    broken = []
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        path = target.split("#", 1)[0]
        if path and not _resolves(page, path, anywhere=False):
            broken.append(target)
    assert not broken, f"{_page_id(page)} links to missing files: {broken}"


@pytest.mark.parametrize("page", [p for p in PAGES if "reference" not in p.parts], ids=_page_id)
def test_named_documents_exist(page: Path) -> None:
    """(The research notes in docs/reference/ are kept as written: they name other projects' files.)"""
    text = _without_urls(page.read_text(encoding="utf-8"))
    missing = sorted({name for name in NAMED.findall(text) if not _resolves(page, name, anywhere=True)})
    assert not missing, f"{_page_id(page)} names documents that are not in the project: {missing}"


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_no_path_on_a_developers_machine(page: Path) -> None:
    found = ABSOLUTE.findall(_without_urls(page.read_text(encoding="utf-8")))
    assert not found, f"{_page_id(page)} names paths on one machine: {found}"


def test_the_checks_catch_a_missing_document(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("See [the notes](notes.md) and benchmarks.md.", encoding="utf-8")
    assert not _resolves(page, "notes.md", anywhere=False)
    assert NAMED.findall(page.read_text()) == ["notes.md", "benchmarks.md"]
