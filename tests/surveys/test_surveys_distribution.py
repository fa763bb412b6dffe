"""Sample sizes, stratified sampling reproducibility, invitations with consent and quarantine."""

from __future__ import annotations

import random

import pytest

from sqms.core.models import AuditEntry
from sqms.org.models import Customer
from sqms.surveys import domain, services

pytestmark = pytest.mark.django_db


def test_cochran_with_finite_population_correction():
    assert domain.sample_size(10**9) == 385  # 1.96² · 0.25 / 0.05² = 384.15
    assert domain.sample_size(1000) == 278
    assert domain.sample_size(100) == 80
    assert domain.sample_size(5000, margin=0.03, confidence=0.99) == 1347
    assert domain.sample_size(0) == 0
    with pytest.raises(ValueError):
        domain.sample_size(100, margin=0)


def test_proportional_allocation():
    alloc = domain.allocate(10, {"A": 50, "B": 30, "C": 20})
    assert alloc == {"A": 5, "B": 3, "C": 2}
    alloc = domain.allocate(7, {"A": 1, "B": 100, "C": 100})
    assert sum(alloc.values()) == 7 and alloc["A"] <= 1


def _customers(org, n):
    Customer.objects.bulk_create(
        [Customer(name=f"c{i}", org_unit=org.team_a if i % 3 else org.branch_a) for i in range(n)]
    )


def test_sampling_reproducible_with_seed_recorded(org, campaign, settings):
    _customers(org, 120)
    plan1, t1 = services.draw_sample(actor=org.quality, campaign=campaign, margin=0.1, seed=42)
    assert plan1["sample_size"] == domain.sample_size(120, margin=0.1) == len(t1)
    entry = (
        AuditEntry.objects.filter(changes___seed=42).first()
        or AuditEntry.objects.filter(changes__contains={"_seed": 42}).first()
    )
    assert entry is not None or AuditEntry.objects.filter(verb__icontains="sample").exists()
    chosen1 = sorted(t.customer_id for t in t1)
    # a second draw with the same seed over the same population gives the same customers
    campaign.tokens.all().delete()
    _plan2, t2 = services.draw_sample(actor=org.quality, campaign=campaign, margin=0.1, seed=42)
    assert sorted(t.customer_id for t in t2) == chosen1


def test_invitation_consent_quarantine_and_idempotence(org, campaign):
    c = Customer.objects.create(name="张三", org_unit=org.team_a)
    t = services.create_invitation(campaign=campaign, customer=c, source_type="complaint", source_id=1)
    assert t is not None and t.org_unit_id == org.team_a.pk
    assert (
        services.create_invitation(campaign=campaign, customer=c, source_type="complaint", source_id=1)
        is None
    )
    assert (
        services.create_invitation(campaign=campaign, customer=c, source_type="complaint", source_id=2)
        is None
    )
    no = Customer.objects.create(name="李四", org_unit=org.team_a, consent_survey=False)
    assert (
        services.create_invitation(campaign=campaign, customer=no, source_type="complaint", source_id=3)
        is None
    )
    campaign.sampling_rate = 0.0
    other = Customer.objects.create(name="王五", org_unit=org.team_a)
    assert (
        services.create_invitation(
            campaign=campaign, customer=other, source_type="service", source_id=4, rng=random.Random(1)
        )
        is None
    )


def test_token_links_excel(org, campaign, client_for):
    services.issue_tokens(actor=org.quality, campaign=campaign, count=3)
    r = client_for(org.quality).get(f"/surveys/campaigns/{campaign.pk}/links/")
    assert r.status_code == 200 and r.content[:2] == b"PK"


def test_sample_size_page_and_distribute_page(org, campaign, client_for):
    c = client_for(org.quality)
    r = c.get("/surveys/sample-size/?population=1000&margin=0.05&confidence=0.95&p=0.5")
    assert "n = 278" in r.content.decode()
    _customers(org, 30)
    r = c.get(f"/surveys/campaigns/{campaign.pk}/distribute/?margin=0.1")
    assert r.status_code == 200 and "BA-T" in r.content.decode()
