"""Fixtures of the feedback tests: a ticket factory on the shared ``org`` fixture."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def make_ticket(org: Any) -> Any:
    from sqms.feedback.services import create_ticket

    def make(unit: Any = None, actor: Any = None, **data: Any) -> Any:
        data.setdefault("title", "营业厅排队时间太长")
        data.setdefault("description", "等了一个小时")
        data.setdefault("kind", "complaint")
        ticket, _created = create_ticket(
            actor=actor or org.quality, data={"org_unit": unit or org.team_a, **data}
        )
        return ticket

    return make
