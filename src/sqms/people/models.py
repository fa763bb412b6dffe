"""Scorecards, rewards and penalties (J2): declarative point rules, scorecard periods, the per-subject
scorecards computed for a period, the points ledger (computed and manual entries, approved by the unit
manager) and staff appeals against their points."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sqms.core.models import BusinessRecord
from sqms.org.models import Role, code_validator
from sqms.people import domain

USER = settings.AUTH_USER_MODEL


class Subject(models.TextChoices):
    STAFF = domain.STAFF, pgettext_lazy("scorecard subject", "Staff member")
    UNIT = domain.UNIT, pgettext_lazy("scorecard subject", "Org unit")


class Metric(models.TextChoices):
    CSAT = domain.CSAT, _("CSAT (mean good/bad review score, 1–5)")
    SURVEY_CSAT = domain.SURVEY_CSAT, _("Survey CSAT (top-2-box %)")
    VALID_COMPLAINTS = domain.VALID_COMPLAINTS, _("Valid complaints (count)")
    INSPECTION_SCORE = domain.INSPECTION_SCORE, _("Inspection score (mean)")
    SLA_ATTAINMENT = domain.SLA_ATTAINMENT, _("SLA attainment (%)")
    TRAINING_COMPLETION = domain.TRAINING_COMPLETION, _("Training completion (%)")
    SUGGESTIONS_ADOPTED = domain.SUGGESTIONS_ADOPTED, _("Suggestions adopted (count)")


class Comparator(models.TextChoices):
    GE = ">=", "≥"
    GT = ">", ">"
    LE = "<=", "≤"
    LT = "<", "<"
    EQ = "==", "="
    NE = "!=", "≠"


class Mode(models.TextChoices):
    ONCE = domain.ONCE, _("Once in the period")
    EACH = domain.EACH, _("Per occurrence")


class Rule(BusinessRecord):
    """A declarative point rule: when ``metric`` of a subject meets the condition in a period, award
    ``points`` once or per occurrence; limited to a unit subtree, a role and validity dates."""

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=150)
    subject = models.CharField(
        pgettext_lazy("scorecard rule", "applies to"), max_length=8, choices=Subject.choices
    )
    metric = models.CharField(_("metric"), max_length=24, choices=Metric.choices)
    comparator = models.CharField(_("comparator"), max_length=2, choices=Comparator.choices, blank=True)
    threshold = models.DecimalField(_("threshold"), max_digits=10, decimal_places=3, null=True, blank=True)
    mode = models.CharField(_("points given"), max_length=8, choices=Mode.choices, default=Mode.ONCE)
    points = models.IntegerField(
        pgettext_lazy("scorecard", "points"), validators=[MinValueValidator(-10000), MaxValueValidator(10000)]
    )
    org_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("unit subtree"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the whole organisation."),
    )
    role = models.CharField(
        _("role"), max_length=20, choices=Role.choices, blank=True, help_text=_("Empty: every role.")
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("point rule")
        verbose_name_plural = _("point rules")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def spec(self) -> domain.Rule:
        return domain.Rule(
            id=self.pk or 0,
            subject=self.subject,
            metric=self.metric,
            mode=self.mode,
            points=self.points if self.points is not None else 0,
            comparator=self.comparator,
            threshold=float(self.threshold) if self.threshold is not None else None,
            unit_path=self.org_unit.path if self.org_unit_id else "",
            role=self.role,
            valid_from=self.valid_from,
            valid_to=self.valid_to,
        )

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        messages = {
            "subject": _("Choose staff or org unit."),
            "metric": _("Choose a metric."),
            "mode": _("Per occurrence works only with a count metric (valid complaints, suggestions)."),
            "comparator": _("A once-in-the-period rule needs a condition."),
            "threshold": _("A condition needs a threshold."),
            "points": _("Points must not be zero."),
            "valid_to": _("The rule cannot end before it starts."),
        }
        problems = domain.check_rule(self.spec())
        # Missing or unknown choices are reported by the field validation already.
        for name, value in (("points", self.points), ("subject", self.subject), ("metric", self.metric)):
            if value in (None, "") or name in ("subject", "metric"):
                problems.pop(name, None)
        if problems:
            raise ValidationError({f: messages[f] for f in problems})

    def describe(self) -> str:
        """The rule in one line, e.g. "CSAT ≥ 4.8 → +10" or "valid complaints × -5"."""
        metric = str(self.get_metric_display())
        cond = ""
        if self.comparator and self.threshold is not None:
            cond = f"{metric} {self.get_comparator_display()} {self.threshold.normalize():f}"
        if self.mode == domain.EACH:
            text = f"{metric} × {self.points:+d}"
            return f"{text} ({cond})" if cond else text
        return f"{cond} → {self.points:+d}"


class PeriodStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("scorecard period", "Open")
    CLOSED = "closed", pgettext_lazy("scorecard period", "Closed")


class Period(BusinessRecord):
    """A scorecard period (a month or a quarter) for a unit subtree."""

    kind = models.CharField(
        _("period type"),
        max_length=8,
        choices=[(domain.MONTH, _("Month")), (domain.QUARTER, _("Quarter"))],
        default=domain.MONTH,
    )
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    org_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=8, choices=PeriodStatus.choices, default=PeriodStatus.OPEN
    )
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True, editable=False)
    computed_by = models.ForeignKey(
        USER,
        verbose_name=_("computed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("scorecard period")
        verbose_name_plural = _("scorecard periods")
        ordering = ["-start", "org_unit__path"]
        permissions = [("compute_period", _("Can compute scorecard periods"))]
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "kind", "start"], name="uniq_people_period")
        ]

    def __str__(self) -> str:
        return f"{domain.period_label(self.kind, self.start)} · {self.org_unit}"

    @property
    def label(self) -> str:
        return domain.period_label(self.kind, self.start)

    @property
    def is_open(self) -> bool:
        return self.status == PeriodStatus.OPEN


class Scorecard(models.Model):
    """The figures of one staff member or unit for a period (recomputed while the period is open)."""

    period = models.ForeignKey(
        Period, verbose_name=_("scorecard period"), on_delete=models.CASCADE, related_name="scorecards"
    )
    subject = models.CharField(
        pgettext_lazy("scorecard rule", "applies to"), max_length=8, choices=Subject.choices
    )
    staff = models.ForeignKey(
        "org.Staff",
        verbose_name=_("staff member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="scorecards",
    )
    org_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="+"
    )
    metrics = models.JSONField(_("figures"), default=dict)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        ordering = ["period", "subject", "org_unit__path", "staff__employee_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "staff"], condition=models.Q(subject="staff"), name="uniq_people_card_staff"
            ),
            models.UniqueConstraint(
                fields=["period", "org_unit"],
                condition=models.Q(subject="unit"),
                name="uniq_people_card_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period.label} · {self.staff or self.org_unit}"


class Source(models.TextChoices):
    COMPUTED = "computed", _("Computed by a rule")
    MANUAL = "manual", _("Manual entry")
    APPEAL = "appeal", _("Appeal correction")


class EntryStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", pgettext_lazy("points", "Approved")
    VOIDED = "voided", _("Voided")


class PointEntry(BusinessRecord):
    """One line of the points ledger: a reward (+) or penalty (−) for a staff member or an org unit."""

    period = models.ForeignKey(
        Period, verbose_name=_("scorecard period"), on_delete=models.PROTECT, related_name="entries"
    )
    subject = models.CharField(
        pgettext_lazy("scorecard rule", "applies to"), max_length=8, choices=Subject.choices
    )
    staff = models.ForeignKey(
        "org.Staff",
        verbose_name=_("staff member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="point_entries",
    )
    org_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.COMPUTED)
    rule = models.ForeignKey(
        Rule,
        verbose_name=_("point rule"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
    )
    value = models.FloatField(_("metric value"), null=True, blank=True)
    occurrences = models.PositiveIntegerField(_("occurrences"), default=1)
    points = models.IntegerField(pgettext_lazy("scorecard", "points"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=EntryStatus.choices, default=EntryStatus.PENDING, db_index=True
    )
    approved_by = models.ForeignKey(
        USER,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points ledger")
        ordering = ["-period__start", "org_unit__path", "staff__employee_no", "id"]
        permissions = [("approve_pointentry", _("Can approve points"))]

    def __str__(self) -> str:
        return f"{self.staff or self.org_unit} {self.points:+d}"

    @property
    def subject_key(self) -> str:
        return f"s:{self.staff_id}" if self.subject == domain.STAFF else f"u:{self.org_unit_id}"

    @property
    def subject_name(self) -> str:
        return str(self.staff.name if self.staff_id and self.staff else self.org_unit)


class AppealStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("appeal", "Open")
    ACCEPTED = "accepted", pgettext_lazy("appeal", "Accepted")
    REJECTED = "rejected", pgettext_lazy("appeal", "Rejected")


class PointAppeal(BusinessRecord):
    """A staff member's appeal against one of his ledger entries, and its decision."""

    entry = models.ForeignKey(
        PointEntry, verbose_name=_("points entry"), on_delete=models.PROTECT, related_name="appeals"
    )
    appellant = models.ForeignKey(
        USER, verbose_name=_("appellant"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=10, choices=AppealStatus.choices, default=AppealStatus.OPEN, db_index=True
    )
    decision = models.TextField(pgettext_lazy("points appeal", "decision"), blank=True)
    corrected_points = models.IntegerField(_("corrected points"), null=True, blank=True)
    decided_by = models.ForeignKey(
        USER,
        verbose_name=pgettext_lazy("points appeal", "decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(pgettext_lazy("points appeal", "decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("points appeal")
        verbose_name_plural = _("points appeals")
        ordering = ["-created_at", "-id"]
        permissions = [("decide_pointappeal", _("Can decide points appeals"))]

    def __str__(self) -> str:
        return f"{self.entry} · {self.get_status_display()}"
