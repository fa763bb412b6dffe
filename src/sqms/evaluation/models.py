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


EVIDENCE_TYPES = (".pdf", ".jpg", ".jpeg", ".png", ".docx", ".xlsx", ".txt", ".csv")
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024


def validate_evidence_file(f: object) -> None:
    """An evidence attachment: an accepted type, not empty, at most 10 MB."""
    from pathlib import Path

    from django.core.exceptions import ValidationError

    ext = Path(str(getattr(f, "name", "") or "")).suffix.lower()
    if ext not in EVIDENCE_TYPES:
        raise ValidationError(
            _("This file type is not accepted. Accepted: %(types)s.") % {"types": ", ".join(EVIDENCE_TYPES)},
            code="file_type",
        )
    size = getattr(f, "size", 0) or 0
    if not size:
        raise ValidationError(_("The file is empty."), code="file_empty")
    if size > MAX_EVIDENCE_BYTES:
        raise ValidationError(
            _("The file is larger than %(mb)s MB.") % {"mb": MAX_EVIDENCE_BYTES // (1024 * 1024)},
            code="file_size",
        )


def _evidence_path(instance: object, filename: str) -> str:
    from pathlib import Path
    from uuid import uuid4

    from django.utils import timezone

    return f"evaluation/{timezone.now():%Y/%m}/{uuid4().hex}{Path(filename).suffix.lower()}"


def is_month(value: object) -> bool:
    """``YYYY-MM`` with a real month."""
    import re

    return isinstance(value, str) and bool(re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value))


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_PROGRESS = "in_progress", pgettext_lazy("evaluation plan", "In progress")
    DONE = "done", _("Done")


class Plan(BusinessRecord):
    """An evaluation plan (F5): a goal, the scheme, the units in scope (all in the subtree of ``org_unit``),
    the months to evaluate and the evaluators who enter the manual scores; draft → in progress → done."""

    title = models.CharField(_("title"), max_length=200)
    goal = models.TextField(_("goal"), blank=True)
    scheme = models.ForeignKey(
        Scheme, verbose_name=_("scheme"), on_delete=models.PROTECT, related_name="plans"
    )
    org_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=pgettext_lazy("evaluation plan", "scope"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The plan covers this unit's subtree."),
    )
    units = models.ManyToManyField(
        "org.OrgUnit",
        verbose_name=_("units to evaluate"),
        related_name="+",
        blank=True,
        help_text=_("Units whose manual indicators are scored; empty means the scope unit itself."),
    )
    periods = models.JSONField(_("periods"), default=list, help_text=_("Months, YYYY-MM"))
    evaluators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("evaluators"), related_name="+", blank=True
    )
    evaluator_kind = models.CharField(
        _("evaluator"), max_length=12, choices=EvaluatorKind.choices, default=EvaluatorKind.INTERNAL
    )
    status = models.CharField(
        _("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )

    class Meta:
        verbose_name = _("evaluation plan")
        verbose_name_plural = _("evaluation plans")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if not isinstance(self.periods, list) or not self.periods:
            raise ValidationError({"periods": _("Give at least one month (YYYY-MM).")})
        bad = [str(p) for p in self.periods if not is_month(p)]
        if bad:
            raise ValidationError({"periods": _("Not a month (YYYY-MM): %(bad)s") % {"bad": ", ".join(bad)}})


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
    attachment = models.FileField(
        _("evidence file"),
        upload_to=_evidence_path,
        validators=[validate_evidence_file],
        max_length=255,
        blank=True,
    )
    plan = models.ForeignKey(
        Plan,
        verbose_name=_("evaluation plan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="scores",
    )

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
