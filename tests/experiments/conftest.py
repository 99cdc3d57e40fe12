"""Fixtures of the experiment tests: one real comparison, run once per session."""

from __future__ import annotations

import pytest
from experiment_setup import run_comparison


@pytest.fixture(scope="session")
def comparison(tmp_path_factory):
    return run_comparison(tmp_path_factory.mktemp("compare") / "run")
