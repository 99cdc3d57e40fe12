"""``carenet serve --workers``: several worker processes on PostgreSQL, one on SQLite, and what they share."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from carenet.service.audit.log import (
    AuditEntry,
    append_all,
    event_hash,
    flush,
    hashed_text,
    record,
    store_version,
    verify_chain,
)
from carenet.service.serving import WorkersRefused, resolve_workers, server_options
from carenet.service.settings import ServiceSettings
from carenet.service.store import open_store
from carenet.service.worklists.cache import WorklistCache, generations, mark_changed, note_changes
from conftest import fresh_postgres_url

SETTINGS = ServiceSettings.from_parameters()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(args: list[str], cwd, log):
    with log.open("w") as out:
        return subprocess.Popen([sys.executable, "-c", "from carenet.cli import main; main()", "serve", *args],
                                cwd=cwd, env={**os.environ, "COLUMNS": "200"}, stdout=out, stderr=subprocess.STDOUT)


def _answering(server, base: str, log, seconds: float = 240) -> float:
    """Wait until the service answers /health (fail if it stops or takes longer); the deadline, for later waits."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return deadline
        except httpx.TransportError:
            time.sleep(0.5)
        if server.poll() is not None:
            pytest.fail(f"carenet serve stopped: {log.read_text()}")
    pytest.fail(f"carenet serve did not answer within {seconds:.0f} s: {log.read_text()}")


def test_the_default_is_a_worker_a_core_on_postgresql_and_one_on_sqlite():
    assert SETTINGS.workers_per_core == 1
    assert resolve_workers(None, "postgresql", SETTINGS, 4) == 4
    assert resolve_workers(None, "postgresql", SETTINGS, None) == 1
    assert resolve_workers(None, "sqlite", SETTINGS, 4) == 1
    assert resolve_workers(3, "postgresql", SETTINGS, 2) == 3
    assert resolve_workers(1, "sqlite", SETTINGS, 8) == 1
    with pytest.raises(WorkersRefused, match="several worker processes need a PostgreSQL store"):
        resolve_workers(2, "sqlite", SETTINGS, 8)


def test_serve_runs_on_uvloop_and_httptools_when_they_are_installed(monkeypatch):
    import importlib.util

    assert server_options() == {"loop": "uvloop", "http": "httptools"}  # both are dependencies
    found = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *args: None if name in ("uvloop", "httptools") else found(name, *args))
    assert server_options() == {"loop": "asyncio", "http": "h11"}


def test_serve_refuses_several_workers_on_sqlite_before_laying_out_the_demo(tmp_path):
    done = subprocess.run([sys.executable, "-c", "from carenet.cli import main; main()", "serve", "--demo",
                           "--demo-patients", "300", "--workers", "2", "--port", str(_free_port())], cwd=tmp_path,
                          env={**os.environ, "COLUMNS": "200"}, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    output = " ".join((done.stdout + done.stderr).split())
    assert "--workers 2: several worker processes need a PostgreSQL store" in output
    assert "Laying" not in output and "internal error" not in output


def test_serve_demo_with_two_workers_on_postgresql(tmp_path, postgres_options):
    url = fresh_postgres_url(postgres_options)
    port = _free_port()
    log = tmp_path / "serve.log"
    server = _serve(["--demo", "--db", url, "--demo-patients", "300", "--workers", "2", "--port", str(port)],
                    tmp_path, log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = _answering(server, base, log)
        while time.monotonic() < deadline and len(set(re.findall(r"Started server process \[(\d+)\]",
                                                                log.read_text()))) < 2:
            time.sleep(0.5)
        output = log.read_text()
        assert output.count("Demo logins") == 1  # seeded once, before the workers start
        assert len(set(re.findall(r"Started server process \[(\d+)\]", output))) == 2, output
        password = re.search(r"demo\.receptionist\s*│\s*(\S+)\s*│", output).group(1)
        token = httpx.post(f"{base}/auth/token", json={"username": "demo.receptionist", "password": password})
        assert token.status_code == 200, token.text
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        for _ in range(20):  # each on a new connection, taken by either worker
            assert httpx.get(f"{base}/booking/queue", headers=headers).status_code == 200
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            pytest.fail("carenet serve --workers 2 did not stop on Ctrl-C")
    store = open_store(url, migrate_to=None)
    try:
        with store.engine.connect() as connection:
            assert verify_chain(connection) > 0
    finally:
        store.close()


def test_a_change_committed_elsewhere_drops_a_kept_worklist(store_db):
    """Two worker processes each keep a worklist; a change committed through one is seen by the other's."""
    store = open_store(store_db)
    other_worker = WorklistCache(dt.timedelta(minutes=5))
    now = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    computed = []

    def compute():
        computed.append(1)
        return len(computed)

    try:
        with store.engine.connect() as connection:
            assert other_worker.get("P1", now.date(), now, compute, generations(connection, "P1"))[0] == 1
            assert other_worker.get("P1", now.date(), now, compute, generations(connection, "P1"))[0] == 1
            connection.rollback()
        with store.engine.begin() as connection:  # this worker records a review for a patient of P1
            mark_changed(connection, "P1")
            assert note_changes(connection) == {"P1"}
        with store.engine.connect() as connection:
            assert other_worker.get("P1", now.date(), now, compute, generations(connection, "P1"))[0] == 2
            assert other_worker.get("P2", now.date(), now, compute, generations(connection, "P2"))[0] == 3
            connection.rollback()
        with store.engine.begin() as connection:  # a change to every practice's worklists
            mark_changed(connection)
            note_changes(connection)
        with store.engine.connect() as connection:
            assert other_worker.get("P2", now.date(), now, compute, generations(connection, "P2"))[0] == 4
            assert generations(connection, "P1") == (1, 1)
    finally:
        store.close()


def test_events_appended_at_once_by_many_requests_chain_as_one(store_db):
    """Requests appending one event each at the same moment (on PostgreSQL one statement each, hashed by the
    database) leave one unbroken chain, and the store's count of writes counts theirs."""
    import threading

    store = open_store(store_db)
    at = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    failures = []

    def request(n: int) -> None:
        try:
            for k in range(15):
                with store.engine.begin() as connection:
                    record(connection, AuditEntry(at + dt.timedelta(microseconds=k), f'U"{n}"', "gp", f"P{n}",
                                                  "Appointment", None, "create" if k % 3 == 0 else "read", "allowed",
                                                  "own-practice-clinician", f"why \u00e9 {k}"))
                    flush(connection)
        except Exception as failed:  # noqa: BLE001 - reported below
            failures.append(failed)

    try:
        threads = [threading.Thread(target=request, args=(n,)) for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        with store.engine.connect() as connection:
            assert verify_chain(connection) == 6 * 15
            assert store_version(connection) == 6 * 5
    finally:
        store.close()


def test_the_hashed_text_is_split_only_where_its_seq_goes():
    at = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    tricky = AuditEntry(at, '"seq":0,"user_id":"x', '"seq":0,"user_id":', None, "Patient", None, "read", "denied",
                        None, 'a "seq":0,"user_id": b')
    for entry in (tricky, AuditEntry(at, None, None, None, "Patient", None, "read", "allowed", None, None)):
        before, after = hashed_text(entry)
        for seq in (1, 12345678901):
            assert hashlib.sha256(("f" * 64 + before + str(seq) + after).encode()).hexdigest() == \
                event_hash("f" * 64, seq, entry)


def test_events_appended_together_chain_as_one_by_one(store_db):
    store = open_store(store_db)
    at = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    entries = [AuditEntry(at, f"U{n}", "gp", f"P{n}", "Patient", None, "read", "allowed", "own-practice-clinician",
                          "why") for n in range(5)]
    try:
        with store.engine.begin() as connection:
            assert append_all(connection, entries[:1]) == 1
            assert append_all(connection, entries[1:4]) == 4
            for entry in entries[4:]:
                record(connection, entry)
            flush(connection)
        with store.engine.connect() as connection:
            assert verify_chain(connection) == 5
    finally:
        store.close()


@pytest.mark.parametrize("access_log", [True, False])
def test_the_access_log_line_for_every_request_can_be_turned_off(tmp_path, access_log):
    """uvicorn's line per request is on by default and off with --no-access-log (the audit log is kept either way)."""
    port = _free_port()
    log = tmp_path / "serve.log"
    flags = [] if access_log else ["--no-access-log"]
    server = _serve(["--demo", "--demo-patients", "300", "--port", str(port), *flags], tmp_path, log)
    try:
        _answering(server, f"http://127.0.0.1:{port}", log)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
    assert ('"GET /health HTTP/1.1" 200' in log.read_text()) is access_log
