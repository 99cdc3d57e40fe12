"""The suite's own layout: pytest imports test modules by basename (no packages), so two test files with one name
in different folders stop the whole run at collection."""

from collections import Counter
from pathlib import Path


def test_every_test_module_has_a_unique_basename():
    names = Counter(p.name for p in Path(__file__).parent.rglob("test_*.py"))
    assert not [n for n, k in names.items() if k > 1], sorted(n for n, k in names.items() if k > 1)
