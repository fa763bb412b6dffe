"""Computing a period from the other apps' data, idempotency, approval rules, manual entries and
appeals, all audited."""

from __future__ import annotations

from typing import Any

import pytest

from sqms_testing import fresh

pytestmark = pytest.mark.django_db


def _entries(scene: Any) -> dict[tuple[str, str], Any]:
    from sqms.people.models import PointEntry

    return {
        (e.subject_key, e.rule.code if e.rule else e.source): e
        for e in PointEntry.objects.filter(period=scene.period)
    }


def test_compute_reads_every_metric_and_applies_the_rules(scene: Any) -> None:
    from sqms.people import services
    from sqms.people.models import Scorecard

    summary = services.compute_period(actor=fresh(scene.org.quality), period=scene.period)
    org = scene.org
    card_a = Scorecard.objects.get(period=scene.period, staff=scene.staff_a)
    card_b = Scorecard.objects.get(period=scene.period, staff=scene.staff_b)
    # agent_a: ratings 5, 5, 4 (the excluded 1 left out); one valid complaint; SLA 1 of 2 met;
    # inspections 95 and 91; training 1 of 2 completed; no suggestions.
    assert card_a.metrics["csat"] == pytest.approx(14 / 3, abs=1e-6)
    assert card_a.metrics["valid_complaints"] == 1
    assert card_a.metrics["sla_attainment"] == pytest.approx(50.0)
    assert card_a.metrics["inspection_score"] == pytest.approx(93.0)
    assert card_a.metrics["training_completion"] == pytest.approx(50.0)
    assert card_a.metrics["suggestions_adopted"] == 0
    assert card_a.metrics["survey_csat"] is None
    # agent_b: two valid complaints (the merged duplicate and September's are not), CSAT 5.0,
    # two adopted suggestions (the rejected one is not).
    assert card_b.metrics["csat"] == pytest.approx(5.0)
    assert card_b.metrics["valid_complaints"] == 2
    assert card_b.metrics["suggestions_adopted"] == 2
    assert card_b.metrics["training_completion"] is None
    # Units roll up their subtree: branch A = team A; HQ = everything.
    unit_a = Scorecard.objects.get(period=scene.period, subject="unit", org_unit=org.branch_a)
    hq = Scorecard.objects.get(period=scene.period, subject="unit", org_unit=org.hq)
    assert unit_a.metrics["inspection_score"] == pytest.approx(93.0)
    assert hq.metrics["inspection_score"] == pytest.approx((95 + 91 + 70) / 3, abs=1e-6)
    assert hq.metrics["valid_complaints"] == 3
    assert hq.metrics["csat"] == pytest.approx((5 + 5 + 4 + 5 + 5 + 2) / 6, abs=1e-6)
    card_mb = Scorecard.objects.get(period=scene.period, staff__user=org.manager_b)
    assert card_mb.metrics["csat"] == pytest.approx(2.0)  # his as assignee: no staff concerned named

    e = _entries(scene)
    a, b = f"s:{scene.staff_a.pk}", f"s:{scene.staff_b.pk}"
    assert e[(a, "COMPLAINT")].points == -5
    assert (a, "CSAT-HIGH") not in e  # 4.667 < 4.8
    assert e[(b, "CSAT-HIGH")].points == 10
    assert e[(b, "COMPLAINT")].points == -10 and e[(b, "COMPLAINT")].occurrences == 2
    assert e[(b, "SUGG")].points == 6
    assert not any(code == "OLD" for _k, code in e)  # expired rule
    assert e[(f"u:{org.team_a.pk}", "UNIT-INSP")].points == 20
    assert (f"u:{org.team_b.pk}", "UNIT-INSP") not in e
    assert summary["created"] == len(e)
    assert all(x.status == "pending" for x in e.values())


def test_recompute_is_idempotent_and_spares_manual_and_approved_entries(scene: Any) -> None:
    from sqms.core.models import AuditEntry
    from sqms.people import services
    from sqms.people.models import PointEntry, Rule

    q = fresh(scene.org.quality)
    services.compute_period(actor=q, period=scene.period)
    first = {e.pk: (e.points, e.status) for e in PointEntry.objects.filter(period=scene.period)}
    again = services.compute_period(actor=q, period=scene.period)
    assert again["created"] == again["updated"] == again["removed"] == 0
    assert {e.pk: (e.points, e.status) for e in PointEntry.objects.filter(period=scene.period)} == first

    manual = services.add_manual_entry(
        actor=q, period=scene.period, points=8, reason="Helped a customer in the storm", staff=scene.staff_a
    )
    m = fresh(scene.org.manager_b)
    b_key = f"s:{scene.staff_b.pk}"
    complaint_b = _entries(scene)[(b_key, "COMPLAINT")]
    services.approve_entries(actor=m, period=scene.period, ids=[complaint_b.pk])
    # Change the rules: penalties double, CSAT rule archived.
    Rule.objects.filter(code="COMPLAINT").update(points=-10)
    Rule.objects.filter(code="CSAT-HIGH").update(active=False)
    r = services.compute_period(actor=q, period=scene.period)
    e = _entries(scene)
    assert e[(b_key, "COMPLAINT")].points == -10  # approved: frozen
    assert e[(f"s:{scene.staff_a.pk}", "COMPLAINT")].points == -10  # pending: recomputed
    assert (b_key, "CSAT-HIGH") not in e  # vanished
    assert PointEntry.objects.get(pk=manual.pk).points == 8  # manual: untouched
    assert r["updated"] == 1 and r["removed"] == 1
    assert (
        AuditEntry.objects.filter(
            content_type__model="period", object_id=str(scene.period.pk), action="action"
        ).count()
        == 3
    )


def test_closed_period_cannot_be_recomputed(scene: Any) -> None:
    from sqms.core.errors import Conflict
    from sqms.people import services

    q = fresh(scene.org.quality)
    services.compute_period(actor=q, period=scene.period)
    with pytest.raises(Conflict):
        services.close_period(actor=q, period=scene.period)  # entries await approval
    services.approve_entries(actor=fresh(scene.org.admin), period=scene.period)
    services.close_period(actor=q, period=scene.period)
    with pytest.raises(Conflict):
        services.compute_period(actor=q, period=scene.period)


def test_approval_is_scoped_and_nobody_approves_his_own_points(scene: Any) -> None:
    from sqms.core.errors import Forbidden, ValidationFailed
    from sqms.people import services
    from sqms.people.models import PointEntry

    q = fresh(scene.org.quality)
    services.compute_period(actor=q, period=scene.period)
    own = services.add_manual_entry(
        actor=q, period=scene.period, points=5, reason="Mentoring", staff=scene.manager_a_staff
    )
    ma = fresh(scene.org.manager_a)
    # His own points: refused one by one, skipped in bulk.
    with pytest.raises(Forbidden):
        services.approve_entries(actor=ma, period=scene.period, ids=[own.pk])
    # Another branch's entry is not even visible to him.
    b_entry = PointEntry.objects.filter(period=scene.period, staff=scene.staff_b).first()
    with pytest.raises(ValidationFailed):
        services.approve_entries(actor=ma, period=scene.period, ids=[b_entry.pk])
    result = services.approve_entries(actor=ma, period=scene.period)
    approved = PointEntry.objects.filter(period=scene.period, status="approved")
    assert result["approved"] == approved.count() > 0
    assert all(e.org_unit.path.startswith(scene.org.branch_a.path) for e in approved)
    # The unit entry of branch A (which he manages) and his own staff entry were skipped.
    assert result["skipped_own"] >= 1
    assert PointEntry.objects.get(pk=own.pk).status == "pending"
    team_a_unit = PointEntry.objects.get(period=scene.period, subject="unit", org_unit=scene.org.team_a)
    assert team_a_unit.status == "approved"  # team A is below his branch, not his own unit
    # A quality manager may not approve the manual entry he wrote himself.
    with pytest.raises(Forbidden):
        services.approve_entries(actor=q, period=scene.period, ids=[own.pk])
    services.approve_entries(actor=fresh(scene.org.admin), period=scene.period, ids=[own.pk])
    # Front-line staff cannot approve at all.
    with pytest.raises(Forbidden):
        services.approve_entries(actor=fresh(scene.org.agent_a), period=scene.period)


def test_manual_entry_needs_a_reason_and_changes_nothing_when_bad(scene: Any) -> None:
    from sqms.core.errors import Forbidden, ValidationFailed
    from sqms.people import services
    from sqms.people.models import PointEntry

    q = fresh(scene.org.quality)
    with pytest.raises(ValidationFailed) as exc:
        services.add_manual_entry(actor=q, period=scene.period, points=5, reason="  ", staff=scene.staff_a)
    assert "reason" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        services.add_manual_entry(actor=q, period=scene.period, points=0, reason="x", staff=scene.staff_a)
    assert "points" in exc.value.fields
    with pytest.raises(Forbidden):
        services.add_manual_entry(
            actor=fresh(scene.org.manager_a), period=scene.period, points=3, reason="x", staff=scene.staff_a
        )
    assert not PointEntry.objects.exists()


def test_appeal_by_staff_and_decision(scene: Any) -> None:
    from sqms.core.errors import Conflict, Forbidden, NotFound
    from sqms.core.models import AuditEntry
    from sqms.people import selectors, services
    from sqms.people.models import PointEntry

    q = fresh(scene.org.quality)
    services.compute_period(actor=q, period=scene.period)
    e = _entries(scene)[(f"s:{scene.staff_a.pk}", "COMPLAINT")]
    other = _entries(scene)[(f"s:{scene.staff_b.pk}", "COMPLAINT")]
    agent = fresh(scene.org.agent_a)
    with pytest.raises(NotFound):  # not his: invisible
        services.file_appeal(actor=agent, entry=other, reason="not me")
    appeal = services.file_appeal(actor=agent, entry=e, reason="The complaint was about another shift.")
    with pytest.raises(Conflict):
        services.file_appeal(actor=agent, entry=e, reason="again")
    # A recompute leaves the appealed entry alone even when its rule changes.
    from sqms.people.models import Rule

    Rule.objects.filter(code="COMPLAINT").update(points=-7)
    services.compute_period(actor=q, period=scene.period)
    assert PointEntry.objects.get(pk=e.pk).points == -5
    with pytest.raises(Forbidden):  # the appellant does not decide
        services.decide_appeal(actor=agent, appeal=appeal, accept=True, decision="yes")
    ma = fresh(scene.org.manager_a)
    services.decide_appeal(
        actor=ma, appeal=appeal, accept=True, decision="Shift log confirms", corrected_points=-2
    )
    assert PointEntry.objects.get(pk=e.pk).status == "voided"
    fix = PointEntry.objects.get(period=scene.period, source="appeal")
    assert fix.points == -2 and fix.status == "approved" and fix.staff == scene.staff_a
    board = selectors.leaderboard(agent, scene.period)
    assert [r["points"] for r in board] == [-2]  # he sees only himself: -5 voided, -2 correction
    assert AuditEntry.objects.filter(content_type__model="pointappeal", action="action").count() == 1
    assert AuditEntry.objects.filter(
        content_type__model="pointentry", object_id=str(e.pk), action="action"
    ).exists()
    assert agent.notifications.filter(kind="people").count() == 1


def test_leaderboard_ranks_ties_and_is_scoped(scene: Any) -> None:
    from sqms.people import selectors, services

    q = fresh(scene.org.quality)
    services.compute_period(actor=q, period=scene.period)
    board = selectors.leaderboard(q, scene.period)
    by_name = {r["name"].split(" ")[0]: r for r in board}
    # agent_b: +10 -10 +6 = 6; agent_a: -5; everyone else 0 (tied).
    assert by_name["Agent_B"]["points"] == 6 and by_name["Agent_B"]["rank"] == 1
    zeros = [r for r in board if r["points"] == 0]
    assert len(zeros) > 1 and all(r["rank"] == 2 and r["tied"] for r in zeros)
    assert by_name["Agent_A"]["rank"] == 2 + len(zeros)
    mb = selectors.leaderboard(fresh(scene.org.manager_b), scene.period)
    assert {r["name"].split(" ")[0] for r in mb} == {"Manager_B", "Agent_B"}
    units = selectors.leaderboard(q, scene.period, kind="unit")
    # Branch A and team A both score 93 >= 90: tied first; then the rest share rank 3.
    assert {u["name"] for u in units[:2]} == {scene.org.team_a.name, scene.org.branch_a.name}
    assert [(u["rank"], u["points"], u["tied"]) for u in units[:2]] == [(1, 20, True), (1, 20, True)]
    assert all(u["rank"] == 3 and u["points"] == 0 for u in units[2:])


def test_periods_and_scorecards_are_scoped(scene: Any) -> None:
    from sqms.core.errors import Forbidden, NotFound
    from sqms.people import selectors, services

    org = scene.org
    q = fresh(org.quality)
    branch_period = services.create_period(
        actor=q, kind="month", day=scene.period.start, org_unit=org.branch_a
    )
    services.compute_period(actor=q, period=branch_period)
    # The HQ period covers everybody; branch A's period is invisible outside branch A.
    assert set(selectors.periods(fresh(org.manager_b))) == {scene.period}
    assert set(selectors.periods(fresh(org.agent_a))) == {scene.period, branch_period}
    assert set(selectors.periods(fresh(org.executive))) == {scene.period, branch_period}
    with pytest.raises(NotFound):
        selectors.period(fresh(org.manager_b), branch_period.pk)
    # A branch period holds only branch A's people and units.
    cards = selectors.scorecards(q).filter(period=branch_period)
    assert all(c.org_unit.path.startswith(org.branch_a.path) for c in cards) and cards.count() == 4
    # Staff see only their own scorecard; the executive reads everything but computes nothing.
    assert {c.staff_id for c in selectors.scorecards(fresh(org.agent_a))} == {scene.staff_a.pk}
    with pytest.raises(Forbidden):
        services.compute_period(actor=fresh(org.executive), period=scene.period)
    with pytest.raises(Forbidden):
        services.create_period(
            actor=fresh(org.manager_a), kind="month", day=scene.period.start, org_unit=org.team_a
        )
