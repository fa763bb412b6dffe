"""Benchmark: HTTP load against the production server (``make serve``: gunicorn, DEBUG off) on 127.0.0.1.

    BENCH_SIZE=small|full .venv/bin/python bench/bench_http.py
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres …   (PostgreSQL: a fresh database is
                                                                       created next to it and dropped)

1. A temporary data directory with a SQLite database (or a fresh PostgreSQL database), migrated and seeded
   with the small demo organisation (``sqms demo --size small``); the seeded SQLite file is cached as
   ``var/bench-cache/http-demo-small.sqlite3`` (later runs copy it and apply any newer migrations: the
   seeding takes minutes, ~13 min on this loaded machine).
2. ``gunicorn -c python:sqms.core.ops.gunicorn_conf sqms.wsgi`` with ``SQMS_PRODUCTION=1`` and
   ``SQMS_WEB_WORKERS`` (default cores + 1, as in ``make serve``) sync workers (recycled after ``SQMS_WEB_MAX_REQUESTS``, default 5000, as in
   ``make serve``), behind no proxy (``X-Forwarded-Proto: https`` is sent as
   nginx would).
3. An *open-loop* load generator (this file): requests are scheduled at a fixed rate for a fixed duration
   whatever the server does, sent by a pool of threads, and each latency is measured from the *scheduled*
   time (a late send counts against the server: no coordinated omission).  It stops itself after the
   duration plus a drain timeout.
   * complaint creation: ``POST /api/v1/feedback`` with an API token (targets: 200 req/s for 60 s,
     p99 <= 100 ms, zero errors);
   * the executive dashboard page ``GET /evaluation/dashboard/`` signed in (target: p95 <= 300 ms at
     20 req/s). The small demo has ~37,500 service records; ``BENCH_HTTP_RECORDS=10000000`` adds that many
     generated records (``bench_kpi.write_csv``: a year over the demo teams) through the fast import before
     the server starts — the issue's 10,000,000 — and keeps the result as its own template
     (``sqms_bench_http_tpl_r<N>``; SQLite: ``var/bench-cache/http-demo-small-r<N>.sqlite3``), so only the
     first such run pays the import. ``BENCH_HTTP_ONLY=dashboard`` (or ``complaint``) runs one kind only;
     ``BENCH_HTTP_RATES=200`` (a comma list) sets complaint creation's rates.
4. Peak resident memory of the server processes (master + workers), sampled every 2 s (its CPU is reported
   apart from the load generator's).
5. CPU per request of the server (gunicorn master + workers) and, on PostgreSQL, of the database backends
   serving the bench database, from /proc: for 50 requests sent one at a time and for each offered rate.
   Their sum against the machine's cores bounds the rate it can sustain whatever the latency.

Complaint creation runs at fixed offered rates of 50, 100 and 200 req/s, the dashboard at 5 and 20 req/s.
``small`` runs 6 s per rate (``BENCH_HTTP_SECONDS`` overrides; the issue's 200 req/s × 60 s target is
judged on the ``full`` run, 60 s per rate).  The load generator shares the machine's 2 cores with the
server; its own CPU use is reported.

PostgreSQL: the first run seeds a database and keeps it as the template ``sqms_bench_http_tpl`` (dropped
with ``BENCH_HTTP_RESEED=1``); every run copies it (``CREATE DATABASE … TEMPLATE``, seconds) and applies
newer migrations to the copy, then ``ANALYZE`` (planner statistics, as on a database in service).  Memory per worker: RSS counts the pages a worker shares with the master
(``preload_app``) in full, so the proportional set size (PSS: shared pages divided among their users) is
reported too; the PSS sum is what the server really occupies.
"""

from __future__ import annotations

import json
import os
import queue
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(HERE))

from common import Row, emit, size  # noqa: E402

VENV_BIN = Path(sys.executable).parent
SQMS = str(VENV_BIN / "sqms")
GUNICORN = str(VENV_BIN / "gunicorn")


@dataclass
class Scenario:
    name: str
    rate: float
    seconds: float
    method: str
    path: str
    target_quantile: str
    target_ms: float
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    ok_status: tuple[int, ...] = (200, 201)


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    done: list[float] = field(default_factory=list)  # completion instants of the answered, s after the start
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    late_starts: int = 0
    sent: int = 0
    unfinished: int = 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(cmd: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(cmd, env=env, cwd=PROJECT, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")


SEED_SCRIPT = """
import json, django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sqms.settings")
django.setup()
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
executor = MigrationExecutor(connection)
if executor.migration_plan(executor.loader.graph.leaf_nodes()):
    call_command("migrate", "--noinput", verbosity=0)  # the cached copy predates a newer migration
from django.contrib.auth import get_user_model
from django.test import Client
from sqms.core.services import create_api_token
from sqms.org.models import OrgUnit
User = get_user_model()
admin = User.objects.filter(is_superuser=True).order_by("pk").first()
token, key = create_api_token(actor=admin, user=admin, name="bench", can_write=True)
unit = OrgUnit.objects.filter(active=True, kind__in=["outlet", "branch"]).order_by("path").first()
viewer = User.objects.filter(is_superuser=False, is_staff=True, role_assignments__role="executive").first()
viewer = viewer or admin
c = Client()
c.force_login(viewer)
print(json.dumps({"key": key, "unit": unit.code, "session": c.cookies["sessionid"].value, "viewer": viewer.username}))
"""


# extra service records generated and imported on top of the small demo (BENCH_HTTP_RECORDS; 0 = none):
# the dashboard target is stated for 10,000,000 records
RECORDS = int(os.environ.get("BENCH_HTTP_RECORDS") or 0)
PG_TEMPLATE = "sqms_bench_http_tpl" + (f"_r{RECORDS}" if RECORDS else "")

SEED_RECORDS_SCRIPT = """
import sys, time
from pathlib import Path
sys.path.insert(0, {bench!r})
import bench_kpi  # its CSV writer: N records over the demo teams, a year from 2025-11-01
import os
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sqms.settings")
django.setup()
from sqms.core.cli import actor_for
from sqms.kpi.management.commands.import_service_records import import_file
path = Path({path!r})
t0 = time.monotonic()
bench_kpi.write_csv(path, {n})
t1 = time.monotonic()
counts, ctx = import_file(path, actor=actor_for(None), on_duplicate="reject")
assert ctx is None and counts and counts["created"] == {n}, ctx and ctx.errors[:5]
path.unlink()
print(f"{n:,} service records: CSV {{t1 - t0:.0f}} s, import {{time.monotonic() - t1:.0f}} s")
"""


def pg_copy_template(admin_url: str, name: str) -> bool:
    """Create database ``name``: a copy of the seeded template when there is one (True), else empty."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        if os.environ.get("BENCH_HTTP_RESEED") == "1":
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_TEMPLATE}" WITH (FORCE)')
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_TEMPLATE]).fetchone()
        if exists:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{PG_TEMPLATE}"')
            return True
        conn.execute(f'CREATE DATABASE "{name}"')
        return False


def pg_keep_template(admin_url: str, name: str) -> None:
    """Keep the freshly seeded database ``name`` as the template of later runs (before any load runs)."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        conn.execute(f'CREATE DATABASE "{PG_TEMPLATE}" TEMPLATE "{name}"')


def pg_analyze(url: str) -> None:
    """Planner statistics for the freshly seeded (or copied) database, as autovacuum keeps them on a database
    in service: without them the first minute of load ran on plans made for empty tables (the repeat
    look-up of a new complaint scanned every ticket through the ``merged_into`` index)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")


def prepare(tmp: Path, env: dict[str, str], *, seeded: bool = False) -> dict[str, str]:
    """Migrate and seed (SQLite: from the cache when it exists; PostgreSQL: ``seeded`` when the database is a
    copy of the template); return the API key, unit and session."""
    cache = (
        PROJECT
        / "var"
        / "bench-cache"
        / ("http-demo-small.sqlite3" if not RECORDS else f"http-demo-small-r{RECORDS}.sqlite3")
    )
    db = tmp / "sqms.sqlite3"
    if "DATABASE_URL" not in env and cache.exists():
        shutil.copyfile(cache, db)
    elif seeded:
        pass  # SEED_SCRIPT applies any newer migration
    else:
        t0 = time.monotonic()
        _run([SQMS, "migrate", "--noinput", "-v0"], env)
        _run([SQMS, "demo", "--size", "small"], {**env, "SQMS_DEMO": "1"})
        print(f"migrated and seeded in {time.monotonic() - t0:.0f} s", flush=True)
        if RECORDS:
            script = SEED_RECORDS_SCRIPT.format(bench=str(HERE), path=str(tmp / "records.csv"), n=RECORDS)
            out = subprocess.run(
                [sys.executable, "-c", script],
                env=env,
                cwd=PROJECT,
                capture_output=True,
                text=True,
                check=False,
            )
            if out.returncode:
                raise SystemExit(out.stderr[-4000:])
            print(out.stdout.strip().splitlines()[-1], flush=True)
        if "DATABASE_URL" not in env:
            cache.parent.mkdir(parents=True, exist_ok=True)
            import sqlite3

            src = sqlite3.connect(db)
            dst = sqlite3.connect(cache.with_suffix(".partial"))
            src.backup(dst)
            src.close()
            dst.close()
            cache.with_suffix(".partial").rename(cache)
    out = subprocess.run(
        [sys.executable, "-c", SEED_SCRIPT], env=env, cwd=PROJECT, capture_output=True, text=True, check=False
    )
    if out.returncode:
        raise SystemExit(out.stderr[-4000:])
    data: dict[str, str] = json.loads(out.stdout.strip().splitlines()[-1])
    return data


def _static_sources_newer_than(stamp: float) -> bool:
    import unfold

    roots = [PROJECT / "src" / "sqms", Path(unfold.__file__).parent]
    for root in roots:
        for path in root.rglob("static/**/*"):
            if path.is_file() and path.stat().st_mtime > stamp:
                return True
    return False


def collect_static(env: dict[str, str]) -> None:
    """Production static files (hashed + compressed: minutes on a busy 2-core machine) are collected once
    into var/bench-cache/static and reused while no static source file is newer than its manifest."""
    cache = PROJECT / "var" / "bench-cache" / "static"
    target = Path(env["SQMS_DATA_DIR"]) / "static"
    manifest = cache / "staticfiles.json"
    shutil.rmtree(target, ignore_errors=True)
    target.symlink_to(cache, target_is_directory=True)
    if manifest.exists() and not _static_sources_newer_than(manifest.stat().st_mtime):
        return
    cache.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    _run([SQMS, "collectstatic", "--noinput", "-v0"], env)
    print(f"collected static files in {time.monotonic() - t0:.0f} s", flush=True)


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    collect_static(env)
    proc = subprocess.Popen(
        [GUNICORN, "-c", "python:sqms.core.ops.gunicorn_conf", "sqms.wsgi", "--bind", f"127.0.0.1:{port}"],
        env=env,
        cwd=PROJECT,
        stdout=subprocess.DEVNULL,
        stderr=open(Path(env["SQMS_DATA_DIR"]) / "gunicorn.log", "wb"),  # noqa: SIM115
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            r = httpx.get(
                f"http://127.0.0.1:{port}/readyz", headers={"X-Forwarded-Proto": "https"}, timeout=2
            )
            if r.status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.3)
    log = (Path(env["SQMS_DATA_DIR"]) / "gunicorn.log").read_text(errors="replace")[-3000:]
    proc.kill()
    raise SystemExit(f"gunicorn did not become ready:\n{log}")


def speed_probe() -> float:
    """CPU milliseconds of a fixed piece of Python work: this virtual machine's speed varies by up to 1.8x
    from minute to minute (the same loop took 0.55 to 1.05 s within one minute), so each scenario is
    bracketed by a probe, and figures of runs far apart are compared with that in mind."""
    t = time.process_time()
    total = 0
    for i in range(1_000_000):
        total += i * i
    return (time.process_time() - t) * 1000


class RssSampler(threading.Thread):
    """Peaks of the server's memory: summed RSS and PSS of master + workers, and the largest single
    worker's RSS and PSS (PSS from /proc/<pid>/smaps_rollup, sampled every 2 s: ``BENCH_HTTP_MEM_INTERVAL``)."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0  # summed RSS
        self.peak_pss = 0
        self.worker_rss = 0
        self.worker_pss = 0
        self.workers = 0
        self.cpu = 0.0  # this thread's own CPU time (s): not the load generator's
        # reading smaps_rollup of five large processes costs ~0.1 core at 2 samples/s on this machine,
        # taken from the server under test: one sample every 2 s finds the same peaks of a steady load
        self.interval = float(os.environ.get("BENCH_HTTP_MEM_INTERVAL") or 2.0)
        self.stop = threading.Event()

    def _children(self) -> list[int]:
        try:  # Linux: the kernel's list of the master's children (no scan of /proc)
            found = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
            return [int(p) for p in found]
        except (OSError, ValueError):
            pass
        kids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == self.pid:
                        kids.append(int(entry.name))
                except (OSError, IndexError, ValueError):
                    continue
        return kids

    @staticmethod
    def _rss_pss(pid: int) -> tuple[int, int]:
        """(RSS, PSS) in bytes from /proc/<pid>/smaps_rollup (Linux)."""
        rss = pss = 0
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1]) * 1024
        except (OSError, ValueError, IndexError):
            pass
        return rss, pss

    def sample(self) -> None:
        rss_sum, pss_sum = self._rss_pss(self.pid)
        kids = self._children()
        for pid in kids:
            rss, pss = self._rss_pss(pid)
            rss_sum += rss
            pss_sum += pss
            self.worker_rss = max(self.worker_rss, rss)
            self.worker_pss = max(self.worker_pss, pss)
        self.workers = max(self.workers, len(kids))
        self.peak = max(self.peak, rss_sum)
        self.peak_pss = max(self.peak_pss, pss_sum)

    def run(self) -> None:
        while not self.stop.is_set():
            t0 = time.thread_time()
            self.sample()
            self.cpu += time.thread_time() - t0
            self.stop.wait(self.interval)


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_of(pid: int, own: bool = True, exited_children: bool = False) -> float:
    """User + system CPU seconds of process ``pid`` (``own``) and/or of its children that have exited
    (``exited_children``: a recycled gunicorn worker, a PostgreSQL backend whose connection closed — their
    time moves to the parent when it waits for them); 0 when it is gone or /proc is missing."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = (int(fields[11]) + int(fields[12]) if own else 0) + (
        int(fields[13]) + int(fields[14]) if exited_children else 0
    )
    return ticks / _TICK


class CpuMeter:
    """CPU seconds used by the server (gunicorn master + workers, including workers recycled after
    ``max_requests``) and by the database (the PostgreSQL backends connected to the bench database plus
    every backend that exited meanwhile — the postmaster's children time: on this otherwise idle server,
    the bench's connections closed by ``CONN_MAX_AGE`` or by a recycled worker, and this meter's own short
    admin connections; nothing for SQLite, whose work is the server's) between two readings: the cost of a request on the machine, whatever the latency.
    Counting only the processes alive at each reading gave negative figures once workers were recycled."""

    def __init__(self, server_pid: int, pg_admin_url: str = "", pg_db: str = ""):
        self.server_pid = server_pid
        self.pg_admin_url = pg_admin_url
        self.pg_db = pg_db
        self.postmaster = 0
        if pg_db:
            import psycopg

            with psycopg.connect(pg_admin_url, autocommit=True) as conn:
                row = conn.execute("SELECT setting FROM pg_settings WHERE name = 'data_directory'").fetchone()
            try:
                self.postmaster = int((Path(row[0]) / "postmaster.pid").read_text().split()[0])
            except (OSError, IndexError, ValueError, TypeError):
                self.postmaster = 0  # another machine's server: live backends only

    def _server(self) -> float:
        try:
            kids = [
                int(p)
                for p in Path(f"/proc/{self.server_pid}/task/{self.server_pid}/children").read_text().split()
            ]
        except (OSError, ValueError):
            kids = []
        return _cpu_of(self.server_pid, exited_children=True) + sum(_cpu_of(k) for k in kids)

    def _database(self) -> float:
        if not self.pg_db:
            return 0.0
        import psycopg

        with psycopg.connect(self.pg_admin_url, autocommit=True) as conn:
            pids = [
                int(r[0])
                for r in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                    [self.pg_db],
                )
            ]
        exited = _cpu_of(self.postmaster, own=False, exited_children=True) if self.postmaster else 0.0
        return sum(_cpu_of(p) for p in pids) + exited

    def read(self) -> tuple[float, float]:
        return self._server(), self._database()


class RawHttp:
    """The least an HTTP/1.1 client can do for the load generator: write the request's bytes on a socket
    (reconnecting when the server closed it: gunicorn's sync workers close after every answer), read the
    answer — to the end of ``Content-Length`` bytes, or of the stream when the server closes — and return
    its status code. No redirects, no chunked bodies (the server sends neither here); a malformed answer
    raises ValueError and counts as an error."""

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.host, self.port = host, port
        self.head = "".join(f"{k}: {v}\r\n" for k, v in {"Host": f"{host}:{port}", **headers}.items())
        self.sock: socket.socket | None = None

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def request(self, method: str, path: str, body: bytes | None) -> int:
        if self.sock is None:
            self.sock = socket.create_connection((self.host, self.port), timeout=10.0)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        length = f"Content-Length: {len(body)}\r\n" if body is not None else ""
        self.sock.sendall(f"{method} {path} HTTP/1.1\r\n{self.head}{length}\r\n".encode() + (body or b""))
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ValueError("connection closed before the answer's headers")
            buf += chunk
        head, _sep, rest = buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = {k.strip().lower(): v.strip() for k, _c, v in (line.partition(":") for line in lines[1:])}
        closes = fields.get("connection", "").lower() == "close"
        if "content-length" in fields:
            need = int(fields["content-length"]) - len(rest)
            while need > 0:
                chunk = self.sock.recv(min(need, 65536))
                if not chunk:
                    raise ValueError("connection closed inside the answer's body")
                need -= len(chunk)
        elif not closes:
            raise ValueError("an answer without Content-Length on a kept-alive connection")
        if closes or "content-length" not in fields:
            while self.sock.recv(65536):  # to the end of the stream
                pass
            self.close()
        return status


def load(base: str, sc: Scenario, threads: int) -> Result:
    """Open loop: request i is due at start + i / rate; latency counts from the due time.

    Requests go out through :class:`RawHttp` (a request's bytes written on a plain socket, the status line
    read back; about a third of ``http.client``'s CPU per request, itself a fifth of httpx's): the
    generator shares the machine's 2 cores with the server and must take as little of them as it can. A
    request sent more than 5 ms after its due time is a "late start" (its latency still counts from the
    due time)."""
    from urllib.parse import urlsplit

    res = Result()
    lock = threading.Lock()
    due: queue.Queue[float | None] = queue.Queue()
    n = int(sc.rate * sc.seconds)
    start = time.perf_counter() + 0.2
    where = urlsplit(base)
    headers = {"X-Forwarded-Proto": "https", "Content-Type": "application/json", **sc.headers}

    def worker() -> None:
        conn = RawHttp(where.hostname or "127.0.0.1", where.port or 80, headers)
        while True:
            t_due = due.get()
            if t_due is None:
                conn.close()
                return
            wait = t_due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            late = wait < -0.005
            body = sc.body() if callable(sc.body) else sc.body
            payload = json.dumps(body).encode() if body is not None else None
            try:
                status = conn.request(sc.method, sc.path, payload)
            except (OSError, ValueError):
                conn.close()  # reconnects on the next request
                status = 0
            now = time.perf_counter()
            latency = now - t_due
            with lock:
                res.sent += 1
                res.late_starts += late
                res.statuses[status] = res.statuses.get(status, 0) + 1
                if status in sc.ok_status:
                    res.latencies.append(latency)
                    res.done.append(now - start)
                else:
                    res.errors += 1

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for t in pool:
        t.start()
    # Feed due times just in time so a slow server builds up a backlog rather than the feeder racing ahead.
    for i in range(n):
        t_due = start + i / sc.rate
        ahead = t_due - time.perf_counter() - 0.05
        if ahead > 0:
            time.sleep(ahead)
        due.put(t_due)
    for _ in pool:
        due.put(None)
    deadline = time.perf_counter() + 15
    for t in pool:
        t.join(max(0.0, deadline - time.perf_counter()))
    with lock:
        res.unfinished = n - res.sent  # scheduled but not answered when the generator gave up
        res.errors += res.unfinished
    return res


def _cpu_rows(
    tag: str, before: tuple[float, float], after: tuple[float, float], requests: int, pg_db: str
) -> list[Row]:
    """Server (and PostgreSQL) CPU per request between two :class:`CpuMeter` readings (clock ticks of
    10 ms: fifty requests or more for a usable figure)."""
    if requests <= 0:
        return []
    rows = [Row(f"{tag} server CPU per request", round((after[0] - before[0]) / requests * 1000, 2), "ms")]
    if pg_db:
        rows.append(
            Row(f"{tag} database CPU per request", round((after[1] - before[1]) / requests * 1000, 2), "ms")
        )
    return rows


def warm_up(base: str, sc: Scenario, clients: int, each: int = 6) -> list[Any]:
    """Send ``each`` requests from each of ``clients`` clients at once, so that every worker serves its first
    requests (connection, configuration cache) before the one-at-a-time latency and CPU figures: one client
    alone is mostly served by the same worker. Returns the statuses (or error names)."""
    statuses: list[Any] = []
    lock = threading.Lock()

    def client() -> None:
        with httpx.Client(
            base_url=base, timeout=60.0, headers={"X-Forwarded-Proto": "https", **sc.headers}
        ) as c:
            for _ in range(each):
                body = sc.body() if callable(sc.body) else sc.body
                try:
                    got: Any = c.request(sc.method, sc.path, json=body).status_code
                except httpx.HTTPError as exc:
                    got = type(exc).__name__
                with lock:
                    statuses.append(got)

    pool = [threading.Thread(target=client) for _ in range(clients)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return statuses


def drain_server(base: str, limit: float = 60.0) -> None:
    """Wait until requests abandoned by the generator have left the server's backlog."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        t0 = time.perf_counter()
        try:
            httpx.get(f"{base}/healthz", headers={"X-Forwarded-Proto": "https"}, timeout=10)
        except httpx.HTTPError:
            continue
        if time.perf_counter() - t0 < 0.5:
            return
        time.sleep(1)


def quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = (len(values) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def main() -> None:
    full = size() == "full"
    tmp = Path(tempfile.mkdtemp(prefix="sqms-bench-http-"))
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SQMS_", "DATABASE_", "PROMETHEUS_"))}
    env.update(
        SQMS_DATA_DIR=str(tmp),
        SQMS_PRODUCTION="1",
        SQMS_SECRET_KEY=secrets.token_urlsafe(50),
        SQMS_ALLOWED_HOSTS="127.0.0.1,localhost",
        SQMS_WEB_WORKERS=os.environ.get("SQMS_WEB_WORKERS") or str((os.cpu_count() or 1) + 1),
        SQMS_WEB_MAX_REQUESTS=os.environ.get("SQMS_WEB_MAX_REQUESTS", "5000"),
        SQMS_WEB_THREADS=os.environ.get("SQMS_WEB_THREADS", "1"),
        SQMS_LOG_LEVEL="WARNING",
        SQMS_REQUIRE_2FA_ROLES="",
        SQMS_LOGIN_FAILURE_LIMIT="1000",
        PROMETHEUS_MULTIPROC_DIR=str(tmp / "prometheus"),
        SQMS_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    pg_admin_url = os.environ.get("BENCH_DATABASE_URL", "")
    pg_db = ""
    pg_seeded = False
    if pg_admin_url:
        pg_db = f"sqms_bench_http_{os.getpid()}"
        pg_seeded = pg_copy_template(pg_admin_url, pg_db)
        env["DATABASE_URL"] = pg_admin_url.rsplit("/", 1)[0] + "/" + pg_db
    vendor = "PostgreSQL" if pg_db else "SQLite"
    proc = None
    errors_seen = 0
    try:
        t0 = time.monotonic()
        seed = prepare(tmp, env, seeded=pg_seeded)
        if pg_db:
            pg_analyze(env["DATABASE_URL"])
        if pg_db and not pg_seeded:
            pg_keep_template(pg_admin_url, pg_db)
        print(f"database ready in {time.monotonic() - t0:.0f} s ({vendor})", flush=True)
        t0 = time.monotonic()
        proc = start_server(env, port)
        print(f"gunicorn ready in {time.monotonic() - t0:.0f} s", flush=True)
        sampler = RssSampler(proc.pid)
        sampler.start()
        meter = CpuMeter(proc.pid, pg_admin_url, pg_db)
        base = f"http://127.0.0.1:{port}"
        counter = iter(range(10**9))

        def complaint() -> dict[str, str]:
            i = next(counter)
            return {
                "title": f"排队时间太长 #{i}",
                "description": "在营业厅等了四十分钟，只有一个窗口开着。",
                "kind": "complaint",
                "org_unit": seed["unit"],
                "contact_name": "王先生",
                "contact_phone": "13800138000",
            }

        seconds = float(os.environ.get("BENCH_HTTP_SECONDS") or (60 if full else 6))
        only = set((os.environ.get("BENCH_HTTP_ONLY") or "complaint,dashboard").split(","))
        rates = [float(r) for r in (os.environ.get("BENCH_HTTP_RATES") or "50,100,200").split(",")]
        create_rates = rates if "complaint" in only else []
        dashboard_rates = [5.0, 20.0] if "dashboard" in only else []
        dashboard_name = "dashboard page" + (f" ({RECORDS:,} extra service records)" if RECORDS else "")
        scenarios = [
            Scenario(
                "complaint create",
                rate,
                seconds,
                "POST",
                "/api/v1/feedback",
                "p99",
                100.0,
                body=complaint,
                headers={"Authorization": f"Bearer {seed['key']}"},
            )
            for rate in create_rates
        ] + [
            Scenario(
                dashboard_name,
                rate,
                seconds,
                "GET",
                "/evaluation/dashboard/",
                "p95",
                300.0,
                headers={"Cookie": f"sessionid={seed['session']}"},
                ok_status=(200,),
            )
            for rate in dashboard_rates
        ]
        rows: list[Row] = []
        cpu0 = time.process_time()
        warmed: set[str] = set()
        saturated: set[str] = set()
        for sc in scenarios:
            if sc.name in saturated:
                # a lower offered rate already got less than half its requests answered: a higher one only
                # piles up a backlog the server takes minutes to drain (and the run would not stay bounded)
                rows.append(
                    Row(
                        f"{sc.name} @{sc.rate:g}/s×{sc.seconds:g}s ({vendor}) completed rate (steady window)",
                        0.0,
                        "req/s",
                        sc.rate,
                        lower_is_better=False,
                        note="not run: a lower rate already saturated the server",
                    )
                )
                continue
            if sc.name not in warmed:
                warmed.add(sc.name)
                # warm every worker up (first queries, template loading) outside the measurement
                t_warm = time.perf_counter()
                warm_status = warm_up(base, sc, clients=2 * int(env["SQMS_WEB_WORKERS"]))
                print(
                    f"{sc.name}: warm-up {dict(Counter(warm_status))} in {time.perf_counter() - t_warm:.1f} s",
                    flush=True,
                )
                serial = []
                n_serial = 50
                cpu_before = meter.read()
                with httpx.Client(
                    base_url=base, timeout=60.0, headers={"X-Forwarded-Proto": "https", **sc.headers}
                ) as c:
                    for _ in range(n_serial):
                        body = sc.body() if callable(sc.body) else sc.body
                        t1 = time.perf_counter()
                        try:
                            if c.request(sc.method, sc.path, json=body).status_code in sc.ok_status:
                                serial.append(time.perf_counter() - t1)
                        except httpx.HTTPError:
                            continue
                cpu_after = meter.read()
                rows.append(
                    Row(
                        f"{sc.name} one at a time, no load ({vendor}) p50",
                        round(quantile(serial, 0.5) * 1000, 1),
                        "ms",
                    )
                )
                rows += _cpu_rows(
                    f"{sc.name} one at a time ({vendor})", cpu_before, cpu_after, n_serial, pg_db
                )
            probe_before = speed_probe()
            t0 = time.perf_counter()
            cpu_sc, cpu_sampler = time.process_time(), sampler.cpu
            cpu_before = meter.read()
            res = load(base, sc, threads=int(min(128, max(16, sc.rate * 0.6))))
            cpu_after = meter.read()
            wall = time.perf_counter() - t0
            probe_after = speed_probe()
            gen_cpu = time.process_time() - cpu_sc - (sampler.cpu - cpu_sampler)
            gen_cpu_ms = gen_cpu / max(1, res.sent) * 1000
            lat = res.latencies
            tag = f"{sc.name} @{sc.rate:g}/s×{sc.seconds:g}s ({vendor})"
            q = {"p50": 0.50, "p95": 0.95, "p99": 0.99}
            for label, qq in q.items():
                value = quantile(lat, qq) * 1000
                rows.append(
                    Row(
                        f"{tag} {label}",
                        round(value, 1),
                        "ms",
                        sc.target_ms if label == sc.target_quantile else None,
                    )
                )
            rows.append(Row(f"{tag} errors", res.errors, "requests", 0))
            rows.append(
                Row(
                    f"{tag} machine speed probe (CPU of a fixed loop; lower is faster)",
                    round((probe_before + probe_after) / 2),
                    "ms",
                    note=f"before {probe_before:.0f} ms, after {probe_after:.0f} ms",
                )
            )
            errors_seen += res.errors
            rows += _cpu_rows(tag, cpu_before, cpu_after, res.sent, pg_db)
            # answers completed in the steady window (after the first second, up to the end of the schedule):
            # a server that keeps up completes the offered rate there, one that falls behind fewer (answers
            # drained after the schedule do not count)
            window = max(sc.seconds - 1.0, 1.0)
            achieved = sum(1 for d in res.done if 1.0 <= d < sc.seconds) / window
            if achieved < 0.5 * sc.rate:
                saturated.add(sc.name)
            rows.append(
                Row(
                    f"{tag} completed rate (steady window)",
                    round(achieved, 1),
                    "req/s",
                    # kept up = the offered rate less 1 %: requests in flight at the window's two edges move a
                    # few answers in or out (199.8 of 200 for a server answering in 11 ms)
                    round(sc.rate * 0.99, 1),
                    lower_is_better=False,
                    note="target: the offered rate less 1 % (answers in flight at the window's edges)",
                )
            )
            print(
                f"{tag}: answered {res.sent}, unfinished {res.unfinished}, statuses {res.statuses}, "
                f"late starts (> 5 ms) {res.late_starts}, {wall:.1f} s, generator CPU {gen_cpu_ms:.2f} ms/request, "
                f"load average {os.getloadavg()[0]:.2f}",
                flush=True,
            )
            drain_server(base)
        sampler.stop.set()
        sampler.join()
        n_workers = env["SQMS_WEB_WORKERS"]
        mib = 2**20
        rows += [
            Row(f"server peak RSS, sum ({n_workers} workers + master)", round(sampler.peak / mib, 1), "MiB"),
            Row(
                f"server peak PSS, sum ({n_workers} workers + master)",
                round(sampler.peak_pss / mib, 1),
                "MiB",
            ),
            Row("largest worker peak RSS", round(sampler.worker_rss / mib, 1), "MiB"),
            Row("largest worker peak PSS (its share of pages)", round(sampler.worker_pss / mib, 1), "MiB"),
        ]
        rows.append(Row("load generator CPU", round(time.process_time() - cpu0 - sampler.cpu, 1), "s"))
        rows.append(Row("memory sampler CPU (same process, not counted above)", round(sampler.cpu, 1), "s"))
        emit("http", rows)
    finally:
        log = tmp / "gunicorn.log"
        if errors_seen and log.exists():
            # the server's own account of the failed requests (the data directory is removed below)
            kept = PROJECT / "bench" / "results" / "http-server-errors.log"
            kept.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(log, kept)
            print(f"{errors_seen} failed requests: server log kept as {kept}", flush=True)
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        if pg_db:
            import psycopg

            with psycopg.connect(pg_admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_db}" WITH (FORCE)')
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
