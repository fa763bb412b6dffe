"""Fixtures of the privacy tests: two customers with records in every app that keeps personal data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

PHONE = "13911112222"
EMAIL = "zhao.lianxi@example.net"
ID_NO = "110101199003071234"
NAME = "Zhao Lianxi"
OTHER_PHONE = "13833334444"
OTHER_EMAIL = "qian.duoduo@example.org"
OTHER_NAME = "Qian Duoduo"


@dataclass
class World:
    subject: Any
    other: Any
    tickets: list[Any]
    other_ticket: Any
    campaign: Any
    phone: str = PHONE
    email: str = EMAIL
    id_number: str = ID_NO
    name: str = NAME
    other_phone: str = OTHER_PHONE
    other_email: str = OTHER_EMAIL
    other_name: str = OTHER_NAME


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def world(org: Any, settings: Any, tmp_path: Any) -> World:
    from django.utils import timezone

    from sqms.core.services import add_comment
    from sqms.feedback import services as fb
    from sqms.kpi.models import ServiceRecord
    from sqms.org.services import create_customer
    from sqms.surveys import services as sv

    settings.MEDIA_ROOT = str(tmp_path / "media")
    q = org.quality
    subject = create_customer(
        actor=q,
        name=NAME,
        phone=PHONE,
        email=EMAIL,
        id_number=ID_NO,
        org_unit=org.branch_a,
        notes=f"VIP, prefers calls on {PHONE}",
    )
    other = create_customer(
        actor=q, name=OTHER_NAME, phone=OTHER_PHONE, email=OTHER_EMAIL, org_unit=org.branch_b
    )

    def ticket(customer: Any, unit: Any, **extra: Any) -> Any:
        t, _ = fb.create_ticket(
            actor=q,
            data={
                "org_unit": unit,
                "title": f"Complaint from {customer.name}",
                "description": f"{customer.name} says: call me on {customer.phone} or {customer.email}",
                "kind": "complaint",
                "customer": customer,
                "contact_name": customer.name,
                "contact_phone": customer.phone,
                "contact_email": customer.email,
                **extra,
            },
        )
        return t

    t1 = ticket(subject, org.team_a)
    t2 = ticket(subject, org.team_a, kind="suggestion")
    # a ticket left by phone only (no customer link) still belongs to the subject
    t3, _ = fb.create_ticket(
        actor=q,
        data={"org_unit": org.team_a, "title": "Queue", "description": "too long", "contact_phone": PHONE},
    )
    fb.add_message(t1, actor=q, body=f"Called {NAME} back on {PHONE}", public=False)
    add_comment(t1, actor=q, body=f"Customer e-mail {EMAIL} confirmed")
    add_comment(subject, actor=q, body=f"ID {ID_NO} checked")
    other_ticket = ticket(other, org.team_b)
    fb.rate(actor=q, org_unit=org.team_a, score=2, reasons=f"rude, ask {NAME}", ticket=t1, customer=subject)
    fb.rate(actor=q, org_unit=org.team_a, score=5, customer=subject)
    fb.rate(actor=q, org_unit=org.team_b, score=4, reasons="fine", ticket=other_ticket, customer=other)

    survey = sv.create_from_template(actor=q, template="csat", code="PCSAT")
    campaign = sv.create_campaign(
        actor=q, survey=survey, code="P-C", name="Privacy CSAT", org_unit=org.branch_a
    )
    tokens = sv.issue_tokens(actor=q, campaign=campaign, customers=[subject, other])
    sv.submit_response(
        campaign=campaign,
        token=tokens[0],
        raw={"csat": ["2"], "nps": ["3"], "resolved": ["0"], "comment": [f"mail me at {EMAIL}"]},
        ip="10.1.2.3",
        device="iPhone",
    )
    sv.submit_response(
        campaign=campaign,
        token=tokens[1],
        org_unit=org.branch_a,
        raw={"csat": ["5"], "nps": ["9"], "resolved": ["1"], "comment": [f"I am {OTHER_NAME}"]},
    )
    now = timezone.now()
    for i, (cust, unit) in enumerate([(subject, org.team_a), (subject, org.team_a), (other, org.team_b)]):
        ServiceRecord.objects.create(
            source="crm",
            external_id=f"SR-{i}",
            org_unit=unit,
            customer=cust,
            service_type="counter",
            requested_at=now - timedelta(days=10),
            completed_at=now - timedelta(days=10, hours=-1),
            rating=4,
        )
    return World(subject, other, [t1, t2, t3], other_ticket, campaign)
