"""CAPA workflow end to end through the services, the effectiveness statistics and the NC pages."""

from __future__ import annotations

import datetime as dt

import pytest

from sqms.core.errors import ValidationFailed
from sqms.core.models import AuditEntry, Notification
from sqms.improvement import domain, services
from sqms.kpi.models import DailyRollup
from sqms.stats import chi_square

pytestmark = pytest.mark.django_db

D0 = dt.date(2026, 1, 1)


def rollups(unit, start, days, total, on_time, response_minutes):
    DailyRollup.objects.bulk_create(
        DailyRollup(
            org_unit=unit,
            day=start + dt.timedelta(days=i),
            service_type="repair",
            total=total,
            completed=total,
            with_promise=total,
            on_time=on_time,
            responded=total,
            response_seconds=int(60 * (response_minutes + (i % 3)) * total),
        )
        for i in range(days)
    )


def make_nc(org):
    return services.open_nonconformity(
        actor=org.quality, source="manual", source_ref="", org_unit=org.team_a, title="Late repairs"
    )


def test_close_only_after_actions_done_and_effectiveness_verified(org):
    rollups(org.team_a, D0, 30, 40, 28, 9)
    rollups(org.team_a, D0 + dt.timedelta(days=40), 30, 40, 37, 5)
    nc = make_nc(org)
    with pytest.raises(ValidationFailed) as e:
        services.add_action(nc, actor=org.quality, description="x", owner=org.agent_a, due_date=D0)
    assert "whys" in e.value.fields
    nc = services.record_analysis(
        nc,
        actor=org.quality,
        whys=["Crews arrive late", "Dispatch is manual", "No GPS in vans", ""],
        fishbone={"machine": "No GPS\nOld vans", "method": ["Manual dispatch"]},
    )
    assert nc.status == "analysing" and nc.root_cause == "No GPS in vans"
    assert nc.fishbone == {"machine": ["No GPS", "Old vans"], "method": ["Manual dispatch"]}
    action = services.add_action(
        nc,
        actor=org.quality,
        description="GPS dispatch",
        owner=org.agent_a,
        due_date=D0 + dt.timedelta(days=35),
    )
    assert Notification.objects.filter(recipient=org.agent_a, kind="capa").count() == 1
    with pytest.raises(ValidationFailed) as e:
        services.close_nonconformity(nc, actor=org.quality)
    assert set(e.value.fields) == {"actions", "effectiveness"}
    with pytest.raises(ValidationFailed) as e:
        services.update_action(action, actor=org.agent_a, status="done", evidence="")
    assert "evidence" in e.value.fields
    services.update_action(action, actor=org.agent_a, status="done", evidence="GPS installed, photo")
    check = services.run_effectiveness_check(
        nc,
        actor=org.quality,
        kpi_code="on_time_rate",
        before_start=D0,
        before_end=D0 + dt.timedelta(days=29),
        after_start=D0 + dt.timedelta(days=40),
        after_end=D0 + dt.timedelta(days=69),
    )
    assert check.before_value == pytest.approx(70.0) and check.after_value == pytest.approx(92.5)
    oracle = chi_square([[28 * 30, 12 * 30], [37 * 30, 3 * 30]])
    assert check.p_value == pytest.approx(oracle.p, abs=1e-9) and check.improved
    with pytest.raises(ValidationFailed) as e:
        services.close_nonconformity(nc, actor=org.quality)
    assert set(e.value.fields) == {"effectiveness"}
    services.add_action(nc, actor=org.quality, description="y", owner=org.quality, due_date=D0)
    with pytest.raises(ValidationFailed) as e:  # an owner of the actions may not verify them
        services.sign_off_check(check, actor=org.quality, effective=True)
    assert "verified_by" in e.value.fields
    assert nc.checks.get().verdict == "pending"


def test_verifier_signs_off_then_nc_closes(org):
    rollups(org.team_a, D0, 20, 40, 28, 9)
    rollups(org.team_a, D0 + dt.timedelta(days=30), 20, 40, 38, 5)
    nc = make_nc(org)
    services.record_analysis(nc, actor=org.quality, whys=["a", "b"])
    action = services.add_action(nc, actor=org.quality, description="fix", owner=org.agent_a, due_date=D0)
    services.update_action(action, actor=org.agent_a, status="done", evidence="done")
    check = services.run_effectiveness_check(
        nc,
        actor=org.quality,
        kpi_code="response_mean",
        before_start=D0,
        before_end=D0 + dt.timedelta(days=19),
        after_start=D0 + dt.timedelta(days=30),
        after_end=D0 + dt.timedelta(days=49),
    )
    assert check.test == "welch_t" and check.improved  # response time fell from ~10 to ~6 minutes
    assert check.before_value == pytest.approx(10.0, abs=0.1) and check.after_value == pytest.approx(
        6.0, abs=0.1
    )
    xb = [9 + (i % 3) for i in range(20)]
    xa = [5 + (i % 3) for i in range(20)]
    from sqms.stats import t_test

    assert check.p_value == pytest.approx(t_test(xa, xb, equal_var=False).p, abs=1e-9)
    services.sign_off_check(check, actor=org.auditor, effective=True, note="ok")
    nc = services.close_nonconformity(nc, actor=org.quality)
    assert nc.status == "closed" and nc.closed_at is not None
    with pytest.raises(ValidationFailed):
        services.record_analysis(nc, actor=org.quality, whys=["c"])
    verbs = set(
        AuditEntry.objects.filter(content_type__model="nonconformity", object_id=str(nc.pk)).values_list(
            "verb", flat=True
        )
    )
    assert len(verbs) >= 4  # opened, analysed, acting, verifying, closed


def test_effectiveness_refuses_bad_windows_and_missing_data(org):
    nc = make_nc(org)
    kwargs = {"actor": org.quality, "kpi_code": "on_time_rate"}
    with pytest.raises(ValidationFailed) as e:
        services.run_effectiveness_check(
            nc, **kwargs, before_start=D0, before_end=D0 + dt.timedelta(days=9), after_start=D0, after_end=D0
        )
    assert "after_start" in e.value.fields
    with pytest.raises(ValidationFailed) as e:
        services.run_effectiveness_check(
            nc,
            **kwargs,
            before_start=D0,
            before_end=D0 + dt.timedelta(days=9),
            after_start=D0 + dt.timedelta(days=10),
            after_end=D0 + dt.timedelta(days=20),
        )
    assert "kpi_code" in e.value.fields
    assert nc.checks.count() == 0


def test_overdue_reminders_once_a_day(org):
    nc = make_nc(org)
    services.record_analysis(nc, actor=org.quality, whys=["a"])
    services.add_action(nc, actor=org.quality, description="fix", owner=org.agent_a, due_date=D0)
    today = D0 + dt.timedelta(days=3)
    assert services.send_overdue_reminders(today) == 1
    assert services.send_overdue_reminders(today) == 0
    assert services.send_overdue_reminders(today + dt.timedelta(days=1)) == 1
    assert Notification.objects.filter(recipient=org.agent_a, kind="capa_overdue").count() == 2


def test_domain_rules():
    assert domain.close_blockers(status="verifying", action_statuses=["done"], verdicts=["effective"]) == []
    assert ("effectiveness", "not_verified") in domain.close_blockers(
        status="verifying", action_statuses=["done"], verdicts=["pending"]
    )
    with pytest.raises(domain.RuleError):
        domain.clean_whys(["1", "2", "3", "4", "5", "6"])
    with pytest.raises(domain.RuleError):
        domain.clean_fishbone({"money": ["x"]})
    assert domain.next_stage("check") == "act"
    assert domain.on_time_rate([(D0, D0), (D0, D0 + dt.timedelta(days=1)), (D0, None)]) == 0.5
