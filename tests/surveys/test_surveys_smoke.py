from __future__ import annotations

import pytest

from sqms.surveys import services
from sqms.surveys.templates_data import TEMPLATES

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_publishes(org, name):
    survey = services.create_from_template(actor=org.quality, template=name, code=f"T-{name}")
    version = services.publish_survey(actor=org.quality, survey=survey)
    assert version.number == 1
    assert version.items


def test_public_page_renders(org, campaign, client):
    r = client.get(f"/s/{campaign.slug}/")
    assert r.status_code == 200, r.content[:500]
    r = client.post(f"/s/{campaign.slug}/", {"csat": "5", "nps": "9", "resolved": "1"})
    assert r.status_code == 302, r.content.decode()[:3000]
