"""Fixtures for the survey tests: a published template survey and an open campaign on branch A."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def csat(org: Any) -> Any:
    from sqms.surveys import services

    return services.create_from_template(actor=org.quality, template="csat", code="CSAT1")


@pytest.fixture
def campaign(org: Any, csat: Any) -> Any:
    from sqms.surveys import services

    return services.create_campaign(
        actor=org.quality, survey=csat, code="C-A", name="Branch A CSAT", org_unit=org.branch_a
    )


@pytest.fixture
def campaign_b(org: Any, csat: Any) -> Any:
    from sqms.surveys import services

    return services.create_campaign(
        actor=org.quality, survey=csat, code="C-B", name="Branch B CSAT", org_unit=org.branch_b
    )
