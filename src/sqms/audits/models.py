"""Inspections (checklist templates, plans, inspections with per-item results and photos, spot-check
draws), the resources register, and audits (clause library, programmes, plans, checklists, findings,
certificates)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sqms.core.models import BusinessRecord


class InspectionKind(models.TextChoices):
    ON_SITE = "on_site", _("On-site inspection")
    SPOT_CHECK = "spot_check", _("Random spot check")
    MYSTERY = "mystery", _("Mystery shopping")


class Scoring(models.TextChoices):
    PASS_FAIL = "pass_fail", _("Pass / fail")
    POINTS = "points", _("Points (0–N)")


class ChecklistTemplate(BusinessRecord):
    """A versioned inspection checklist. Inspections keep the version they were made with; a change is a
    new version (same code, version + 1)."""

    code = models.CharField(_("code"), max_length=40)
    version = models.PositiveIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("inspection type"), max_length=16, choices=InspectionKind.choices, default=InspectionKind.ON_SITE
    )
    description = models.TextField(_("description"), blank=True)
    pass_mark = models.DecimalField(_("pass mark (%)"), max_digits=5, decimal_places=2, default=80)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="audits_template_version")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class ChecklistItem(models.Model):
    template = models.ForeignKey(
        ChecklistTemplate, verbose_name=_("template"), on_delete=models.CASCADE, related_name="items"
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    text = models.CharField(_("item"), max_length=300)
    guidance = models.TextField(_("guidance"), blank=True)
    scoring = models.CharField(
        _("scoring"), max_length=12, choices=Scoring.choices, default=Scoring.PASS_FAIL
    )
    max_points = models.PositiveSmallIntegerField(_("maximum points"), default=1)
    weight = models.DecimalField(
        _("weight"), max_digits=6, decimal_places=2, default=1, validators=[MinValueValidator(0)]
    )
    critical = models.BooleanField(pgettext_lazy("checklist item", "critical"), default=False)
    allow_na = models.BooleanField(_("may be not applicable"), default=True)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["template", "order", "id"]

    def __str__(self) -> str:
        return self.text


class Frequency(models.TextChoices):
    ONCE = "once", _("Once")
    WEEKLY = "weekly", _("Weekly")
    BIWEEKLY = "biweekly", _("Every two weeks")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")


class SampleKind(models.TextChoices):
    UNITS = "units", _("Org units")
    STAFF = "staff", _("Staff")
    SERVICE_RECORDS = "service_records", _("Service records")


class InspectionPlan(BusinessRecord):
    """A schedule of inspections of one type in a unit (and its subtree)."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("inspection type"), max_length=16, choices=InspectionKind.choices, default=InspectionKind.ON_SITE
    )
    template = models.ForeignKey(
        ChecklistTemplate,
        verbose_name=_("checklist template"),
        on_delete=models.PROTECT,
        related_name="plans",
    )
    org_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="inspection_plans"
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspector"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    frequency = models.CharField(
        _("frequency"), max_length=12, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    sample_kind = models.CharField(
        _("sample of"), max_length=20, choices=SampleKind.choices, default=SampleKind.UNITS, blank=True
    )
    sample_size = models.PositiveIntegerField(_("sample size"), default=0)
    scenario = models.TextField(_("scenario script"), blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")
        ordering = ["-start_date", "-id"]

    def __str__(self) -> str:
        return self.name


class InspectionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", pgettext_lazy("audit status", "In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class Inspection(BusinessRecord):
    number = models.CharField(_("number"), max_length=30, unique=True, editable=False)
    kind = models.CharField(
        _("inspection type"), max_length=16, choices=InspectionKind.choices, default=InspectionKind.ON_SITE
    )
    template = models.ForeignKey(
        ChecklistTemplate, verbose_name=_("checklist template"), on_delete=models.PROTECT, related_name="+"
    )
    plan = models.ForeignKey(
        InspectionPlan,
        verbose_name=_("plan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    org_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("inspected unit"), on_delete=models.PROTECT, related_name="inspections"
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspector"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    staff = models.ForeignKey(
        "org.Staff",
        verbose_name=_("inspected staff member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    service_record = models.ForeignKey(
        "kpi.ServiceRecord",
        verbose_name=_("service record"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=InspectionStatus.choices, default=InspectionStatus.PLANNED
    )
    scheduled_for = models.DateField(_("scheduled for"), null=True, blank=True)
    performed_at = models.DateTimeField(_("performed at"), null=True, blank=True)
    score = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(pgettext_lazy("inspection result", "passed"), null=True, blank=True)
    critical_failed = models.BooleanField(_("critical item failed"), default=False)
    # Mystery shopping
    scenario = models.TextField(_("scenario script"), blank=True)
    shopper = models.CharField(_("mystery shopper"), max_length=100, blank=True)
    visit_record = models.TextField(_("visit record"), blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-scheduled_for", "-id"]
        indexes = [models.Index(fields=["org_unit", "performed_at"], name="audits_insp_unit_done")]

    def __str__(self) -> str:
        return self.number


class Outcome(models.TextChoices):
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")
    NA = "na", _("Not applicable")
    SCORED = "scored", _("Scored")


class InspectionResult(models.Model):
    """The answer to one checklist item in one inspection, with a note, photos and an optional resource."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="results"
    )
    item = models.ForeignKey(
        ChecklistItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices, blank=True)
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2, null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    resource = models.ForeignKey(
        "audits.Resource",
        verbose_name=_("resource"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inspection_results",
    )
    nonconformity_id = models.PositiveIntegerField(_("nonconformity"), null=True, blank=True)
    nonconformity_ref = models.CharField(_("nonconformity number"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("inspection result")
        verbose_name_plural = _("inspection results")
        ordering = ["inspection", "item__order", "item_id"]
        constraints = [models.UniqueConstraint(fields=["inspection", "item"], name="audits_result_item")]

    def __str__(self) -> str:
        return f"{self.inspection} · {self.item}"


class InspectionPhoto(models.Model):
    result = models.ForeignKey(
        InspectionResult, verbose_name=_("result"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(_("photo"), upload_to="audits/inspections/%Y/%m/")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("inspection photo")
        verbose_name_plural = _("inspection photos")

    def __str__(self) -> str:
        return self.image.name


class SpotCheckDraw(models.Model):
    """One random draw of a spot check: the population, the seed and the ids drawn, so anyone can redo it."""

    plan = models.ForeignKey(
        InspectionPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="draws"
    )
    sample_kind = models.CharField(_("sample of"), max_length=20, choices=SampleKind.choices)
    seed = models.BigIntegerField(_("seed"))
    population_size = models.PositiveIntegerField(_("population size"))
    drawn_ids = models.JSONField(_("drawn ids"), default=list)
    drawn_at = models.DateTimeField(_("drawn at"), auto_now_add=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("spot-check draw")
        verbose_name_plural = _("spot-check draws")
        ordering = ["-drawn_at", "-id"]

    def __str__(self) -> str:
        return f"{self.plan} #{self.seed}"


# --- resources register (J3) ---------------------------------------------------------------------------


class ResourceKind(models.TextChoices):
    SERVICE_WINDOW = "service_window", _("Service window")
    RATING_DEVICE = "rating_device", _("Rating device")
    CALL_CENTRE = "call_centre", _("Call-centre system")
    VEHICLE = "vehicle", _("Vehicle")
    FACILITY = "facility", _("Facility")
    EQUIPMENT = "equipment", _("Equipment")


class ResourceStatus(models.TextChoices):
    IN_SERVICE = "in_service", _("In service")
    NEEDS_ATTENTION = "needs_attention", _("Needs attention")
    OUT_OF_SERVICE = "out_of_service", _("Out of service")
    RETIRED = "retired", pgettext_lazy("resource status", "Retired")


class Resource(BusinessRecord):
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=ResourceKind.choices)
    org_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="resources"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ResourceStatus.choices, default=ResourceStatus.IN_SERVICE
    )
    maintenance_due = models.DateField(_("maintenance due"), null=True, blank=True)
    inspection_due = models.DateField(_("inspection due"), null=True, blank=True)
    maintenance_reminded_for = models.DateField(null=True, blank=True, editable=False)
    inspection_reminded_for = models.DateField(null=True, blank=True, editable=False)
    notes = models.TextField(_("notes"), blank=True)

    AUDIT_EXCLUDE = (*BusinessRecord.AUDIT_EXCLUDE, "maintenance_reminded_for", "inspection_reminded_for")

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


# --- audits (H2) ---------------------------------------------------------------------------------------


class Standard(models.TextChoices):
    ISO9001 = "iso9001_2015", _("ISO 9001:2015 (GB/T 19001-2016)")
    ISO20000 = "iso20000_1_2018", _("ISO/IEC 20000-1:2018")


class Clause(models.Model):
    """A clause of a management-system standard (shipped library, loaded after migrate)."""

    standard = models.CharField(_("standard"), max_length=20, choices=Standard.choices)
    number = models.CharField(_("clause"), max_length=20)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("standard clause")
        verbose_name_plural = _("standard clauses")
        ordering = ["standard", "order"]
        constraints = [models.UniqueConstraint(fields=["standard", "number"], name="audits_clause_number")]

    def __str__(self) -> str:
        from django.utils.translation import get_language

        title = self.title_en if (get_language() or "").startswith("en") else self.title_zh
        return f"{self.number} {title}"

    @property
    def title(self) -> str:
        from django.utils.translation import get_language

        return self.title_en if (get_language() or "").startswith("en") else self.title_zh


class AuditProgramme(BusinessRecord):
    year = models.PositiveIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    objectives = models.TextField(_("objectives"), blank=True)
    org_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("owner unit"), on_delete=models.PROTECT, related_name="audit_programmes"
    )

    class Meta:
        verbose_name = _("audit programme")
        verbose_name_plural = _("audit programmes")
        ordering = ["-year", "-id"]

    def __str__(self) -> str:
        return self.title


class AuditKind(models.TextChoices):
    INTERNAL = "internal", _("Internal audit")
    EXTERNAL = "external", _("External audit")
    CERTIFICATION = "certification", _("Certification audit")
    SURVEILLANCE = "surveillance", _("Surveillance audit")


class AuditStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", pgettext_lazy("audit status", "In progress")
    REPORTED = "reported", _("Reported")
    CLOSED = "closed", _("Closed")


class AuditPlan(BusinessRecord):
    number = models.CharField(_("number"), max_length=30, unique=True, editable=False)
    programme = models.ForeignKey(
        AuditProgramme,
        verbose_name=_("programme"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plans",
    )
    kind = models.CharField(_("type"), max_length=16, choices=AuditKind.choices, default=AuditKind.INTERNAL)
    title = models.CharField(_("title"), max_length=200)
    objective = models.TextField(_("objective"))
    scope = models.TextField(_("scope"))
    criteria = models.ManyToManyField(
        Clause, verbose_name=_("criteria (clauses)"), blank=True, related_name="+"
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    places = models.CharField(_("places"), max_length=300, blank=True)
    lead_auditor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lead auditor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("audit team"), blank=True, related_name="+"
    )
    auditee_units = models.ManyToManyField(
        "org.OrgUnit", verbose_name=_("auditee units"), related_name="audit_plans"
    )
    agenda = models.TextField(_("agenda"), blank=True)
    audit_body = models.CharField(_("audit body"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=AuditStatus.choices, default=AuditStatus.PLANNED
    )
    summary = models.TextField(_("summary and conclusion"), blank=True)

    class Meta:
        verbose_name = _("audit plan")
        verbose_name_plural = _("audit plans")
        ordering = ["-start_date", "-id"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class ChecklistResult(models.TextChoices):
    OPEN = "", _("Not checked")
    CONFORMING = "conforming", _("Conforming")
    NONCONFORMING = "nonconforming", _("Nonconforming")
    NOT_APPLICABLE = "na", _("Not applicable")


class AuditQuestion(models.Model):
    """One line of an audit checklist, generated from a clause of the plan's criteria."""

    plan = models.ForeignKey(
        AuditPlan, verbose_name=_("audit plan"), on_delete=models.CASCADE, related_name="questions"
    )
    clause = models.ForeignKey(Clause, verbose_name=_("clause"), on_delete=models.PROTECT, related_name="+")
    order = models.PositiveIntegerField(_("order"), default=0)
    question = models.TextField(pgettext_lazy("checklist", "question"))
    result = models.CharField(_("result"), max_length=16, choices=ChecklistResult.choices, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("checklist question")
        verbose_name_plural = _("audit checklist")
        ordering = ["plan", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "clause"], name="audits_question_clause")]

    def __str__(self) -> str:
        return self.question[:80]


class FindingKind(models.TextChoices):
    CONFORMITY = "conformity", _("Conformity")
    OBSERVATION = "observation", _("Observation")
    OFI = "ofi", _("Opportunity for improvement")
    MINOR_NC = "minor_nc", _("Minor nonconformity")
    MAJOR_NC = "major_nc", _("Major nonconformity")


class Finding(BusinessRecord):
    plan = models.ForeignKey(
        AuditPlan, verbose_name=_("audit plan"), on_delete=models.PROTECT, related_name="findings"
    )
    question = models.ForeignKey(
        AuditQuestion,
        verbose_name=_("checklist question"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="findings",
    )
    clause = models.ForeignKey(
        Clause, verbose_name=_("clause"), on_delete=models.PROTECT, related_name="findings"
    )
    kind = models.CharField(_("finding type"), max_length=12, choices=FindingKind.choices)
    description = models.TextField(_("description"))
    evidence = models.TextField(_("evidence"))
    auditee_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("auditee unit"), on_delete=models.PROTECT, related_name="audit_findings"
    )
    auditee = models.CharField(_("auditee (person interviewed)"), max_length=100, blank=True)
    auditor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auditor"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    nonconformity_id = models.PositiveIntegerField(_("nonconformity"), null=True, blank=True, editable=False)
    nonconformity_ref = models.CharField(_("nonconformity number"), max_length=40, blank=True, editable=False)

    class Meta:
        verbose_name = _("audit finding")
        verbose_name_plural = _("audit findings")
        ordering = ["plan", "clause__order", "id"]

    def __str__(self) -> str:
        return f"{self.plan.number} {self.clause.number} {self.get_kind_display()}"


class Certificate(BusinessRecord):
    standard = models.CharField(_("standard"), max_length=20, choices=Standard.choices)
    number = models.CharField(_("certificate number"), max_length=60, unique=True)
    body = models.CharField(_("certification body"), max_length=200)
    org_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("certified unit"), on_delete=models.PROTECT, related_name="certificates"
    )
    scope = models.TextField(_("certified scope"), blank=True)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"))
    next_surveillance_on = models.DateField(_("next surveillance audit"), null=True, blank=True)
    expiry_reminded_for = models.DateField(null=True, blank=True, editable=False)
    surveillance_reminded_for = models.DateField(null=True, blank=True, editable=False)

    AUDIT_EXCLUDE = (*BusinessRecord.AUDIT_EXCLUDE, "expiry_reminded_for", "surveillance_reminded_for")

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["expires_on"]

    def __str__(self) -> str:
        return f"{self.number} ({self.get_standard_display()})"
