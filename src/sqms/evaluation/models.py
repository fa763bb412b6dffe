"""Evaluation index system: versioned schemes with an indicator tree (up to three levels) and weights per
level, manual scores with evidence, external benchmarks, and the stored results of an evaluation run."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sqms.core.models import BusinessRecord
from sqms.org.models import code_validator


def default_grades() -> list[dict[str, object]]:
    return [
        {"name": "优秀", "name_en": "Excellent", "min": 90},
        {"name": "良好", "name_en": "Good", "min": 80},
        {"name": "合格", "name_en": "Pass", "min": 60},
        {"name": "不合格", "name_en": "Fail", "min": 0},
    ]


class Method(models.TextChoices):
    WEIGHTED = "weighted", _("Weighted sum")
    FUZZY = "fuzzy", _("Fuzzy comprehensive evaluation")


class Scheme(BusinessRecord):
    """One version of an evaluation scheme; the highest active version of a code is the one used."""

    code = models.CharField(_("code"), max_length=40, validators=[code_validator])
    version = models.PositiveIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    description = models.TextField(_("description"), blank=True)
    method = models.CharField(_("method"), max_length=10, choices=Method.choices, default=Method.WEIGHTED)
    grades = models.JSONField(_("grades"), default=default_grades)
    ahp = models.JSONField(_("AHP judgements"), default=dict, blank=True, editable=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("evaluation scheme")
        verbose_name_plural = _("evaluation schemes")
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="evaluation_scheme_version")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Source(models.TextChoices):
    CHILDREN = "children", _("Sub-indicators")
    KPI = "kpi", _("KPI")
    RATING = "rating", _("Mean service rating (1–5)")
    SURVEY = "survey", _("Survey dimension score")
    MANUAL = "manual", _("Manual score")


class Scoring(models.TextChoices):
    LINEAR = "linear", _("Linear between bounds")
    THRESHOLD = "threshold", _("Threshold table")
    LIKERT = "likert", _("Likert (x − 1) / 4 × 100")
    RATIO = "ratio", _("Ratio × 100")
    DIRECT = "direct", _("Already 0–100")


class WeightMethod(models.TextChoices):
    MANUAL = "manual", _("Set by hand")
    AHP = "ahp", _("AHP")
    ENTROPY = "entropy", _("Entropy")
    COMBINED = "combined", _("Combined (AHP × entropy)")


class Indicator(models.Model):
    """A node of a scheme's indicator tree; ``weight`` is its share among its siblings."""

    scheme = models.ForeignKey(
        Scheme, verbose_name=_("scheme"), on_delete=models.CASCADE, related_name="indicators"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    code = models.CharField(_("code"), max_length=40, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    weight = models.FloatField(_("weight"), default=1.0)
    weight_method = models.CharField(
        _("weight method"), max_length=10, choices=WeightMethod.choices, default=WeightMethod.MANUAL
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.CHILDREN)
    kpi_code = models.CharField(_("KPI code"), max_length=40, blank=True)
    survey_dimension = models.CharField(_("survey dimension"), max_length=40, blank=True)
    scoring = models.CharField(_("scoring"), max_length=10, choices=Scoring.choices, default=Scoring.DIRECT)
    params = models.JSONField(_("scoring parameters"), default=dict, blank=True)
    target = models.FloatField(_("target score"), null=True, blank=True)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["scheme", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="evaluation_indicator_code")]

    def __str__(self) -> str:
        from django.utils.translation import get_language

        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name


class EvaluatorKind(models.TextChoices):
    INTERNAL = "internal", _("Internal evaluator")
    PANEL = "panel", _("Customer panel")
    THIRD_PARTY = "third_party", _("Third party")


class ManualScore(BusinessRecord):
    """A score entered by an evaluator for a manual indicator of a unit and period, with its evidence."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="manual_scores"
    )
    org_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.CharField(_("period"), max_length=7, help_text=_("YYYY-MM"))
    value = models.FloatField(_("value"))
    evaluator_kind = models.CharField(
        _("evaluator"), max_length=12, choices=EvaluatorKind.choices, default=EvaluatorKind.INTERNAL
    )
    evidence = models.TextField(_("evidence"), blank=True)

    class Meta:
        verbose_name = _("manual score")
        verbose_name_plural = _("manual scores")
        ordering = ["-period", "indicator"]

    def __str__(self) -> str:
        return f"{self.indicator} {self.org_unit} {self.period}"


class Benchmark(models.Model):
    """An external benchmark figure entered by hand (e.g. a published industry satisfaction score)."""

    scheme = models.ForeignKey(
        Scheme, verbose_name=_("scheme"), on_delete=models.CASCADE, related_name="benchmarks"
    )
    label = models.CharField(_("label"), max_length=100)
    value = models.FloatField(pgettext_lazy("evaluation", "score"))
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("external benchmark")
        verbose_name_plural = _("external benchmarks")

    def __str__(self) -> str:
        return self.label


class Result(models.Model):
    """The stored result of one unit in one evaluation run (scheme version × period)."""

    scheme = models.ForeignKey(
        Scheme, verbose_name=_("scheme"), on_delete=models.CASCADE, related_name="results"
    )
    org_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.CharField(_("period"), max_length=7)
    score = models.FloatField(pgettext_lazy("evaluation", "score"), null=True)
    grade = models.CharField(_("grade"), max_length=20, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True)
    peers = models.PositiveIntegerField(_("peers"), default=0)
    indicators = models.JSONField(_("indicator scores"), default=list)
    fuzzy = models.JSONField(_("fuzzy evaluation"), default=dict, blank=True)
    evaluated_at = models.DateTimeField(_("evaluated at"), auto_now=True)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("evaluated by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("evaluation result")
        verbose_name_plural = _("evaluation results")
        ordering = ["period", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "org_unit", "period"], name="evaluation_result_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scheme} {self.org_unit} {self.period}"
