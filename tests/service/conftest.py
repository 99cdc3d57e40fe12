"""Stores for the service tests: a SQLite file, and a fresh database on the session's PostgreSQL server."""

from __future__ import annotations

import datetime as dt
import itertools
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from carenet.service.api import Services
from carenet.service.app import create_app
from carenet.service.auth.passwords import PasswordHasher
from carenet.service.demo import build_demo_store, demo_population
from carenet.service.settings import ServiceSettings
from carenet.service.store import open_store

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


START = dt.date(2026, 3, 2)
NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
SETTINGS = ServiceSettings.from_parameters()


class Clock:
    def __init__(self):
        self.now = NOW

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += dt.timedelta(minutes=minutes)


@pytest.fixture(scope="session")
def population():
    return demo_population(START, patients=800)


@pytest.fixture
def demo(store_db, population):
    """(store, logins by role, client, clock) of the demo network with micro-teams laid over it."""
    store = open_store(store_db)
    hasher = PasswordHasher(SETTINGS)
    live, logins = build_demo_store(store, "micro_teams", START, SETTINGS, hasher, NOW, population)
    clock = Clock()
    client = TestClient(create_app(Services(store, SETTINGS, hasher, clock, live=live)))
    yield store, {login.role.code: login for login in logins}, client, clock
    client.close()
    store.close()
