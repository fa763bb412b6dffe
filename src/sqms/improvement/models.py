"""Nonconformities and CAPA, PDCA improvement projects, staff suggestions, the good-practice library and
management reviews.

Workflow lives in :mod:`sqms.improvement.services`; the transition rules in :mod:`sqms.improvement.domain`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sqms.core.models import BusinessRecord

USER = settings.AUTH_USER_MODEL


class Source(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    BAD_REVIEW = "bad_review", _("Bad review")
    AUDIT_FINDING = "audit_finding", _("Audit finding")
    INSPECTION = "inspection", _("Inspection")
    KPI_ALERT = "kpi_alert", _("KPI alert")
    MANUAL = "manual", _("Manual entry")


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    CRITICAL = "critical", pgettext_lazy("severity", "Critical")  # not the KPI threshold "Critical"


class NcStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ANALYSING = "analysing", _("Root cause analysis")
    ACTING = "acting", _("Actions in progress")
    VERIFYING = "verifying", _("Effectiveness verification")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class Nonconformity(BusinessRecord):
    """A nonconformity (不符合项) from a complaint, bad review, audit, inspection, KPI alert or by hand.

    Idempotent per (source, source_ref) when ``source_ref`` is not empty. ``whys`` is the 5 Whys chain
    (a list of answers), ``fishbone`` maps the 6M categories (人/机/料/法/环/测) to lists of causes."""

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    source_ref = models.CharField(_("source reference"), max_length=100, blank=True)
    org_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="nonconformities"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.MINOR
    )
    status = models.CharField(_("status"), max_length=12, choices=NcStatus.choices, default=NcStatus.OPEN)
    containment_action = models.TextField(_("containment action"), blank=True)
    detected_on = models.DateField(_("detected on"))
    problem = models.CharField(_("problem statement"), max_length=300, blank=True)
    whys = models.JSONField(_("5 Whys"), default=list, blank=True)
    fishbone = models.JSONField(_("fishbone causes"), default=dict, blank=True)
    root_cause = models.TextField(_("root cause"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("nonconformity")
        verbose_name_plural = _("nonconformities")
        ordering = ["-detected_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_ref"],
                condition=~models.Q(source_ref=""),
                name="improvement_nc_unique_source_ref",
            )
        ]
        indexes = [models.Index(fields=["status", "detected_on"], name="improvement_nc_status_day")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"[:120]


class ActionKind(models.TextChoices):
    CORRECTIVE = "corrective", _("Corrective action")
    PREVENTIVE = "preventive", _("Preventive action")


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class CorrectiveAction(BusinessRecord):
    """A corrective or preventive action (CAPA) of a nonconformity."""

    nonconformity = models.ForeignKey(
        Nonconformity, verbose_name=_("nonconformity"), on_delete=models.PROTECT, related_name="actions"
    )
    kind = models.CharField(
        _("kind"), max_length=12, choices=ActionKind.choices, default=ActionKind.CORRECTIVE
    )
    description = models.TextField(_("action"))
    owner = models.ForeignKey(USER, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=12, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )
    evidence = models.TextField(_("evidence"), blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    reminded_on = models.DateField(_("last overdue reminder"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("corrective/preventive action")
        verbose_name_plural = _("corrective/preventive actions")
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return f"{self.nonconformity.number}: {self.description}"[:120]


class Verdict(models.TextChoices):
    PENDING = "pending", _("Awaiting sign-off")
    EFFECTIVE = "effective", pgettext_lazy("effectiveness verdict", "Effective")
    NOT_EFFECTIVE = "not_effective", _("Not effective")


class EffectivenessCheck(BusinessRecord):
    """A KPI before vs after comparison with a significance test, signed off by a verifier."""

    nonconformity = models.ForeignKey(
        Nonconformity, verbose_name=_("nonconformity"), on_delete=models.PROTECT, related_name="checks"
    )
    kpi_code = models.CharField(_("KPI"), max_length=40)
    before_start = models.DateField(_("before: from"))
    before_end = models.DateField(_("before: to"))
    after_start = models.DateField(_("after: from"))
    after_end = models.DateField(_("after: to"))
    before_value = models.FloatField(_("before value"), null=True, blank=True)
    after_value = models.FloatField(_("after value"), null=True, blank=True)
    test = models.CharField(_("test"), max_length=40, blank=True)
    statistic = models.FloatField(_("test statistic"), null=True, blank=True)
    p_value = models.FloatField(_("p value"), null=True, blank=True)
    improved = models.BooleanField(_("significant improvement"), default=False)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    verdict = models.CharField(_("verdict"), max_length=16, choices=Verdict.choices, default=Verdict.PENDING)
    verified_by = models.ForeignKey(
        USER, verbose_name=_("verified by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("effectiveness check")
        verbose_name_plural = _("effectiveness checks")
        ordering = ["-id"]
        permissions = [("verify_effectiveness", _("Can sign off effectiveness checks"))]

    def __str__(self) -> str:
        return f"{self.nonconformity.number} {self.kpi_code}"


class Stage(models.TextChoices):
    PLAN = "plan", _("Plan")
    DO = "do", _("Do")
    CHECK = "check", _("Check")
    ACT = "act", _("Act")
    CLOSED = "closed", _("Closed")


class ImprovementProject(BusinessRecord):
    """A PDCA improvement project; a stage gate (approval) moves it to the next stage."""

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    org_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("org unit"),
        on_delete=models.PROTECT,
        related_name="improvement_projects",
    )
    leader = models.ForeignKey(
        USER, verbose_name=_("leader"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    stage = models.CharField(_("stage"), max_length=8, choices=Stage.choices, default=Stage.PLAN)
    is_pilot = models.BooleanField(_("pilot of a suggestion"), default=False)
    nonconformity = models.ForeignKey(
        Nonconformity,
        verbose_name=_("nonconformity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="projects",
    )
    problem = models.TextField(_("problem"), blank=True)
    kpi_code = models.CharField(_("goal KPI"), max_length=40, blank=True)
    kpi_target = models.FloatField(_("KPI target"), null=True, blank=True)
    root_causes = models.TextField(_("root causes"), blank=True)
    action_plan = models.TextField(_("action plan"), blank=True)
    expected_effect = models.TextField(_("expected effect"), blank=True)
    baseline_start = models.DateField(_("baseline from"), null=True, blank=True)
    baseline_end = models.DateField(_("baseline to"), null=True, blank=True)
    after_start = models.DateField(_("after: from"), null=True, blank=True)
    after_end = models.DateField(_("after: to"), null=True, blank=True)
    check_result = models.JSONField(_("check result"), default=dict, blank=True)
    standard_reference = models.CharField(_("standard or document changed"), max_length=300, blank=True)
    lessons_learned = models.TextField(_("lessons learned"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("improvement project")
        verbose_name_plural = _("improvement projects")
        ordering = ["-id"]
        permissions = [("approve_gate", _("Can approve PDCA stage gates"))]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"[:120]


class ProjectTask(BusinessRecord):
    project = models.ForeignKey(
        ImprovementProject, verbose_name=_("project"), on_delete=models.PROTECT, related_name="tasks"
    )
    title = models.CharField(_("task"), max_length=200)
    owner = models.ForeignKey(
        USER, verbose_name=_("owner"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        verbose_name = _("project task")
        verbose_name_plural = _("project tasks")
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return self.title


class StageGate(models.Model):
    """One stage-gate decision of a project (append-only: the project's timeline)."""

    project = models.ForeignKey(
        ImprovementProject, verbose_name=_("project"), on_delete=models.CASCADE, related_name="gates"
    )
    from_stage = models.CharField(_("from stage"), max_length=8, choices=Stage.choices)
    to_stage = models.CharField(_("to stage"), max_length=8, choices=Stage.choices)
    approved = models.BooleanField(_("approved"), default=True)
    approver = models.ForeignKey(USER, verbose_name=_("approver"), on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("stage gate")
        verbose_name_plural = _("stage gates")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.project_id} {self.from_stage}→{self.to_stage}"


class SuggestionStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    EVALUATED = "evaluated", _("Evaluated")
    REJECTED = "rejected", _("Rejected")
    PILOT = "pilot", _("Adopted: pilot")
    ROLLED_OUT = "rolled_out", _("Rolled out")


class Suggestion(BusinessRecord):
    """A staff suggestion (合理化建议): evaluated, adopted as a pilot project, then rolled out."""

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    org_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="suggestions"
    )
    submitter = models.ForeignKey(
        USER, verbose_name=_("submitted by"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=SuggestionStatus.choices, default=SuggestionStatus.SUBMITTED
    )
    feasibility = models.PositiveSmallIntegerField(_("feasibility (1–5)"), null=True, blank=True)
    benefit = models.PositiveSmallIntegerField(_("benefit (1–5)"), null=True, blank=True)
    evaluation_note = models.TextField(_("evaluation"), blank=True)
    pilot = models.ForeignKey(
        ImprovementProject,
        verbose_name=_("pilot project"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="suggestions",
    )
    pilot_result = models.TextField(_("pilot evaluation"), blank=True)
    reward_points = models.PositiveIntegerField(_("reward points"), default=0)

    class Meta:
        verbose_name = _("staff suggestion")
        verbose_name_plural = _("staff suggestions")
        ordering = ["-id"]
        permissions = [("evaluate_suggestion", _("Can evaluate staff suggestions"))]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"[:120]


class RewardEntry(models.Model):
    """Reward points granted for a suggestion (the hook for a later rewards ledger)."""

    suggestion = models.ForeignKey(
        Suggestion, verbose_name=_("suggestion"), on_delete=models.CASCADE, related_name="rewards"
    )
    user = models.ForeignKey(USER, verbose_name=_("staff"), on_delete=models.PROTECT, related_name="+")
    points = models.IntegerField(_("points"))
    reason = models.CharField(_("reason"), max_length=200)
    granted_by = models.ForeignKey(
        USER, verbose_name=_("granted by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("reward entry")
        verbose_name_plural = _("reward entries")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.points:+d}"


class PracticeKind(models.TextChoices):
    GOOD_PRACTICE = "good_practice", _("Good practice")
    LESSON = "lesson", _("Lesson learned")


class GoodPractice(BusinessRecord):
    """An article of the good-practice and lessons-learned library."""

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=16, choices=PracticeKind.choices, default=PracticeKind.GOOD_PRACTICE
    )
    body = models.TextField(_("text"))
    tags = models.CharField(_("tags"), max_length=300, blank=True, help_text=_("Separate tags with commas."))
    org_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="good_practices"
    )
    project = models.ForeignKey(
        ImprovementProject,
        verbose_name=_("project"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="practices",
    )
    nonconformity = models.ForeignKey(
        Nonconformity,
        verbose_name=_("nonconformity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="practices",
    )

    class Meta:
        verbose_name = _("good practice / lesson")
        verbose_name_plural = _("good practice library")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.replace("，", ",").split(",") if t.strip()]


class ReviewStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CLOSED = "closed", _("Closed")


class ManagementReview(BusinessRecord):
    """A management review meeting (管理评审) for a period; its inputs are compiled automatically."""

    title = models.CharField(_("title"), max_length=200)
    org_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="management_reviews"
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    meeting_date = models.DateField(_("meeting date"))
    chair = models.ForeignKey(
        USER, verbose_name=_("chair"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    attendees = models.TextField(_("attendees"), blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=ReviewStatus.choices, default=ReviewStatus.PLANNED
    )
    inputs = models.JSONField(_("inputs"), default=dict, blank=True)
    minutes = models.TextField(_("minutes"), blank=True)

    class Meta:
        verbose_name = _("management review")
        verbose_name_plural = _("management reviews")
        ordering = ["-meeting_date", "-id"]

    def __str__(self) -> str:
        return self.title


class ItemKind(models.TextChoices):
    DECISION = "decision", _("Decision")
    ACTION = "action", _("Action item")


class ReviewItem(BusinessRecord):
    """A decision or action item of a management review, tracked to closure."""

    review = models.ForeignKey(
        ManagementReview, verbose_name=_("management review"), on_delete=models.PROTECT, related_name="items"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ItemKind.choices, default=ItemKind.ACTION)
    text = models.TextField(_("text"))
    owner = models.ForeignKey(
        USER, verbose_name=_("owner"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)

    class Meta:
        verbose_name = _("review decision / action")
        verbose_name_plural = _("review decisions and actions")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text[:80]
