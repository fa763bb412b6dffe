"""Benchmark: survey storage → analysis matrix, the analysis report at 1,000,000 × 30, and public submission
throughput.

    BENCH_SIZE=small|full  [BENCH_SURVEYS_PARTS=storage,analysis,submit,http,http-old]  .venv/bin/python bench/bench_surveys.py

(small runs storage, analysis and submit; full adds the two gunicorn runs. ``http`` = this code through
gunicorn; ``http-old`` = the same load against the code of ``BENCH_SURVEYS_OLD_REF`` (default fbb1156, the
tree before the compact storage and the cheap submit path), exported with ``git archive``.)

1. **Storage → matrix.** Responses of a 30-item Likert survey are written to a fresh SQLite database (the
   real ``surveys_response`` table, packed ``values`` column, raw ``executemany``), then read back the way
   the analysis does (``selectors.matrix``: one ``values_list`` iterator + ``domain.unpack``). Requirement:
   1,000,000 responses × 30 items → numpy matrix in <= 3 s. Baseline: the same rows read back by parsing the
   ``answers`` JSON column (what a JSON-only storage would need). Size: full 1,000,000, small 100,000.
2. **The analysis report** (``surveys.analysis.compute``: descriptives, reliability, validity, correlation,
   IPA, drivers …) on the 1,000,000 × 30 matrix (small: 200,000), time and peak memory (tracemalloc).
3. **Public submissions.** ``POST /s/<slug>/`` through the Django test client (the full stack: middleware,
   CSRF-exempt test client, validation, packing, SQLite write in a transaction, redirect), a bounded
   number of submissions (full 1,000, small 200), the per-IP rate limit switched off for the run (it is 30
   per 10 minutes by default, and the platform's ``survey-page`` limit 300 per 10 minutes, and they would stop a
   load test from one address). Requirement: >= 200 responses/s.
   Baseline: ``services.submit_response`` called directly (no HTTP stack).

The database is created without running the migration files (tables straight from the models, as
``pytest --nomigrations`` does) in a temporary ``SQMS_DATA_DIR``; nothing outside it is touched.
Timings are reported, never asserted.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import tempfile
import time
import tracemalloc
import types
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from common import Row, emit, size  # noqa: E402

SIZES = {
    "small": {"db": 50_000, "analysis": 100_000, "submit": 150, "http_seconds": 8, "http_rate": 220},
    "full": {"db": 1_000_000, "analysis": 1_000_000, "submit": 1_000, "http_seconds": 20, "http_rate": 220},
}
K = 30


def _django() -> None:
    os.environ["SQMS_DATA_DIR"] = tempfile.mkdtemp(prefix="sqms-bench-surveys-")
    mod = types.ModuleType("bench_surveys_settings")
    exec(
        "import sqms.settings as _base\n"
        "globals().update({k: v for k, v in vars(_base).items() if k.isupper()})\n"
        "class _NoMigrations(dict):\n"
        "    def __contains__(self, item): return True\n"
        "    def __getitem__(self, item): return None\n"
        "MIGRATION_MODULES = _NoMigrations()\n"
        "SQMS_SURVEY_RATE_LIMIT = 0\n"
        "SQMS_RATE_LIMITS = 'survey-page=0/600'\n"
        "ALLOWED_HOSTS = ['*']\n",
        mod.__dict__,
    )
    sys.modules["bench_surveys_settings"] = mod
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench_surveys_settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", run_syncdb=True, verbosity=0)


def _likert(n: int, seed: int = 11) -> np.ndarray:
    rng = np.random.default_rng(seed)
    g = rng.normal(size=(n, 1))
    f = 0.65 * g + 0.76 * rng.normal(size=(n, 5))
    latent = 0.78 * np.repeat(f, 6, axis=1) + 0.63 * rng.normal(size=(n, K))
    return np.clip(np.rint(3.3 + 1.1 * latent), 1, 5)


def _setup() -> tuple[Any, Any, Any]:
    """A 30-item survey over five dimensions (plus an overall question) and an open campaign."""
    from django.contrib.auth import get_user_model

    from sqms.org.models import OrgUnit
    from sqms.surveys import services
    from sqms.surveys.models import Section

    admin = get_user_model().objects.create_superuser("benchadmin", "b@example.com", "x")
    unit = OrgUnit.objects.create(code="HQ", name="总部", kind="company")
    unit.path, unit.depth = f"/{unit.pk}/", 0
    unit.save(update_fields=["path", "depth"])
    survey = services.create_survey(
        actor=admin,
        code="BENCH",
        title="基准问卷",
        dimensions=[(f"D{d}", f"维度{d}", f"Dimension {d}") for d in range(1, 6)],
    )
    section = Section.objects.create(survey=survey, order=0, title="")
    for j in range(K):
        services.add_question(
            actor=admin,
            survey=survey,
            section=section,
            code=f"q{j + 1}",
            type="likert",
            text=f"题项 {j + 1}",
            dimension=f"D{j // 6 + 1}",
        )
    services.add_question(
        actor=admin, survey=survey, section=section, code="overall", type="likert", text="总体"
    )
    campaign = services.create_campaign(
        actor=admin, survey=survey, code="BENCH-C", name="bench", org_unit=unit
    )
    return admin, campaign, unit


def bench_storage(campaign: Any, unit: Any, n: int) -> list[Row]:
    from django.db import connection, transaction
    from django.utils import timezone

    from sqms.surveys import domain, selectors
    from sqms.surveys.models import Response, ResponseValues

    version = campaign.version
    items = version.items
    codes = [it["code"] for it in items]
    x = np.column_stack([_likert(n), np.clip(np.rint(3.5 + np.random.default_rng(3).normal(size=n)), 1, 5)])
    now = timezone.now().isoformat()
    table = Response._meta.db_table
    vtable = ResponseValues._meta.db_table
    with connection.cursor() as cur:  # the layout before: float64 values inside the wide response row
        cur.execute(f'ALTER TABLE {table} ADD COLUMN "legacy_values" BLOB')
    cols = (
        "id, campaign_id, version_id, org_unit_id, channel, source, external_id, submitted_at, answers, "
        "flags, override, override_reason, included, device, legacy_values"
    )
    sql = (
        f"INSERT INTO {table} ({cols}) "
        "VALUES (%s, %s, %s, %s, 'web', 'web', '', %s, %s, '[]', '', '', 1, '', %s)"
    )
    vsql = f"INSERT INTO {vtable} (response_id, data) VALUES (%s, %s)"
    t0 = time.perf_counter()
    chunk = 20_000
    with transaction.atomic(), connection.cursor() as cur:
        for s in range(0, n, chunk):
            block = x[s : s + chunk]
            legacy = block.astype("<f8")
            cur.executemany(
                sql,
                [
                    (
                        s + i + 1,
                        campaign.pk,
                        version.pk,
                        unit.pk,
                        now,
                        json.dumps(dict(zip(codes, map(int, r), strict=True))),
                        legacy[i].tobytes(),
                    )
                    for i, r in enumerate(block)
                ],
            )
            cur.executemany(vsql, [(s + i + 1, domain.pack_row(r)) for i, r in enumerate(block)])
    write_s = time.perf_counter() - t0
    db_mib = Path(connection.settings_dict["NAME"]).stat().st_size / 2**20
    values_mib = _table_mib(vtable)

    qs = Response.objects.filter(campaign=campaign).order_by("pk")
    gc.collect()
    t0 = time.perf_counter()
    m = selectors.matrix(qs, version)
    packed_s = time.perf_counter() - t0
    assert m.shape == (n, len(items)) and np.array_equal(m, x), "matrix differs from what was stored"
    del m

    gc.collect()
    t0 = time.perf_counter()  # the old path: values_list iterator over the float64 column of the wide rows
    legacy_m = domain.unpack(
        qs.extra(select={"lv": "legacy_values"}).values_list("lv", flat=True).iterator(chunk_size=5000),
        len(items),
    )
    legacy_s = time.perf_counter() - t0
    assert np.array_equal(legacy_m, x)
    del legacy_m
    return [
        Row(
            f"storage → matrix {n:,}×{len(items)} (compact ResponseValues)",
            round(packed_s, 3),
            "s",
            target=3.0 if n >= 1_000_000 else None,
            baseline=round(legacy_s, 3),
            note=f"baseline = the previous layout (float64 blob inside the response row next to the answers "
            f"JSON, Django values_list iterator); values table {values_mib:.0f} MiB "
            f"({values_mib * 2**20 / n:.0f} B/response), whole SQLite file {db_mib:.0f} MiB incl. JSON, "
            f"both layouts and indexes; bulk write {write_s:.1f} s",
        )
    ]


def _table_mib(name: str) -> float:
    """Pages of one SQLite table (SQLite's dbstat virtual table; NaN when it is not compiled in)."""
    from django.db import DatabaseError, connection

    try:
        with connection.cursor() as cur:
            cur.execute("SELECT SUM(pgsize) FROM dbstat WHERE name = %s", [name])
            return float(cur.fetchone()[0] or 0) / 2**20
    except DatabaseError:
        return float("nan")


def bench_analysis(campaign: Any, n: int) -> list[Row]:
    from sqms.surveys import analysis

    version = campaign.version
    x = np.column_stack(
        [_likert(n, seed=5), np.clip(np.rint(3.5 + np.random.default_rng(4).normal(size=n)), 1, 5)]
    )
    items, definition = version.items, version.definition
    analysis.compute(x[:2000], items, definition)  # warm-up
    gc.collect()
    t0 = time.perf_counter()
    report = analysis.compute(x, items, definition)
    elapsed = time.perf_counter() - t0
    assert report["n"] == n and report["reliability"]["scales"], report.get("errors")
    tracemalloc.start()
    analysis.compute(x, items, definition)
    _cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return [
        Row(
            f"analysis report {n:,}×{x.shape[1]}",
            round(elapsed, 3),
            "s",
            note="surveys.analysis.compute, every step",
        ),
        Row(
            f"analysis report {n:,}×{x.shape[1]} peak memory",
            round(peak / 2**20, 1),
            "MiB",
            note=f"tracemalloc; the input matrix itself is {x.nbytes / 2**20:.0f} MiB",
        ),
    ]


def bench_submit(campaign: Any, count: int) -> list[Row]:
    from django.test import Client

    from sqms.surveys import services
    from sqms.surveys.models import Response

    rng = np.random.default_rng(9)
    answers = rng.integers(1, 6, size=(2 * count, K + 1))
    codes = [f"q{j + 1}" for j in range(K)] + ["overall"]
    client = Client(HTTP_USER_AGENT="bench")
    url = f"/s/{campaign.slug}/"
    import logging
    import re

    logging.getLogger("sqms.request").setLevel(logging.WARNING)
    page = client.get(url).content.decode()
    start = re.search(r'name="_start" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    before = Response.objects.count()
    t0 = time.perf_counter()
    for i in range(count):
        data = {c: str(v) for c, v in zip(codes, answers[i], strict=True)}
        data["_start"] = start
        r = client.post(
            url, urlencode(data), content_type="application/x-www-form-urlencoded"
        )  # as a browser
        assert r.status_code == 302, (r.status_code, r.content[:300])
    http_s = time.perf_counter() - t0
    assert Response.objects.count() - before == count

    t0 = time.perf_counter()
    for i in range(count, 2 * count):
        services.submit_response(
            campaign=campaign, raw={c: [str(v)] for c, v in zip(codes, answers[i], strict=True)}
        )
    direct_s = time.perf_counter() - t0
    return [
        Row(
            f"public submit POST /s/<slug>/ ({count} responses, 31 items)",
            round(count / http_s, 1),
            "responses/s",
            target=200.0,
            baseline=round(count / direct_s, 1),
            lower_is_better=False,
            note=f"Django test client, SQLite; {1e3 * http_s / count:.1f} ms each; "
            "baseline = services.submit_response without HTTP",
        )
    ]


def _gunicorn_env(data_dir: str, secret: str, workers: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SQMS_", "DATABASE_", "PROMETHEUS_", "DJANGO_SETTINGS"))
    }
    env.update(
        SQMS_DATA_DIR=data_dir,
        SQMS_PRODUCTION="1",
        SQMS_SECRET_KEY=secret,
        SQMS_ALLOWED_HOSTS="127.0.0.1,localhost",
        SQMS_WEB_WORKERS=workers,
        SQMS_LOG_LEVEL="WARNING",
        SQMS_REQUIRE_2FA_ROLES="",
        PROMETHEUS_MULTIPROC_DIR=str(Path(data_dir) / "prometheus"),
        SQMS_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        # one load generator = one address: limits far above the run's count, so the limiters still run
        SQMS_RATE_LIMITS="survey-page=10000000/600",
        SQMS_SURVEY_RATE_LIMIT="10000000",
    )
    return env


def _count_responses(data_dir: str) -> int:
    import sqlite3

    con = sqlite3.connect(Path(data_dir) / "sqms.sqlite3")
    try:
        return int(con.execute("SELECT COUNT(*) FROM surveys_response").fetchone()[0])
    finally:
        con.close()


OLD_SETUP = """
import json, sys
sys.argv = ["bench"]
import bench_surveys as b
b._django()
_admin, campaign, _unit = b._setup()
from django.db import connections
connections.close_all()
import os
print(json.dumps({"slug": campaign.slug, "pk": campaign.pk, "dir": os.environ["SQMS_DATA_DIR"]}))
"""


def bench_submit_http_old(ref: str, seconds: float, rate: float) -> list[Row]:
    """The same load against the code of git ``ref`` (the path before this work): its tree is exported
    with ``git archive`` into a temporary directory, its own bench set-up builds its database, and its
    gunicorn serves it."""
    import shutil
    import subprocess

    tree = Path(tempfile.mkdtemp(prefix="sqms-bench-old-"))
    old_dirs: list[str] = []
    try:
        archive = subprocess.run(
            ["git", "archive", ref, "src", "bench"], cwd=ROOT, capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SQMS_", "DJANGO_SETTINGS"))}
        env["PYTHONPATH"] = f"{tree / 'src'}:{tree / 'bench'}"
        out = subprocess.run(
            [sys.executable, "-c", OLD_SETUP], env=env, cwd=tree, capture_output=True, text=True, check=False
        )
        if out.returncode:
            raise SystemExit(out.stderr[-3000:])
        info = json.loads(out.stdout.strip().splitlines()[-1])
        old_dirs.append(info["dir"])
        return bench_submit_http(
            info["slug"],
            info["pk"],
            info["dir"],
            seconds,
            rate,
            pythonpath=str(tree / "src"),
            label=f"old code {ref}",
        )
    finally:
        shutil.rmtree(tree, ignore_errors=True)
        for d in old_dirs:
            shutil.rmtree(d, ignore_errors=True)


def bench_submit_http(
    slug: str,
    campaign_pk: int,
    data_dir: str,
    seconds: float,
    rate: float,
    workers: str = "4",
    pythonpath: str = "",
    label: str = "this code",
) -> list[Row]:
    """POST /s/<slug>/ to gunicorn (production settings) on 127.0.0.1, open loop at ``rate`` for
    ``seconds``: as a browser posts the form (CSRF cookie + token, the signed start time)."""
    import logging
    import secrets
    import signal
    import socket
    import subprocess
    import threading

    import httpx
    from bench_http import quantile  # type: ignore[import-not-found]
    from django.core import signing
    from django.db import connections

    logging.getLogger("httpx").setLevel(logging.WARNING)
    connections.close_all()
    start_salt = "sqms.surveys.start"
    secret = secrets.token_urlsafe(50)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    env = _gunicorn_env(data_dir, secret, workers)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    log = open(Path(data_dir) / "gunicorn.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [gunicorn, "-c", "python:sqms.core.ops.gunicorn_conf", "sqms.wsgi", "--bind", f"127.0.0.1:{port}"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    headers = {"X-Forwarded-Proto": "https", "Origin": f"https://127.0.0.1:{port}", "User-Agent": "bench"}
    csrf = secrets.token_hex(16)  # an unmasked 32-character CSRF secret, in the cookie and the form
    headers["Cookie"] = f"csrftoken={csrf}"
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    start_token = signing.dumps({"c": campaign_pk, "t": time.time() - 120}, key=secret, salt=start_salt)
    rng = np.random.default_rng(21)
    codes = [f"q{j + 1}" for j in range(K)] + ["overall"]
    n = int(rate * seconds)
    bodies = [
        urlencode(
            {
                **{c: str(v) for c, v in zip(codes, row, strict=True)},
                "_start": start_token,
                "csrfmiddlewaretoken": csrf,
            }
        )
        for row in rng.integers(1, 6, size=(n + 40, K + 1))
    ]
    url = f"/s/{slug}/"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/readyz", headers=headers, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                raise SystemExit((Path(data_dir) / "gunicorn.log").read_text(errors="replace")[-3000:])
            time.sleep(0.3)
        before = _count_responses(data_dir)
        with httpx.Client(base_url=base, headers=headers, timeout=30) as c:  # warm every worker up
            warm = [c.post(url, content=bodies[n + i]).status_code for i in range(40)]
        assert set(warm) == {302}, (
            warm,
            (Path(data_dir) / "gunicorn.log").read_text(errors="replace")[-2000:],
        )
        lat: list[float] = []
        done: list[float] = []  # completion instants, seconds after the start
        statuses: dict[int, int] = {}
        lock = threading.Lock()
        t_start = time.perf_counter() + 0.2
        nxt = iter(range(n))

        def worker() -> None:
            with httpx.Client(base_url=base, headers=headers, timeout=10) as c:
                while True:
                    with lock:
                        i = next(nxt, None)
                    if i is None:
                        return
                    due = t_start + i / rate
                    wait = due - time.perf_counter()
                    if wait > 0:
                        time.sleep(wait)
                    try:
                        status = c.post(url, content=bodies[i]).status_code
                    except httpx.HTTPError:
                        status = 0
                    now = time.perf_counter()
                    took = now - due  # from the scheduled time: lateness counts
                    with lock:
                        statuses[status] = statuses.get(status, 0) + 1
                        if status == 302:
                            lat.append(took)
                            done.append(now - t_start)

        cpu0 = time.process_time()
        pool = [threading.Thread(target=worker, daemon=True) for _ in range(32)]
        for t in pool:
            t.start()
        for t in pool:
            t.join(seconds + 30)
        gen_cpu = time.process_time() - cpu0
        stored = _count_responses(data_dir) - before - len(warm)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
    errors = n - len(lat)
    # throughput of the steady window (after the first second, up to the end of the offered schedule):
    # a server that keeps up completes the offered rate there; one that falls behind completes fewer
    steady = sum(1 for d in done if 1.0 <= d < seconds) / (seconds - 1.0)
    assert stored == len(lat), (stored, len(lat), statuses)
    tag = f"public submit via gunicorn, {label} ({workers} workers, SQLite) @{rate:g}/s×{seconds:g}s"
    return [
        Row(
            f"{tag} completed rate (steady window 1 s … end of schedule)",
            round(steady, 1),
            "responses/s",
            target=200.0,
            lower_is_better=False,
            note=f"{len(lat)} of {n} answered 302 and stored; statuses {statuses}; load generator CPU {gen_cpu:.1f} s",
        ),
        Row(f"{tag} p50", round(quantile(lat, 0.5) * 1000, 1), "ms"),
        Row(f"{tag} p95", round(quantile(lat, 0.95) * 1000, 1), "ms"),
        Row(f"{tag} p99", round(quantile(lat, 0.99) * 1000, 1), "ms"),
        Row(f"{tag} errors", errors, "requests", target=0),
    ]


def main() -> None:
    cfg = SIZES[size()]
    t0 = time.perf_counter()
    _django()
    _admin, campaign, unit = _setup()
    setup_s = time.perf_counter() - t0
    # small (make bench, 60 s budget): no gunicorn runs; full: all, or choose with BENCH_SURVEYS_PARTS
    default = "storage,analysis,submit" if size() == "small" else "storage,analysis,submit,http,http-old"
    parts = os.environ.get("BENCH_SURVEYS_PARTS", default).split(",")
    rows: list[Row] = []
    if "storage" in parts:
        rows += bench_storage(campaign, unit, cfg["db"])
    if "analysis" in parts:
        rows += bench_analysis(campaign, cfg["analysis"])
    if "submit" in parts:
        rows += bench_submit(campaign, cfg["submit"])
    if "http" in parts:
        rows += bench_submit_http(
            campaign.slug, campaign.pk, os.environ["SQMS_DATA_DIR"], cfg["http_seconds"], cfg["http_rate"]
        )
    old_ref = os.environ.get("BENCH_SURVEYS_OLD_REF", "fbb1156")
    if "http-old" in parts and old_ref:
        rows += bench_submit_http_old(old_ref, cfg["http_seconds"], cfg["http_rate"])
    rows.append(Row("set-up (tables from models, survey, campaign)", round(setup_s, 1), "s"))
    rows.append(Row("load average (1 min) at the end", round(os.getloadavg()[0], 1), ""))
    emit("surveys", rows)
    import shutil

    shutil.rmtree(os.environ["SQMS_DATA_DIR"], ignore_errors=True)


if __name__ == "__main__":
    main()
