"""Analytics reads go to the ``replica`` alias (DATABASE_REPLICA_URL) — here a second alias to the same
test database, added for this module only (module-scoped so it exists before the test case is set up)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext

from sqms.core.ops import router


@pytest.fixture(scope="module", autouse=True)
def replica() -> Any:
    """A second alias to the same test database, as DATABASE_REPLICA_URL would add."""
    connections.settings[router.REPLICA] = dict(connections["default"].settings_dict)
    yield router.REPLICA
    connections[router.REPLICA].close()
    del connections.settings[router.REPLICA]
    if hasattr(connections._connections, router.REPLICA):
        delattr(connections._connections, router.REPLICA)


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_analytics_reads_go_to_the_replica(replica: str, org: Any) -> None:
    from sqms.kpi.models import KpiDefinition
    from sqms.org.models import OrgUnit

    with CaptureQueriesContext(connections[replica]) as on_replica:
        kpis = list(KpiDefinition.objects.all())
        units = list(OrgUnit.objects.all())
    assert kpis and units
    assert any("kpi_kpidefinition" in q["sql"] for q in on_replica.captured_queries)
    assert not any("org_orgunit" in q["sql"] for q in on_replica.captured_queries)

    with CaptureQueriesContext(connections[replica]) as on_replica:
        with router.analytics_reads():
            assert OrgUnit.objects.count() == 6
        with transaction.atomic():  # a write transaction reads its own writes from the primary
            KpiDefinition.objects.count()
    sqls = [q["sql"] for q in on_replica.captured_queries]
    assert any("org_orgunit" in s for s in sqls)
    assert not any("kpi_kpidefinition" in s for s in sqls)

    assert router.ReplicaRouter().db_for_write(KpiDefinition) == "default"
    assert router.ReplicaRouter().allow_migrate(replica, "kpi") is False


def test_no_routing_without_the_alias() -> None:
    from sqms.kpi.models import KpiDefinition

    saved = connections.settings.pop(router.REPLICA)
    try:
        assert router.ReplicaRouter().db_for_read(KpiDefinition) is None
    finally:
        connections.settings[router.REPLICA] = saved
