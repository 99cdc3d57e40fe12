"""Shared fixtures: paths to the external real data beside the project, and a real PostgreSQL server.

The PostgreSQL server lives in a temporary folder for the whole session: ``initdb`` there, start on
a free localhost port with its unix socket beside the data, create a database, and stop and remove
everything at the end. PostgreSQL refuses to run as root, so as root the binaries run as the
``postgres`` system user. Without the binaries the postgres tests skip, saying why.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXTERNAL = ROOT.parent / "shared" / "external"

os.environ.setdefault("CARENET_WARM_KERNELS", "0")  # no background compilation started by the tests


@pytest.fixture(scope="session")
def external() -> Path:
    """``../shared/external``: real data nobody here wrote; tests skip if it is absent."""
    if not EXTERNAL.is_dir():
        pytest.skip(f"real open data not found at {EXTERNAL}: tests that check carenet against published NHS "
                    "files need that folder beside the project (README, 'Two commands')")
    return EXTERNAL


@pytest.fixture(scope="session")
def spark_connection():
    """One Ibis connection on a local Spark session (``local[2]``) for the whole test session; skips without Java."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Java not found: the Spark backend tests need a JDK 17 or later (.ci/run installs one)")
    from carenet.measures.backend import connect
    from carenet.measures.spark import SMALL_DATA_CONF, stop_spark

    con = connect("pyspark", master="local[2]", conf=SMALL_DATA_CONF)
    yield con
    stop_spark()


PG_BIN_DIRS = (os.environ.get("CARENET_PG_BIN", ""), "/usr/lib/postgresql/15/bin")
PG_DATABASE = "carenet_test"
PG_START_SECONDS = 30


def _pg_bin() -> Path | None:
    for folder in PG_BIN_DIRS:
        if folder and (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(args: list[str]) -> list[str]:
    """Prefix ``args`` so they run as the unprivileged ``postgres`` user when we are root."""
    if os.geteuid() != 0:
        return args
    return ["runuser", "-u", "postgres", "--", *args]


@pytest.fixture(scope="session")
def postgres_options() -> Iterator[dict[str, object]]:
    """Connection options of a throw-away PostgreSQL server (skips if PostgreSQL is not installed)."""
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip(f"PostgreSQL binaries not found in {', '.join(d for d in PG_BIN_DIRS if d)}")
    if os.geteuid() == 0:
        try:
            server_user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to run the server as")
        if shutil.which("runuser") is None:
            pytest.skip("running as root and 'runuser' is not available to drop privileges")
    root = Path(tempfile.mkdtemp(prefix="carenet-pg-"))
    data = root / "data"
    log = root / "server.log"
    if os.geteuid() == 0:
        os.chown(root, server_user.pw_uid, server_user.pw_gid)
    port = _free_port()
    pg_ctl = str(bin_dir / "pg_ctl")
    try:
        subprocess.run(_as_server_user([str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                                        "-E", "UTF8", "--locale=C", "--no-sync"]),
                       check=True, capture_output=True, timeout=120)
        server_opts = (f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
                       "-c synchronous_commit=off -c full_page_writes=off")
        subprocess.run(_as_server_user([pg_ctl, "start", "-w", "-t", str(PG_START_SECONDS), "-D", str(data),
                                        "-l", str(log), "-o", server_opts]),
                       check=True, capture_output=True, timeout=PG_START_SECONDS + 10)
    except subprocess.CalledProcessError as exc:
        details = exc.stderr.decode(errors="replace") + (log.read_text() if log.is_file() else "")
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"could not start PostgreSQL: {details}")
    try:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres",
                             autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {PG_DATABASE}")
        yield {"host": "127.0.0.1", "port": port, "user": "postgres", "database": PG_DATABASE}
    finally:
        subprocess.run(_as_server_user([pg_ctl, "stop", "-m", "fast", "-w", "-D", str(data)]),
                       capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)
