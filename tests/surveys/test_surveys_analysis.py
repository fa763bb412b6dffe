"""The analysis report: page, API and Excel agree with sqms.stats (and α with pingouin) on the included
matrix; exclusions and filters are respected; the cache follows the data; scoping answers 404; large data
go through the background task with a progress indicator."""

from __future__ import annotations

import io
import math
from datetime import timedelta
from html import unescape

import numpy as np
import pytest
from django.utils import timezone

from sqms import stats
from sqms.surveys import analysis, demo, domain, selectors, services
from sqms.surveys.models import Response, ResponseSource

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_task_storage():
    """Reports travel through huey's storage (in memory in the tests): start every test without them."""
    from huey.contrib.djhuey import HUEY

    HUEY.storage.flush_all()
    yield
    HUEY.storage.flush_all()


def seed(org, template="seven", code="AN7", n=240, seed=7, unit_b_share=0.4, days=60):
    """A published ``template`` survey with an open campaign on the region and ``n`` generated responses
    (latent-factor answers as in the demo) spread over both branches and the last ``days`` days, with a few
    straight-liners for the cleaning rules to exclude."""
    survey = services.create_from_template(actor=org.quality, template=template, code=code)
    campaign = services.create_campaign(
        actor=org.quality,
        survey=survey,
        code=f"C-{code}",
        name=f"Campaign {code}",
        org_unit=org.region,
        starts_at=timezone.now() - timedelta(days=days + 1),
    )
    version = campaign.version
    rng = np.random.default_rng(seed)
    answers, _g = demo._answers(version, n, rng)
    scale = [it["code"] for it in version.items if it["type"] in domain.SCALE_TYPES and not it["attention"]]
    now = timezone.now()
    rows = []
    for i, a in enumerate(answers):
        if i % 25 == 3:  # straight-liner
            for c in scale:
                a[c] = 3
        unit = org.team_b if rng.random() < unit_b_share else org.team_a
        rows.append(
            Response(
                campaign=campaign,
                version=version,
                org_unit=unit,
                channel=campaign.channel,
                source=ResponseSource.DEMO,
                submitted_at=now - timedelta(days=float(days * i / n)),
                duration_s=float(60 + 9 * len(version.items) + rng.normal(0, 10)),
                answers=a,
            )
        )
    Response.objects.bulk_create(rows)
    services.write_values(rows, [domain.pack(version.items, r.answers) for r in rows])
    services.clean_campaign(campaign=campaign)
    return campaign


def included_matrix(campaign, **filters):
    qs = Response.objects.filter(campaign=campaign, version=campaign.version, included=True)
    if filters.get("unit"):
        qs = qs.filter(org_unit__path__startswith=filters["unit"].path)
    return domain.unpack(qs.values_list("numeric__data", flat=True), len(campaign.version.items))


def scale_of(campaign):
    items = campaign.version.items
    overall = analysis.overall_index(items)
    cols = analysis.scale_index(items, overall)
    dims = {}
    for j in cols:
        dims.setdefault(items[j]["dimension"], []).append(items[j]["code"])
    return items, overall, cols, dims


def test_page_and_api_numbers_equal_sqms_stats_and_pingouin(org, client_for, api_for):
    import pandas as pd
    import pingouin as pg

    campaign = seed(org)
    x = included_matrix(campaign)
    items, overall, cols, dims = scale_of(campaign)
    xs = domain.score(x, items)[:, cols]
    codes = [items[j]["code"] for j in cols]
    b = stats.run_battery(xs, codes, dims)

    api = api_for(org.quality)
    r = api.get(f"/api/v1/survey-campaigns/{campaign.code}/analysis")
    assert r.status_code == 200, r.content
    rep = r.json()
    assert rep["status"] == "ready" and rep["n"] == x.shape[0]
    whole = rep["reliability"]["scales"][0]
    assert whole["dimension"] is None and whole["n"] == b.reliability.overall.n
    assert math.isclose(whole["alpha"], b.reliability.overall.alpha, abs_tol=1e-12)
    # pingouin on the same included matrix (listwise), to 1e-6
    alpha_pg, _ci = pg.cronbach_alpha(data=pd.DataFrame(xs, columns=codes), nan_policy="listwise")
    assert abs(whole["alpha"] - alpha_pg) < 1e-6
    by_dim = {s["dimension"]["code"]: s for s in rep["reliability"]["scales"][1:]}
    assert set(by_dim) == set(dims)
    for d, res in b.reliability.dimensions.items():
        assert math.isclose(by_dim[d]["alpha"], res.alpha, abs_tol=1e-12)
        sub = pd.DataFrame(xs[:, [codes.index(c) for c in dims[d]]])
        assert abs(by_dim[d]["alpha"] - pg.cronbach_alpha(data=sub, nan_policy="listwise")[0]) < 1e-6
        for row, citc, aid in zip(by_dim[d]["items"], res.citc, res.alpha_if_deleted, strict=True):
            assert math.isclose(row["citc"], citc, abs_tol=1e-12)
            assert math.isclose(row["alpha_if_deleted"], aid, abs_tol=1e-12)
            assert row["low_citc"] == (citc < 0.3) and row["raises_alpha"] == (aid > res.alpha)
    v = rep["validity"]
    assert math.isclose(v["kmo"]["kmo"], b.kmo.kmo, abs_tol=1e-12)
    assert math.isclose(v["bartlett"]["chi2"], b.bartlett.chi2, rel_tol=1e-12)
    assert v["efa"]["n_factors"] == len(dims)
    assert np.allclose(v["efa"]["eigenvalues"], b.efa.eigenvalues, atol=1e-12)
    sorted_rows = b.efa.sorted_loadings(analysis.SUPPRESS)
    assert [row["code"] for row in v["efa"]["loadings"]] == [c for c, _vals in sorted_rows]
    for row, (_c, vals) in zip(v["efa"]["loadings"], sorted_rows, strict=True):
        assert row["values"] == [None if x is None else pytest.approx(x, abs=1e-12) for x in vals]
    for c, d in zip(v["constructs"], b.validity.dimensions, strict=True):
        i = b.validity.dimensions.index(d)
        assert c["dimension"]["code"] == d
        assert math.isclose(c["ave"], b.validity.ave[i], abs_tol=1e-12)
        assert math.isclose(c["cr"], b.validity.cr[i], abs_tol=1e-12)
    assert np.allclose(
        np.nan_to_num(np.array(v["htmt"]["matrix"], dtype=float)), np.nan_to_num(b.validity.htmt), atol=1e-12
    )
    # correlation of dimension scores (item means) over the complete cases
    xc = xs[~np.isnan(xs).any(axis=1)]
    scores = np.column_stack([xc[:, [codes.index(c) for c in its]].mean(axis=1) for its in dims.values()])
    corr = stats.pearson(scores, list(dims))
    assert np.allclose(rep["correlation"]["r"], corr.r, atol=1e-12)
    assert np.allclose(rep["correlation"]["p"], corr.p, atol=1e-12)
    # key drivers and IPA against the overall satisfaction question
    y = domain.score(x, items)[~np.isnan(xs).any(axis=1), overall]
    kd = stats.key_drivers(scores, y, list(dims))
    assert np.allclose([i["beta"] for i in rep["drivers"]["items"]], kd.beta, atol=1e-12)
    assert math.isclose(rep["drivers"]["r2"], kd.r2, abs_tol=1e-12)
    imp = stats.derived_importance(scores, y, list(dims))
    assert np.allclose([i["importance"] for i in rep["ipa"]["items"]], imp, atol=1e-12)
    assert rep["ipa"]["source"] == "overall"
    # descriptives: every item over its own answers
    first = next(d for d in rep["descriptives"]["items"] if d["code"] == codes[0])
    ref = stats.describe(x[:, [items.index(next(it for it in items if it["code"] == codes[0]))]], scale_max=5)
    assert math.isclose(first["mean"], ref.items[0].mean, abs_tol=1e-12)
    assert math.isclose(first["top2box"], ref.items[0].top2box, abs_tol=1e-12)
    # sentences in both languages, from sqms.stats.verdicts
    verdict = stats.verdicts.alpha(b.reliability.overall.alpha).to_dict()
    assert {k: whole["sentence"][k] for k in verdict} == verdict  # code, params, level
    assert whole["sentence"]["en"].startswith("Overall Cronbach's α = ")
    assert whole["sentence"]["zh"].startswith("总量表 Cronbach's α = ")

    # the page shows the same numbers (in Chinese by default)
    page = client_for(org.quality).get(f"/surveys/campaigns/{campaign.pk}/analysis/")
    assert page.status_code == 200
    html = unescape(page.content.decode())
    assert whole["sentence"]["zh"] in html
    assert f"{b.kmo.kmo:.3f}" in html
    assert 'id="chart-ipa"' in html and 'id="chart-drivers"' in html and "unfold/js/chart/chart.js" in html
    assert f'id="analysis-n">{x.shape[0]}<' in html


def api_report(api, campaign, query=""):
    r = api.get(f"/api/v1/survey-campaigns/{campaign.code}/analysis{query}")
    assert r.status_code == 200, r.content
    return r.json()


def alpha_of(x, campaign):
    items, _overall, cols, dims = scale_of(campaign)
    xs = domain.score(x, items)[:, cols]
    return stats.run_battery(xs, [items[j]["code"] for j in cols], dims).reliability.overall.alpha


def test_exclusions_are_respected_and_explained(org, api_for):
    campaign = seed(org)
    api = api_for(org.quality)
    rep = api_report(api, campaign)
    qs = Response.objects.filter(campaign=campaign)
    excluded = qs.filter(included=False)
    assert excluded.exists()
    q = rep["data_quality"]
    assert q["total"] == qs.count() and q["excluded"] == excluded.count()
    assert rep["n"] == q["analysed"] == qs.filter(included=True).count()
    straight = sum(1 for r in excluded if any(f["rule"] == "straightlining" for f in r.flags))
    assert {r["rule"]: r["n"] for r in q["reasons"]}["straightlining"] == straight
    assert f"数据清洗排除 {excluded.count()} 份" in q["sentence"]["zh"]
    assert math.isclose(
        rep["reliability"]["scales"][0]["alpha"], alpha_of(included_matrix(campaign), campaign)
    )

    # an analyst excludes an included response and keeps a straight-liner: the report follows
    keep = excluded.first()
    drop = qs.filter(included=True).first()
    services.decide(actor=org.quality, response=drop, decision="exclude", reason="respondent is an employee")
    services.decide(actor=org.quality, response=keep, decision="include", reason="checked by phone")
    rep = api_report(api, campaign)
    assert rep["n"] == qs.filter(included=True).count()
    assert rep["data_quality"]["analyst_excluded"] == 1 and rep["data_quality"]["analyst_included"] == 1
    assert math.isclose(
        rep["reliability"]["scales"][0]["alpha"], alpha_of(included_matrix(campaign), campaign)
    )


def test_unit_and_period_filters(org, api_for, client_for):
    campaign = seed(org)
    api = api_for(org.quality)
    x_a = included_matrix(campaign, unit=org.team_a)
    rep = api_report(api, campaign, "?unit=BA-T")
    assert rep["n"] == x_a.shape[0] < api_report(api, campaign)["n"]
    assert rep["filters"]["unit"] == "BA-T"
    assert math.isclose(rep["reliability"]["scales"][0]["alpha"], alpha_of(x_a, campaign), abs_tol=1e-12)
    assert (
        rep["data_quality"]["total"]
        == Response.objects.filter(campaign=campaign, org_unit=org.team_a).count()
    )

    today = timezone.localdate()
    start, end = today - timedelta(days=30), today - timedelta(days=10)
    tz = timezone.get_current_timezone()
    from datetime import datetime, time

    period = Response.objects.filter(
        campaign=campaign,
        included=True,
        submitted_at__gte=datetime.combine(start, time.min, tzinfo=tz),
        submitted_at__lte=datetime.combine(end, time.max, tzinfo=tz),
    )
    rep = api_report(api, campaign, f"?start={start}&end={end}")
    assert rep["n"] == period.count() > 0
    x_p = domain.unpack(period.values_list("numeric__data", flat=True), len(campaign.version.items))
    assert math.isclose(rep["reliability"]["scales"][0]["alpha"], alpha_of(x_p, campaign), abs_tol=1e-12)

    page = client_for(org.quality).get(f"/surveys/campaigns/{campaign.pk}/analysis/?unit=BA-T&status=all")
    assert page.status_code == 200
    assert f'id="analysis-n">{x_a.shape[0]}<' in page.content.decode()  # the status filter does not apply
    assert api.get(f"/api/v1/survey-campaigns/{campaign.code}/analysis?unit=NOPE").status_code == 404


def test_cache_is_used_until_the_data_change(org, api_for, client_for, monkeypatch):
    campaign = seed(org, n=120)
    calls = []
    real = selectors.compute_analysis

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(selectors, "compute_analysis", counting)
    api = api_for(org.quality)
    n = api_report(api, campaign)["n"]
    assert api_report(api, campaign)["n"] == n and len(calls) == 1
    assert client_for(org.quality).get(f"/surveys/campaigns/{campaign.pk}/analysis/").status_code == 200
    assert len(calls) == 1  # the page shares the API's cached report
    assert api_report(api, campaign, "?unit=BA-T") and len(calls) == 2  # other filters, other report

    # a new response changes the data version: recomputed, and counted
    version = campaign.version
    answers = Response.objects.filter(campaign=campaign, included=True).first().answers
    added = Response.objects.create(
        campaign=campaign,
        version=version,
        org_unit=org.team_a,
        source=ResponseSource.API,
        answers=answers,
        submitted_at=timezone.now() - timedelta(days=3),
    )
    services.write_values([added], [domain.pack(version.items, answers)])
    assert api_report(api, campaign)["n"] == n + 1 and len(calls) == 3
    assert api_report(api, campaign)["n"] == n + 1 and len(calls) == 3
    # so does an analyst's decision
    r = Response.objects.filter(campaign=campaign, included=True).last()
    services.decide(actor=org.quality, response=r, decision="exclude", reason="test")
    assert api_report(api, campaign)["n"] == n and len(calls) == 4


def test_scoping_other_branch_gets_404(org, api_for, client_for):
    campaign = seed(org, code="ANA", n=60, unit_b_share=0.0)
    campaign.org_unit = org.branch_a
    campaign.save(update_fields=["org_unit"])
    region_campaign = seed(org, code="ANR", n=60)
    urls = [
        f"/surveys/campaigns/{campaign.pk}/analysis/",
        f"/surveys/campaigns/{campaign.pk}/analysis/status/",
        f"/surveys/campaigns/{campaign.pk}/analysis/export/",
    ]
    api_b, web_b = api_for(org.manager_b), client_for(org.manager_b)
    r = api_b.get(f"/api/v1/survey-campaigns/{campaign.code}/analysis")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    for url in urls:
        assert web_b.get(url).status_code == 404, url
    api_a, web_a = api_for(org.manager_a), client_for(org.manager_a)
    assert api_report(api_a, campaign)["n"] > 0
    for url in urls:
        assert web_a.get(url).status_code == 200, url
    assert api_a.get(f"/api/v1/survey-campaigns/{region_campaign.code}/analysis").status_code == 404
    assert web_a.get(f"/surveys/campaigns/{region_campaign.pk}/analysis/").status_code == 404


def test_excel_export_has_a_sheet_per_table(org, client_for):
    from openpyxl import load_workbook

    from sqms.core.models import AuditEntry

    campaign = seed(org)
    web = client_for(org.quality)
    r = web.get(f"/surveys/campaigns/{campaign.pk}/analysis/export/?unit=BA-T")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert r["Content-Disposition"] == f'attachment; filename="{campaign.code}-analysis.xlsx"'
    wb = load_workbook(io.BytesIO(r.content), read_only=True)
    expected = [
        "结论",
        "数据质量",
        "排除原因",
        "描述统计",
        "信度",
        "项总计统计",
        "KMO 和 Bartlett 检验",
        "总方差解释",
        "旋转后的成分载荷",
        "收敛效度（AVE、CR）",
        "区分效度（HTMT）",
        "维度相关系数 r",
        "维度相关 p 值",
        "重要性—表现",
        "关键驱动因素",
        "NPS 与 CSAT",
    ]
    assert wb.sheetnames == expected
    rep = selectors.analysis(org.quality, campaign, selectors.Filters(unit=org.team_a))["report"]
    rows = list(wb["信度"].iter_rows(values_only=True))
    assert rows[0][:4] == ("量表", "题项", "n", "α")
    assert rows[1][3] == rep["reliability"]["scales"][0]["alpha"]
    conclusions = [row[1] for row in wb["结论"].iter_rows(values_only=True) if len(row) > 1]
    assert rep["reliability"]["scales"][0]["sentence"]["zh"] in conclusions
    assert AuditEntry.objects.filter(verb="export analysis xlsx", object_id=str(campaign.pk)).exists()

    web.cookies["django_language"] = "en"
    wb = load_workbook(io.BytesIO(web.get(f"/surveys/campaigns/{campaign.pk}/analysis/export/").content))
    assert wb.sheetnames[:5] == [
        "Conclusions",
        "Data quality",
        "Exclusion reasons",
        "Descriptive statistics",
        "Reliability",
    ]


def test_servqual_gap_and_importance_from_the_total(org, api_for, client_for):
    campaign = seed(org, template="servqual", code="ASQ", n=200)
    rep = api_report(api_for(org.quality), campaign)
    items = campaign.version.items
    x = domain.score(included_matrix(campaign), items)
    e_by_pair = {it["pair"]: j for j, it in enumerate(items) if it["part"] == "E"}
    p_cols = [j for j, it in enumerate(items) if it["part"] == "P" and not it["attention"]]
    dims = {}
    for j in p_cols:
        dims.setdefault(items[j]["dimension"], []).append(items[j]["code"])
    ref = stats.servqual(
        x[:, p_cols],
        x[:, [e_by_pair[items[j]["pair"]] for j in p_cols]],
        [items[j]["code"] for j in p_cols],
        dimensions=dims,
    )
    got = {d["dimension"]["code"]: d["gap"] for d in rep["servqual"]["dimensions"]}
    assert got == pytest.approx({d.name: d.gap for d in ref.dimensions}, abs=1e-12)
    assert rep["servqual"]["overall_gap"] == pytest.approx(ref.overall_gap, abs=1e-12)
    assert rep["ipa"]["source"] == "total" and rep["drivers"] is None and rep["scale"]["overall"] is None
    page = unescape(
        client_for(org.quality).get(f"/surveys/campaigns/{campaign.pk}/analysis/").content.decode()
    )
    assert 'id="chart-gap"' in page and 'id="chart-ipa"' in page and 'id="chart-drivers"' not in page
    assert rep["servqual"]["sentence"]["zh"] in page
    assert "没有总体满意度题" in page


def test_english_page_and_empty_campaign(org, client_for, api_for, csat):
    campaign = seed(org, n=80)
    web = client_for(org.quality)
    web.cookies["django_language"] = "en"
    page = unescape(web.get(f"/surveys/campaigns/{campaign.pk}/analysis/").content.decode())
    assert "Overall Cronbach's α = " in page and "总量表" not in page

    empty = services.create_campaign(
        actor=org.quality, survey=csat, code="EMPTY", name="empty", org_unit=org.branch_a
    )
    assert web.get(f"/surveys/campaigns/{empty.pk}/analysis/").status_code == 200
    rep = api_report(api_for(org.quality), empty)
    assert rep["n"] == 0 and rep["data_quality"]["total"] == 0 and rep["nps"] == []
    assert "reliability" in rep["errors"]


def test_large_data_is_computed_by_a_task_with_progress(org, api_for, client_for, settings, monkeypatch):
    from huey.contrib.djhuey import HUEY

    from sqms.surveys import tasks

    settings.SQMS_SURVEY_ANALYSIS_ASYNC_ABOVE = 50
    campaign = seed(org, n=120)
    real = tasks.analyse_campaign
    queued = []
    monkeypatch.setattr(tasks, "analyse_campaign", lambda *args: queued.append(args))  # a busy worker
    api, web = api_for(org.quality), client_for(org.quality)

    r = api.get(f"/api/v1/survey-campaigns/{campaign.code}/analysis")
    assert (
        r.status_code == 202 and r.json()["status"] == "running" and r.json()["progress"]["step"] == "queued"
    )
    assert len(queued) == 1
    page = web.get(f"/surveys/campaigns/{campaign.pk}/analysis/").content.decode()
    assert 'id="analysis-progress"' in page and 'id="analysis-export"' not in page
    assert len(queued) == 1  # not queued twice
    key = queued[0][4]
    HUEY.put(key + ":progress", {"step": "validity", "done": 0.5})
    status = web.get(f"/surveys/campaigns/{campaign.pk}/analysis/status/").json()
    assert status == {"status": "running", "step": "validity", "label": "效度", "done": 0.5, "error": ""}
    export = web.get(f"/surveys/campaigns/{campaign.pk}/analysis/export/")
    assert export.status_code == 302

    real.call_local(*queued[0])  # the worker finishes
    assert web.get(f"/surveys/campaigns/{campaign.pk}/analysis/status/").json()["status"] == "ready"
    rep = api_report(api, campaign)
    assert rep["n"] == Response.objects.filter(campaign=campaign, included=True).count()
    assert 'id="analysis-export"' in web.get(f"/surveys/campaigns/{campaign.pk}/analysis/").content.decode()
    assert HUEY.get(key + ":progress", peek=True)["step"] == "done"

    # with the real (immediate-mode) task, a new data version is computed through it straight away
    monkeypatch.setattr(tasks, "analyse_campaign", real)
    services.decide(
        actor=org.quality,
        response=Response.objects.filter(campaign=campaign).first(),
        decision="exclude",
        reason="x",
    )
    assert api_report(api, campaign)["n"] == rep["n"] - 1
