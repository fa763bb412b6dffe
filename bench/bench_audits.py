"""Benchmark: the random spot-check draw over 1,000,000 records, and the audit report PDF.

    export SQMS_DATA_DIR=$(mktemp -d)
    .venv/bin/sqms migrate                                  (once; `sqms demo` is not needed)
    BENCH_SIZE=small|full .venv/bin/python bench/bench_audits.py

Rows:

* ``spot_check_draw_1m`` — :func:`sqms.audits.domain.draw_sample` drawing a sample of 30 (and 1,000)
  ids from a population of 1,000,000 record ids given in random order (what ``draw_spot_check`` gets
  from the database).  The baseline is the naive way: copy the population, sort it, shuffle it all with
  the seeded generator and take the first ids.  Before timing, the script checks reproducibility and
  fails otherwise: the same seed over the same population in another order draws the same ids, and the
  recorded seed redraws them; a different seed draws different ids.
* ``audit_report_pdf`` — :func:`sqms.audits.report.pdf` of an audit plan with every ISO 9001 clause of
  the library in its checklist (about 60 questions, with notes) and 40 findings, on the migrated
  database (the plan is made inside a transaction that is rolled back: nothing is left behind);
  median of 3 runs (``full``: 15) after one warm-up that also loads the CJK font.  The baseline is the
  first (cold) run, font registration included.

Without ``SQMS_DATA_DIR`` (as under ``make bench``) the script works in a temporary data directory: a copy
of the migrated SQLite database cached in ``var/bench-cache/migrated.sqlite3`` (made on the first run; newer
migrations are applied to the copy).

Timings are reported, never asserted.  ``small`` and ``full`` both draw over 1,000,000 ids (the draw
is cheap); ``full`` repeats more.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "bench")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sqms.settings")
MIGRATED_CACHE = ROOT / "var" / "bench-cache" / "migrated.sqlite3"
OWN_DATA_DIR = "SQMS_DATA_DIR" not in os.environ and "DATABASE_URL" not in os.environ
if OWN_DATA_DIR:
    _tmp = Path(tempfile.mkdtemp(prefix="sqms-bench-audits-"))
    if MIGRATED_CACHE.exists():
        shutil.copyfile(MIGRATED_CACHE, _tmp / "sqms.sqlite3")
    os.environ["SQMS_DATA_DIR"] = str(_tmp)

import django  # noqa: E402

django.setup()

if OWN_DATA_DIR:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # everything on a fresh directory, newer ones on the cached copy
    if not MIGRATED_CACHE.exists():
        MIGRATED_CACHE.parent.mkdir(parents=True, exist_ok=True)
        _src = sqlite3.connect(Path(os.environ["SQMS_DATA_DIR"]) / "sqms.sqlite3")
        _dst = sqlite3.connect(MIGRATED_CACHE.with_suffix(".partial"))
        _src.backup(_dst)
        _src.close()
        _dst.close()
        MIGRATED_CACHE.with_suffix(".partial").rename(MIGRATED_CACHE)

from common import Row, emit, size  # noqa: E402

from sqms.audits.domain import draw_sample  # noqa: E402

POPULATION = 1_000_000
SEED = 20261126


def naive_draw(population: list[int], n: int, seed: int) -> list[int]:
    ids = sorted(set(population))
    random.Random(seed).shuffle(ids)
    return sorted(ids[:n])


def best_of(fn: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return min(times)


def bench_draw(repeat: int) -> list[Row]:
    rng = random.Random(1)
    population = rng.sample(range(1, 3 * POPULATION), POPULATION)  # sparse ids, database order
    first = draw_sample(population, 30, SEED)
    shuffled = population[:]
    random.Random(2).shuffle(shuffled)
    if draw_sample(shuffled, 30, SEED) != first:
        sys.exit("spot-check draw is not reproducible for the same seed and population")
    if draw_sample(population, 30, SEED + 1) == first:
        sys.exit("a different seed drew the same sample")
    if len(set(first)) != 30 or not set(first) <= set(population):
        sys.exit("the sample is not 30 distinct ids of the population")
    rows = []
    for n in (30, 1000):
        t = best_of(lambda n=n: draw_sample(population, n, SEED), repeat)
        base = best_of(lambda n=n: naive_draw(population, n, SEED), max(1, repeat // 2))
        rows.append(
            Row(
                f"spot_check_draw_1m_n{n}",
                round(t * 1000, 1),
                "ms",
                baseline=round(base * 1000, 1),
                note=f"sample of {n} from {POPULATION:,} ids, seed {SEED} (reproducible: checked); "
                "baseline: sort + full seeded shuffle",
            )
        )
    return rows


def bench_pdf(repeat: int) -> list[Row]:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.db.utils import OperationalError

    from sqms.audits import report
    from sqms.audits.models import AuditQuestion, Clause, Finding, FindingKind

    try:
        if not Clause.objects.filter(standard="iso9001_2015").exists():
            sys.exit("the clause library is empty: run `sqms migrate` on SQMS_DATA_DIR first")
    except OperationalError:
        sys.exit("no migrated database: export SQMS_DATA_DIR=... and run `sqms migrate` first")
    rows: list[Row] = []
    with transaction.atomic():
        from sqms.org.services import create_unit

        User = get_user_model()
        admin = User.objects.create_superuser("bench-admin", "bench@example.com", None)
        lead = User.objects.create_user("bench-auditor", first_name="审核员")
        root = create_unit(actor=admin, code="BENCH-HQ", name="基准总部", kind="company", parent=None)
        unit = create_unit(actor=admin, code="BENCH-A", name="基准营业厅", kind="outlet", parent=root)
        clauses = list(Clause.objects.filter(standard="iso9001_2015").order_by("order"))
        from sqms.audits.models import AuditPlan

        plan = AuditPlan.objects.create(
            number="AUD-BENCH",
            title="年度内部审核（基准）",
            objective="验证质量管理体系的符合性与有效性",
            scope="全部营业服务过程",
            start_date=django.utils.timezone.localdate(),
            end_date=django.utils.timezone.localdate(),
            lead_auditor=lead,
        )
        plan.auditee_units.add(unit)
        plan.criteria.add(*clauses)
        AuditQuestion.objects.bulk_create(
            [
                AuditQuestion(
                    plan=plan,
                    clause=c,
                    order=i,
                    question=f"是否满足条款 {c.number} {c.title_zh} 的要求？",
                    result="conforming" if i % 7 else "nonconforming",
                    notes="抽查记录三份，现场询问两名员工。" * 2,
                )
                for i, c in enumerate(clauses)
            ]
        )
        kinds = list(FindingKind.values)
        Finding.objects.bulk_create(
            [
                Finding(
                    plan=plan,
                    clause=clauses[i % len(clauses)],
                    kind=kinds[i % len(kinds)],
                    description=f"发现 {i + 1}：服务记录填写不完整，部分回访未按时完成。",
                    evidence="抽查 2026 年 3 月工单 20 份，其中 3 份缺少处理结果。",
                    auditee_unit=unit,
                    auditee="营业厅主管",
                    auditor=lead,
                )
                for i in range(40)
            ]
        )
        n_questions = len(clauses)
        t0 = time.perf_counter()
        data = report.pdf(plan)
        cold = time.perf_counter() - t0
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            data = report.pdf(plan)
            times.append(time.perf_counter() - t0)
        if not data.startswith(b"%PDF"):
            sys.exit("the audit report is not a PDF")
        transaction.set_rollback(True)
    median = statistics.median(times)
    rows.append(
        Row(
            "audit_report_pdf",
            round(median * 1000, 1),
            "ms",
            baseline=round(cold * 1000, 1),
            note=f"{n_questions} checklist questions, 40 findings, {len(data) // 1024} KiB; median of "
            f"{repeat} warm runs ({connection.vendor}); baseline: the first (cold) run with font loading",
        )
    )
    return rows


def main() -> None:
    full = size() == "full"
    rows = bench_draw(repeat=7 if full else 2)
    rows += bench_pdf(repeat=15 if full else 3)
    emit("audits", rows)


if __name__ == "__main__":
    try:
        main()
    finally:
        if OWN_DATA_DIR:
            shutil.rmtree(os.environ["SQMS_DATA_DIR"], ignore_errors=True)
