"""The shipped preset schemes: EFQM-style self-assessment and the GB/T 36733-style three-level template,
installed once at migrate time next to the seed's default scheme."""

import pytest

from sqms.evaluation import presets, selectors, services
from sqms.evaluation.models import Indicator, Scheme

# The classic EFQM Excellence Model allocation of 1000 points (independent oracle for the weights).
EFQM_1000 = {
    "leadership": 100, "strategy": 80, "people": 90, "partnerships": 90, "processes": 140,
    "customer_results": 200, "people_results": 90, "society_results": 60, "business_results": 150,
}  # fmt: skip


@pytest.mark.django_db
def test_presets_are_installed_with_default_first():
    codes = list(Scheme.objects.order_by("id").values_list("code", flat=True))
    assert codes[:3] == ["default", "efqm", "gbt36733"]
    for code in ("efqm", "gbt36733"):
        s = Scheme.objects.get(code=code)
        assert s.name and s.name_en and s.active
    assert "GB/T 36733-style" in Scheme.objects.get(code="gbt36733").description
    assert "不是" in Scheme.objects.get(code="gbt36733").description or "并非" in (
        Scheme.objects.get(code="gbt36733").description
    )


@pytest.mark.django_db
def test_efqm_global_weights_are_the_1000_point_allocation():
    scheme = selectors.scheme_by_code("efqm")
    inds = selectors.indicators(scheme)
    leaves = [i for i in inds if i.source != "children"]
    assert {i.code for i in leaves} == set(EFQM_1000)  # nine criteria
    assert all(i.source == "manual" and i.scoring == "direct" for i in leaves)
    by_pk = {i.pk: i for i in inds}
    for leaf in leaves:
        parent = by_pk[leaf.parent_id]
        assert leaf.weight * parent.weight == pytest.approx(EFQM_1000[leaf.code] / 1000)
        assert leaf.name and leaf.name_en
    roots = [i for i in inds if i.parent_id is None]
    assert sum(r.weight for r in roots) == pytest.approx(1)
    for r in roots:
        assert sum(c.weight for c in inds if c.parent_id == r.pk) == pytest.approx(1)


@pytest.mark.django_db
def test_gbt_template_has_three_levels_and_weights_sum_to_one_at_each_level():
    scheme = selectors.scheme_by_code("gbt36733")
    inds = selectors.indicators(scheme)
    assert presets.depth(presets.GBT36733_TREE) == 3
    level = {}
    for i in sorted(inds, key=lambda i: i.pk):  # created parents first
        level[i.pk] = 1 if i.parent_id is None else level[i.parent_id] + 1
    assert max(level.values()) == 3
    assert {i.code for i in inds if i.parent_id is None} == {"capability", "process", "outcome"}
    for parent in [None, *[i.pk for i in inds if i.source == "children"]]:
        kids = [i for i in inds if i.parent_id == parent]
        assert kids and sum(k.weight for k in kids) == pytest.approx(1)
    sources = {i.source for i in inds if i.source != "children"}
    assert sources == {"manual", "kpi", "rating"}


@pytest.mark.django_db
def test_install_is_idempotent_and_keeps_edits():
    Indicator.objects.filter(scheme__code="efqm", code="leadership").update(name="领导作用")
    assert services.ensure_preset_schemes() == []
    services.ensure_default_scheme()
    assert Scheme.objects.filter(code="efqm").count() == 1
    assert Indicator.objects.get(scheme__code="efqm", code="leadership").name == "领导作用"
    Scheme.objects.filter(code="efqm").delete()
    assert services.ensure_preset_schemes() == ["efqm"]
    assert Indicator.objects.filter(scheme__code="efqm").count() == 11
