"""Preset evaluation schemes shipped besides the seed's ``default``: an EFQM-style self-assessment and a
GB/T 36733-style three-level template. Pure data (no Django); installed once by
:func:`sqms.evaluation.services.ensure_preset_schemes` at migrate time, later edits and versions kept.

EFQM weights: the classic EFQM Excellence Model 1000-point allocation — enablers 500 (leadership 100,
policy and strategy 80, people 90, partnerships and resources 90, processes 140) and results 500 (customer
results 200, people results 90, society results 60, key performance results 150). Here they are weights
within each level: enablers / results 0.5 each, and each criterion's points / 500 within its group, so the
global weight of every criterion is its points / 1000.
"""

from __future__ import annotations

from typing import Any, Final

EFQM_POINTS: Final[dict[str, int]] = {
    "leadership": 100,
    "strategy": 80,
    "people": 90,
    "partnerships": 90,
    "processes": 140,
    "customer_results": 200,
    "people_results": 90,
    "society_results": 60,
    "business_results": 150,
}


def _efqm(code: str, name: str, name_en: str) -> dict[str, Any]:
    """One EFQM criterion: scored 0–100 by evaluators (manual source, direct scoring)."""
    return {
        "code": code,
        "name": name,
        "name_en": name_en,
        "weight": EFQM_POINTS[code] / 500,
        "source": "manual",
        "scoring": "direct",
    }


EFQM_TREE: Final[list[dict[str, Any]]] = [
    {"code": "enablers", "name": "促进因素", "name_en": "Enablers", "weight": 0.5, "children": [
        _efqm("leadership", "领导力", "Leadership"),
        _efqm("strategy", "战略", "Strategy"),
        _efqm("people", "人员", "People"),
        _efqm("partnerships", "合作伙伴与资源", "Partnerships and resources"),
        _efqm("processes", "过程、产品与服务", "Processes, products and services"),
    ]},
    {"code": "results", "name": "结果", "name_en": "Results", "weight": 0.5, "children": [
        _efqm("customer_results", "顾客结果", "Customer results"),
        _efqm("people_results", "人员结果", "People results"),
        _efqm("society_results", "社会结果", "Society results"),
        _efqm("business_results", "关键绩效结果", "Business results"),
    ]},
]  # fmt: skip

RESPONSE_TABLE: Final = [[1, 100], [3, 90], [5, 80], [10, 60], [30, 40]]  # minutes → score


def _manual(code: str, name: str, name_en: str, weight: float) -> dict[str, Any]:
    return {"code": code, "name": name, "name_en": name_en, "weight": weight, "source": "manual",
            "scoring": "direct"}  # fmt: skip


GBT36733_TREE: Final[list[dict[str, Any]]] = [
    {"code": "capability", "name": "服务能力", "name_en": "Service capability", "weight": 0.3, "children": [
        {"code": "resources", "name": "服务资源", "name_en": "Service resources", "weight": 0.5, "children": [
            _manual("facilities", "服务设施与环境", "Facilities and environment", 0.5),
            _manual("staffing", "人员配备与资质", "Staffing and qualifications", 0.5)]},
        {"code": "management", "name": "服务管理", "name_en": "Service management", "weight": 0.5, "children": [
            _manual("standards", "服务规范与制度", "Service standards and rules", 0.5),
            _manual("training", "人员培训", "Staff training", 0.5)]}]},
    {"code": "process", "name": "服务过程", "name_en": "Service process", "weight": 0.4, "children": [
        {"code": "timeliness", "name": "及时性", "name_en": "Timeliness", "weight": 0.5, "children": [
            {"code": "response_time", "name": "平均响应时间", "name_en": "Mean response time", "weight": 0.5,
             "source": "kpi", "kpi_code": "response_mean", "scoring": "threshold",
             "params": {"direction": "lower", "table": RESPONSE_TABLE}},
            {"code": "on_time", "name": "按时完成率", "name_en": "On-time completion ratio", "weight": 0.5,
             "source": "kpi", "kpi_code": "on_time_rate", "scoring": "ratio", "params": {"divide": 100}}]},
        {"code": "conformity", "name": "规范性", "name_en": "Conformity", "weight": 0.5, "children": [
            {"code": "first_contact", "name": "首次解决率", "name_en": "First-contact resolution",
             "weight": 0.5, "source": "kpi", "kpi_code": "fcr_rate", "scoring": "ratio",
             "params": {"divide": 100}},
            _manual("process_compliance", "服务过程规范性", "Process compliance", 0.5)]}]},
    {"code": "outcome", "name": "服务结果", "name_en": "Service outcome", "weight": 0.3, "children": [
        {"code": "perception", "name": "顾客感知", "name_en": "Customer perception", "weight": 0.6, "children": [
            {"code": "satisfaction_rating", "name": "服务满意度评分（5 分制）",
             "name_en": "Satisfaction rating (5-point)", "weight": 1.0, "source": "rating",
             "scoring": "likert"}]},
        {"code": "effect", "name": "服务效果", "name_en": "Service effect", "weight": 0.4, "children": [
            _manual("goal_attainment", "服务目标达成", "Service goals attained", 1.0)]}]},
]  # fmt: skip

PRESETS: Final[list[dict[str, Any]]] = [
    {
        "code": "efqm",
        "name": "EFQM 式卓越自评",
        "name_en": "EFQM-style self-assessment",
        "description": (
            "EFQM 式自评方案（非 EFQM 官方文本）：九项准则由评价人按 0–100 打分；权重采用经典 EFQM 卓越"
            "模式 1000 分制（促进因素 500、结果 500）。 / EFQM-style self-assessment (not the EFQM's own "
            "text): nine criteria scored 0–100 by evaluators, weighted as in the classic 1000-point "
            "allocation of the EFQM Excellence Model."
        ),
        "tree": EFQM_TREE,
    },
    {
        "code": "gbt36733",
        "name": "GB/T 36733 式服务质量评价模板",
        "name_en": "GB/T 36733-style service quality template",
        "description": (
            "GB/T 36733 式三级指标模板（参照其思路编写，并非标准原文）：服务能力、服务过程、服务结果三个"
            "一级维度，权重与指标可按组织情况调整。 / A GB/T 36733-style three-level template (written after "
            "its approach; not the standard's text): service capability, service process and service "
            "outcome; adjust weights and indicators to the organisation."
        ),
        "tree": GBT36733_TREE,
    },
]


def leaves(tree: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The leaf indicators of a preset tree, depth first."""
    out: list[dict[str, Any]] = []
    for node in tree:
        kids = node.get("children", [])
        out.extend(leaves(kids) if kids else [node])
    return out


def depth(tree: list[dict[str, Any]]) -> int:
    """The number of levels of a preset tree."""
    return max((1 + depth(n.get("children", [])) for n in tree), default=0)
