"""Fixtures of the documents tests: a procedure of branch A distributed to team A, with a linked course."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def make_doc(org: Any) -> Any:
    from sqms.documents.services import create_document

    def make(actor: Any = None, unit: Any = None, doc_type: str = "procedure", **kw: Any) -> Any:
        kw.setdefault("distribution_units", [org.team_a])
        return create_document(
            actor=actor or org.quality,
            title=kw.pop("title", "投诉处理程序"),
            doc_type=doc_type,
            org_unit=unit or org.branch_a,
            **kw,
        )

    return make


@pytest.fixture
def effective_doc(org: Any, make_doc: Any) -> Any:
    """A document whose v1.0 (drafted by quality, reviewed by manager A, approved by admin) is effective."""
    from sqms.documents import services
    from sqms_testing import PASSWORD

    doc = make_doc()
    v = services.add_version(actor=org.quality, document=doc, text="第一条 受理\n第二条 处理\n")
    services.submit_for_review(actor=org.quality, version=v)
    services.sign(actor=org.manager_a, version=v, password=PASSWORD, meaning="reviewed")
    services.sign(actor=org.admin, version=v, password=PASSWORD, meaning="approved")
    assert services.make_effective(version_id=v.pk)
    doc.refresh_from_db()
    return doc
