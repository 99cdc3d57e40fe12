"""Stores for the service tests: a SQLite file, and a fresh database on the session's PostgreSQL server."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "measures"))

STORES = ("sqlite", "postgres")
_numbers = itertools.count()


def fresh_postgres_url(options: dict[str, object]) -> str:
    """A new, empty database on the test server, as a URL."""
    import psycopg

    name = f"carenet_service_{next(_numbers)}"
    with psycopg.connect(host=options["host"], port=options["port"], user=options["user"], dbname="postgres",
                         autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    return f"postgresql://{options['user']}@{options['host']}:{options['port']}/{name}"


@pytest.fixture(params=STORES)
def store_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each kind of store in turn: a SQLite file path, then a PostgreSQL URL of an empty database."""
    if request.param == "sqlite":
        return str(tmp_path / "store.db")
    return fresh_postgres_url(request.getfixturevalue("postgres_options"))
