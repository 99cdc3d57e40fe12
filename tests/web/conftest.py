"""The browser tests' service and browser: the demo network served by uvicorn on a free port, one headless
Chromium (Debian's) driven by Playwright for the whole session, axe-core injected into each screen."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import socket
import sys
import threading
import time
from pathlib import Path

import pytest

from carenet.service.api import Services
from carenet.service.app import create_app
from carenet.service.auth.passwords import PasswordHasher
from carenet.service.demo import build_demo_store, demo_population
from carenet.service.settings import ServiceSettings
from carenet.service.store import open_store

sys.path.insert(0, str(Path(__file__).parents[1] / "report"))

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
START = dt.date(2026, 3, 2)
NOW = dt.datetime(2026, 3, 2, 8, 30, tzinfo=dt.UTC)
SETTINGS = dataclasses.replace(ServiceSettings.from_parameters(), attempts_per_minute=10_000)
"""The clock stands still in these tests, so every login falls in one minute: the rate limit is lifted."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclasses.dataclass
class Served:
    url: str
    store: object
    logins: dict
    live: object


@pytest.fixture(scope="session")
def served(tmp_path_factory):
    """The demo network (800 patients, micro-teams) on a SQLite store, served over HTTP for the session."""
    import uvicorn

    store = open_store(str(tmp_path_factory.mktemp("web") / "store.db"))
    hasher = PasswordHasher(SETTINGS)
    live, logins = build_demo_store(store, "micro_teams", START, SETTINGS, hasher, NOW,
                                    demo_population(START, patients=800))
    twin = tmp_path_factory.mktemp("twin") / "scorecard.csv"
    twin.write_text("model,measure,mean,lo,hi\nmicro_teams,registered_patients,805,798,812\n"
                    "micro_teams,mean_wait_days,3.4,2.9,3.9\nphysician_led,mean_wait_days,6.1,5.5,6.8\n")
    app = create_app(Services(store, SETTINGS, hasher, lambda: NOW, live=live, twin_scorecard=twin))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the service did not start"
    yield Served(f"http://127.0.0.1:{port}", store, {login.role.code: login for login in logins}, live)
    server.should_exit = True
    thread.join(timeout=30)
    store.close()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session (skipped, saying why, when Chromium or Playwright is missing)."""
    if not Path(CHROMIUM).is_file():
        pytest.skip("Chromium is not installed (/usr/bin/chromium; .ci/run installs it)")
    playwright = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser):
    """A fresh browser context (cookies of its own), blocking every request off the test server."""
    ctx = browser.new_context(viewport={"width": 1100, "height": 900})
    ctx.set_default_timeout(20_000)
    yield ctx
    ctx.close()


@pytest.fixture
def no_js_context(browser):
    ctx = browser.new_context(viewport={"width": 1100, "height": 900}, java_script_enabled=False)
    ctx.set_default_timeout(20_000)
    yield ctx
    ctx.close()
