"""Latency and booking throughput of ``carenet serve`` on the demo network, over loopback.

Starts ``carenet serve --demo`` as its own process (the demo network of 50,000 patients with
micro-teams laid over it, or ``--patients``; ``--workers`` worker processes, or the service's default)
on the store given by ``--db`` (a PostgreSQL URL for the issue's figures; a temporary SQLite file by
default), logs in as the demo receptionist and GP, then:

1. **Latency with think time** - ``--users`` concurrent users (50), each repeating: read a patient's
   record (``GET /patients/{id}``), the proactive worklist of multimorbid patients without a review
   (``GET /worklists/multimorbid_without_review``), the triage queue (``GET /booking/queue``), make a
   request and get the network layer's proposals (``POST /booking/requests``), and book the first
   proposal (``POST /booking/appointments``), waiting a think time between actions (random, exponential
   with mean ``--think-seconds``, 2 s), for ``--seconds``; p50 and p95 per endpoint. A user acting every
   2 s is far busier than anyone at a practice: a clinician in a 10-minute consultation opens one record
   and books perhaps one follow-up, a receptionist on the telephone books one appointment every few
   minutes.
2. **Latency at saturation** - the same with no think time: each user sends its next request as soon
   as the last is answered, so the figures are those of a service kept busy all the time.
3. **Throughput** - the same users book free slots of the network's clinicians for the practice's
   patients as fast as they can for ``--seconds``: bookings a second, 409s, and a check in the store
   that no two live bookings of a clinician overlap. With ``--wrk`` the bookings are sent by ``wrk``
   (``--users`` connections on two threads, each slot once) instead of this Python client, which
   itself takes about a core at this rate; the bookings are then counted in the store. The free slots of the
   next 28 days are offered once each (about 1,700 with 5,000 patients); a stage that books them all before it
   ends says so, its rate then being a floor.

Before the stages, every user reads a record, the worklist and the triage queue once, untimed, so that
each worker process has computed the practice's worklist once (as a service that has been up all day
has). Each stage prints the machine's load average (1 minute) as it began and ended and the highest
seen, and the CPU the load generator, the server's processes and (a local server) PostgreSQL used
in it (client, server and database share the machine's cores).

Run: ``python bench/bench_service.py --db postgresql://postgres@127.0.0.1:5432/bench``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import psutil
import sqlalchemy as sa

from carenet.service.booking.tables import SERVICE_BOOKINGS
from carenet.service.store import open_store
from carenet.service.store.tables import CANONICAL

NEEDS = ("acute_minor", "acute_complex", "ltc_review", "musculoskeletal", "medication")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: str, patients: int, port: int, log: Path, workers: int | None,
                 access_log: bool = True) -> subprocess.Popen:
    args = [sys.executable, "-c", "from carenet.cli import main; main()", "serve", "--demo", "--db", db,
            "--demo-patients", str(patients), "--port", str(port)]
    if not access_log:
        args.append("--no-access-log")
    if workers is not None:
        args += ["--workers", str(workers)]
    with log.open("w") as out:
        server = subprocess.Popen(args, env={**os.environ, "COLUMNS": "200"}, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(1)
        if server.poll() is not None:
            raise SystemExit(f"carenet serve stopped: {log.read_text()}")
    raise SystemExit("carenet serve did not start in 15 minutes")


def token(base: str, log: Path, role: str) -> dict[str, str]:
    password = re.search(rf"demo\.{role}\s*│\s*(\S+)\s*│", log.read_text()).group(1)
    response = httpx.post(f"{base}/auth/token", json={"username": f"demo.{role}", "password": password})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def tree_cpu(pid: int | None) -> float:
    """CPU seconds used so far by the process ``pid`` and its children (NaN if it cannot be read)."""
    if pid is None:
        return float("nan")
    try:
        root = psutil.Process(pid)
        total = sum(root.cpu_times()[:4])  # its own, and that of its children that have ended
        for child in root.children(recursive=True):
            try:
                total += sum(child.cpu_times()[:2])
            except psutil.Error:
                pass
        return total
    except psutil.Error:
        return float("nan")


def generator_cpu() -> float:
    """CPU seconds of the load generator: this process, and the ``wrk`` runs it has waited for."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def postmaster(store) -> int | None:
    """The local PostgreSQL server's process, to count its CPU (None: SQLite, or a server this user cannot see)."""
    if store.dialect != "postgresql":
        return None
    try:
        with store.engine.connect() as connection:
            folder = connection.execute(sa.text("SHOW data_directory")).scalar_one()
        return int(Path(folder, "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, sa.exc.DBAPIError):
        return None


class LoadAverage:
    """The machine's 1-minute load average while a stage runs (as it began, as it ended, the highest seen), and
    the CPU the load generator, the server and PostgreSQL used meanwhile."""

    processes: dict[str, int | None] = {}
    """The server's and PostgreSQL's processes (set once they are known)."""

    def __init__(self) -> None:
        self.samples = [os.getloadavg()[0]]
        self.began = time.monotonic()
        self.cpu = {"load generator": generator_cpu(),
                    **{name: tree_cpu(pid) for name, pid in self.processes.items()}}
        self.used: dict[str, float] = {}

    def finish(self) -> None:
        self.wall = time.monotonic() - self.began
        self.used = {"load generator": generator_cpu() - self.cpu["load generator"],
                     **{name: tree_cpu(pid) - self.cpu[name] for name, pid in self.processes.items()}}

    def cpu_line(self, requests: int) -> str:
        parts = [f"{name} {used:.1f} s ({used / requests * 1000:.1f} ms a request)"
                 for name, used in self.used.items() if used == used]
        return f"CPU over {self.wall:.1f} s wall, {requests:,} requests: " + ", ".join(parts)

    async def watch(self, stop: float) -> None:
        while time.monotonic() < stop:
            await asyncio.sleep(1)
            self.samples.append(os.getloadavg()[0])

    def __str__(self) -> str:
        return (f"load average {self.samples[0]:.1f} at the start, {self.samples[-1]:.1f} at the end, "
                f"{max(self.samples):.1f} at most")


async def latency(base: str, users: int, seconds: float, staff: dict, patients: list[str],
                  think: float) -> tuple[dict[str, list[float]], dict[str, int], LoadAverage]:
    times: dict[str, list[float]] = {"patient record": [], "worklist": [], "triage queue": [],
                                     "request + proposals": [], "booking": []}
    failed = dict.fromkeys(times, 0)
    stop = time.monotonic() + seconds
    load = LoadAverage()

    async def timed(name, call, rng):
        if think > 0:
            await asyncio.sleep(rng.exponential(think))
        began = time.perf_counter()
        response = await call
        times[name].append((time.perf_counter() - began) * 1000)
        if response.status_code >= 400 and not (name == "booking" and response.status_code == 409):
            failed[name] += 1
        return response

    async def user(n: int, http: httpx.AsyncClient) -> None:
        rng = np.random.default_rng(n)
        if think > 0:  # users start at random moments, not all at once
            await asyncio.sleep(rng.uniform(0, think))
        while time.monotonic() < stop:
            patient = patients[int(rng.integers(len(patients)))]
            await timed("patient record", http.get(f"/patients/{patient}", headers=staff["gp"]), rng)
            await timed("worklist", http.get("/worklists/multimorbid_without_review", headers=staff["gp"]), rng)
            await timed("triage queue", http.get("/booking/queue", headers=staff["receptionist"]), rng)
            made = await timed("request + proposals", http.post("/booking/requests", headers=staff["receptionist"],
                               json={"patient_id": patient, "need_type": NEEDS[n % len(NEEDS)]}), rng)
            proposals = made.json().get("proposals", []) if made.status_code == 201 else []
            if proposals:
                p = proposals[0]
                await timed("booking", http.post("/booking/appointments", headers=staff["receptionist"], json={
                    "patient_id": patient, "clinician_id": p["clinician_id"], "start": p["start"],
                    "request_id": made.json()["request_id"]}), rng)

    async with httpx.AsyncClient(base_url=base, timeout=120, limits=httpx.Limits(max_connections=users)) as http:
        await asyncio.gather(load.watch(stop), *(user(n, http) for n in range(users)))
    load.finish()
    return times, {name: n for name, n in failed.items() if n}, load


async def warm_up(base: str, users: int, staff: dict, patients: list[str]) -> None:
    """Each user reads a record, the worklist and the triage queue once (untimed)."""
    async def user(n: int, http: httpx.AsyncClient) -> None:
        await http.get(f"/patients/{patients[n % len(patients)]}", headers=staff["gp"])
        await http.get("/worklists/multimorbid_without_review", headers=staff["gp"])
        await http.get("/booking/queue", headers=staff["receptionist"])

    async with httpx.AsyncClient(base_url=base, timeout=600, limits=httpx.Limits(max_connections=users)) as http:
        await asyncio.gather(*(user(n, http) for n in range(users)))


async def throughput(base: str, users: int, seconds: float, staff: dict, patients: list[str],
                     slots: list[dict]) -> tuple[int, int, float, LoadAverage]:
    counts = {"booked": 0, "conflict": 0}
    queue = list(slots)
    began = time.monotonic()
    stop = began + seconds
    load = LoadAverage()

    async def user(n: int, http: httpx.AsyncClient) -> None:
        while time.monotonic() < stop and queue:
            slot = queue.pop()
            response = await http.post("/booking/appointments", headers=staff["receptionist"], json={
                "patient_id": patients[len(queue) % len(patients)], "clinician_id": slot["clinician_id"],
                "start": slot["start"]})
            counts["booked" if response.status_code == 201 else "conflict"] += 1

    async with httpx.AsyncClient(base_url=base, timeout=120, limits=httpx.Limits(max_connections=users)) as http:
        await asyncio.gather(load.watch(stop), *(user(n, http) for n in range(users)))
    load.finish()
    return counts["booked"], counts["conflict"], time.monotonic() - began, load


WRK_SCRIPT = """
local bodies, sent, threads = {}, 0, 0
function setup(thread) thread:set("id", threads); threads = threads + 1 end
function init(args)
  local n = 0
  for line in io.lines(args[1]) do
    if n % tonumber(args[2]) == id then bodies[#bodies + 1] = line end
    n = n + 1
  end
end
function request()
  sent = sent + 1
  if sent > #bodies then return wrk.format("GET", "/health") end
  return wrk.format("POST", "/booking/appointments", {["Content-Type"] = "application/json",
                    ["Authorization"] = os.getenv("CARENET_BENCH_AUTH")}, bodies[sent])
end
"""


def throughput_wrk(base: str, users: int, seconds: float, staff: dict, patients: list[str], slots: list[dict],
                   folder: Path, store) -> tuple[int, int, float, LoadAverage]:
    """The throughput stage with wrk (``--wrk``): its ``users`` connections on two threads send the bookings,
    each slot once (a thread with none left asks ``/health``); the bookings are counted in the store."""
    bodies = folder / "bookings.ndjson"
    bodies.write_text("\n".join(json.dumps({"patient_id": patients[n % len(patients)],
                                             "clinician_id": slot["clinician_id"], "start": slot["start"]})
                                 for n, slot in enumerate(slots)) + "\n")
    script = folder / "book.lua"
    script.write_text(WRK_SCRIPT)
    count = sa.select(sa.func.count()).select_from(SERVICE_BOOKINGS).where(SERVICE_BOOKINGS.c.status == "booked")
    with store.engine.connect() as connection:
        before = connection.execute(count).scalar_one()
    load = LoadAverage()
    done = subprocess.run(["wrk", "-t2", f"-c{users}", f"-d{seconds:g}s", "-s", str(script), base, "--",
                           str(bodies), "2"], capture_output=True, text=True, check=True,
                          env={**os.environ, "CARENET_BENCH_AUTH": staff["receptionist"]["Authorization"]})
    load.finish()
    with store.engine.connect() as connection:
        booked = connection.execute(count).scalar_one() - before
    refused = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", done.stdout)) else 0
    sent = int(re.search(r"(\d+) requests in", done.stdout).group(1))
    load.wrk_requests = sent
    return booked, refused, load.wall, load


def report(title: str, times: dict[str, list[float]], failed: dict[str, int], load: LoadAverage) -> None:
    print(f"\n{title} ({load}):")
    print(f"{'endpoint':<22}{'requests':>10}{'p50 ms':>10}{'p95 ms':>10}")
    for name, values in times.items():
        if values:
            p50, p95 = np.percentile(values, [50, 95])
            print(f"{name:<22}{len(values):>10,}{p50:>10.1f}{p95:>10.1f}")
    if failed:
        print("failed (4xx/5xx other than a booking's 409): " + ", ".join(f"{k} {v}" for k, v in failed.items()))
    print(load.cpu_line(sum(len(v) for v in times.values())))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None, help="store URL (default: a temporary SQLite file)")
    parser.add_argument("--patients", type=int, default=50_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each stage")
    parser.add_argument("--think-seconds", type=float, default=2.0,
                        help="mean think time of a user between actions in the first stage (exponential)")
    parser.add_argument("--wrk", action="store_true",
                        help="send the throughput stage's bookings with wrk (C; far less CPU than this Python client)")
    parser.add_argument("--workers", type=int, default=None,
                        help="carenet serve --workers (default: the service's own default)")
    parser.add_argument("--no-access-log", action="store_true",
                        help="carenet serve --no-access-log: no uvicorn line for every request")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="carenet-bench-service-"))
    db = args.db or str(folder / "store.db")
    port = _port()
    base = f"http://127.0.0.1:{port}"
    log = folder / "serve.log"
    began = time.monotonic()
    server = start_server(db, args.patients, port, log, args.workers, access_log=not args.no_access_log)
    started = re.search(r"Starting (\d+) worker processes", log.read_text())
    print(f"carenet serve --demo ({args.patients:,} patients, {started.group(1) if started else 1} worker "
          f"process(es){', no access log' if args.no_access_log else ''}) answered after "
          f"{time.monotonic() - began:.0f} s; {os.cpu_count()} cores")
    try:
        staff = {role: token(base, log, role) for role in ("gp", "receptionist")}
        practice = httpx.get(f"{base}/auth/me", headers=staff["receptionist"]).json()["practice_id"]
        store = open_store(db, migrate_to=None)
        LoadAverage.processes = {"server": server.pid, "PostgreSQL": postmaster(store)}
        with store.engine.connect() as connection:
            patients = list(connection.execute(sa.select(CANONICAL["patients"].c.patient_id).where(
                CANONICAL["patients"].c.practice_id == practice)).scalars())
            clinicians = list(connection.execute(sa.select(CANONICAL["clinicians"].c.clinician_id)).scalars())
        asyncio.run(warm_up(base, args.users, staff, patients))
        where = f"{args.users} concurrent users for {args.seconds:.0f} s on {store.dialect} over loopback"
        if args.think_seconds > 0:
            report(f"Latency, {where}, think time {args.think_seconds:g} s on average",
                   *asyncio.run(latency(base, args.users, args.seconds, staff, patients, args.think_seconds)))
        report(f"Latency at saturation (no think time), {where}",
               *asyncio.run(latency(base, args.users, args.seconds, staff, patients, 0.0)))
        today = dt.date.today()
        slots = []
        for offset in range(1, 29):
            day = today + dt.timedelta(days=offset)
            for clinician in clinicians:
                found = httpx.get(f"{base}/booking/slots", headers=staff["receptionist"],
                                  params={"clinician_id": clinician, "date": day.isoformat()})
                if found.status_code == 200:
                    slots += found.json()
        if args.wrk:
            booked, conflicts, elapsed, load = throughput_wrk(base, args.users, args.seconds, staff, patients, slots,
                                                              folder, store)
        else:
            booked, conflicts, elapsed, load = asyncio.run(throughput(base, args.users, args.seconds, staff,
                                                                      patients, slots))
        b, c = SERVICE_BOOKINGS.alias("b"), SERVICE_BOOKINGS.alias("c")
        with store.engine.connect() as connection:
            overlaps = connection.execute(sa.select(sa.func.count()).select_from(b.join(c, sa.and_(
                b.c.clinician_id == c.c.clinician_id, b.c.booking_id < c.c.booking_id, b.c.status == "booked",
                c.c.status == "booked", b.c.starts_at < c.c.ends_at, c.c.starts_at < b.c.ends_at)))).scalar_one()
        store.close()
        print(f"\nThroughput ({load}): {booked:,} bookings in {elapsed:.1f} s = {booked / elapsed:,.0f} bookings/s "
              f"({conflicts:,} refused), {overlaps} overlapping bookings in the store")
        print(f"({len(slots):,} free slots offered; sent with {'wrk' if args.wrk else 'this Python client'})")
        if booked + conflicts >= 0.98 * len(slots):
            print("(the stage ran out of free slots before it ended, so the rate is a floor: more --patients, more "
                  "clinicians and slots)")
        print(load.cpu_line(getattr(load, "wrk_requests", booked + conflicts)))
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
