"""Service records (one row per service interaction) and their daily rollups.

Service records are high-volume facts, not business records: no per-row audit, no archiving; each
ingest batch writes one audit entry instead. Every KPI reads :class:`DailyRollup`, never the raw table.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sqms.core.models import BusinessRecord
from sqms.kpi.domain import HANDLING_COLUMNS, N_BUCKETS, RESPONSE_COLUMNS


def empty_histogram() -> list[int]:
    return [0] * N_BUCKETS


class ServiceRecord(models.Model):
    source = models.CharField(_("source"), max_length=40, blank=True, default="")
    external_id = models.CharField(_("external id"), max_length=100)
    # The three references carry no database FOREIGN KEY constraint (``db_constraint=False``): every
    # writer resolves units, staff and customers before it writes (the fast ingest refuses unknown codes
    # by row), Django's PROTECT still guards deletions, and a deferred constraint costs one locking
    # look-up per ingested row at commit (on PostgreSQL 2.6 of 10.7 s for 300,000 rows).
    # No index of its own for the unit: (org_unit, requested_at) below serves every look-up by unit.
    org_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("org unit"),
        on_delete=models.PROTECT,
        related_name="service_records",
        db_index=False,
        db_constraint=False,
    )
    staff = models.ForeignKey(
        "org.Staff",
        verbose_name=_("staff"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_records",
        db_constraint=False,
    )
    # indexed only where set (see Meta): most records name no customer
    customer = models.ForeignKey(
        "org.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_records",
        db_index=False,
        db_constraint=False,
    )
    service_type = models.CharField(_("service type"), max_length=40)
    channel = models.CharField(_("channel"), max_length=20, blank=True, default="")
    requested_at = models.DateTimeField(_("requested at"))
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    promised_at = models.DateTimeField(_("promised at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=40, blank=True, default="")
    first_contact_resolution = models.BooleanField(_("first-contact resolution"), default=False)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    ingested_at = models.DateTimeField(_("ingested at"), auto_now=True)

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="kpi_servicerecord_unique_ext"),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="kpi_servicerecord_rating_range",
            ),
        ]
        indexes = [
            models.Index(fields=["org_unit", "requested_at"], name="kpi_sr_unit_requested"),
            models.Index(
                fields=["customer"], name="kpi_sr_customer", condition=models.Q(customer__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}" if self.source else self.external_id


class RollupSums(models.Model):
    """The summed counters and fixed-bucket histograms of a set of service records (abstract)."""

    total = models.PositiveIntegerField(_("total"), default=0)
    completed = models.PositiveIntegerField(_("completed"), default=0)
    with_promise = models.PositiveIntegerField(_("with a promised time"), default=0)
    on_time = models.PositiveIntegerField(_("completed on time"), default=0)
    fcr = models.PositiveIntegerField(_("first-contact resolutions"), default=0)
    responded = models.PositiveIntegerField(_("responded"), default=0)
    response_seconds = models.BigIntegerField(_("response seconds"), default=0)
    handling_seconds = models.BigIntegerField(_("handling seconds"), default=0)
    rating_count = models.PositiveIntegerField(pgettext_lazy("column", "ratings"), default=0)
    rating_sum = models.PositiveIntegerField(_("rating sum"), default=0)
    # The fixed-bucket histograms as plain integer columns (resp_00 … resp_23, hand_00 … hand_23) so that
    # a grouped query sums them in SQL like the other counters; ``response_hist`` / ``handling_hist``
    # read and write them as lists.
    for _i in range(N_BUCKETS):
        locals()[f"resp_{_i:02d}"] = models.PositiveIntegerField(f"response bucket {_i}", default=0)
        locals()[f"hand_{_i:02d}"] = models.PositiveIntegerField(f"handling bucket {_i}", default=0)
    del _i

    class Meta:
        abstract = True

    @property
    def response_hist(self) -> list[int]:
        return [getattr(self, name) for name in RESPONSE_COLUMNS]

    @response_hist.setter
    def response_hist(self, values: list[int]) -> None:
        for name, value in zip(RESPONSE_COLUMNS, values, strict=True):
            setattr(self, name, value)

    @property
    def handling_hist(self) -> list[int]:
        return [getattr(self, name) for name in HANDLING_COLUMNS]

    @handling_hist.setter
    def handling_hist(self, values: list[int]) -> None:
        for name, value in zip(HANDLING_COLUMNS, values, strict=True):
            setattr(self, name, value)


class DailyRollup(RollupSums):
    """Sums of the service records of one org unit × local day × service type × channel.

    Response time = first_response_at − requested_at; handling time = completed_at − requested_at, both
    in whole seconds. Histograms use the fixed buckets of :data:`sqms.kpi.domain.BUCKET_EDGES`."""

    org_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="service_rollups"
    )
    day = models.DateField(_("day"))
    service_type = models.CharField(_("service type"), max_length=40)
    channel = models.CharField(_("channel"), max_length=20, blank=True, default="")

    class Meta:
        verbose_name = _("daily rollup")
        verbose_name_plural = _("daily rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "day", "service_type", "channel"], name="kpi_dailyrollup_unique_key"
            )
        ]
        indexes = [models.Index(fields=["day", "org_unit"], name="kpi_rollup_day_unit")]

    def __str__(self) -> str:
        return f"{self.org_unit_id} {self.day} {self.service_type}/{self.channel}"


class MonthlyRollup(RollupSums):
    """The daily rollups of one local calendar month (``month`` is its first day), maintained by the same
    incremental delta as :class:`DailyRollup` in the same transaction and rebuilt with it. Reads over
    whole months (evaluations, the dashboard) group these ~30× fewer rows instead of the daily ones."""

    org_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="monthly_rollups"
    )
    month = models.DateField(_("month"))
    service_type = models.CharField(_("service type"), max_length=40)
    channel = models.CharField(_("channel"), max_length=20, blank=True, default="")

    class Meta:
        verbose_name = _("monthly rollup")
        verbose_name_plural = _("monthly rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "month", "service_type", "channel"], name="kpi_monthlyrollup_unique_key"
            )
        ]
        indexes = [models.Index(fields=["month", "org_unit"], name="kpi_mrollup_month_unit")]

    def __str__(self) -> str:
        return f"{self.org_unit_id} {self.month:%Y-%m} {self.service_type}/{self.channel}"


class IngestKey(models.Model):
    """An ``Idempotency-Key`` of a bulk ingest: the same user, key and body get the first result back."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("idempotency key"), max_length=200)
    body_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(default=201)
    result = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ingest key")
        verbose_name_plural = _("ingest keys")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="kpi_ingestkey_unique")]

    def __str__(self) -> str:
        return self.key


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class KpiSource(models.TextChoices):
    RECORDS = "records", _("Service records")
    FEEDBACK = "feedback", _("Complaints and ratings")
    SURVEYS = "surveys", _("Surveys")
    REGISTERED = "registered", _("Another app (registered source)")


class KpiDefinition(BusinessRecord):
    """A KPI of the library: how it is computed is fixed by its code (see ``sqms.kpi.domain.RATIOS``);
    the thresholds are organisation-wide defaults, overridden per unit by :class:`KpiOverride`."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    description = models.TextField(_("definition"), blank=True)
    unit = models.CharField(_("unit of measure"), max_length=20, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=KpiSource.choices)
    direction = models.CharField(_("direction"), max_length=6, choices=Direction.choices)
    target = models.FloatField(_("target"))
    warning = models.FloatField(_("warning threshold"))
    critical = models.FloatField(_("critical threshold"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        from django.utils.translation import get_language

        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name


class KpiOverride(models.Model):
    """Unit-specific thresholds of a KPI; they apply to the unit and its subtree (nearest one wins)."""

    kpi = models.ForeignKey(
        KpiDefinition, verbose_name=_("KPI"), on_delete=models.CASCADE, related_name="overrides"
    )
    org_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("org unit"), on_delete=models.CASCADE, related_name="kpi_overrides"
    )
    target = models.FloatField(_("target"), null=True, blank=True)
    warning = models.FloatField(_("warning threshold"), null=True, blank=True)
    critical = models.FloatField(_("critical threshold"), null=True, blank=True)

    class Meta:
        verbose_name = _("KPI override")
        verbose_name_plural = _("KPI overrides")
        constraints = [models.UniqueConstraint(fields=["kpi", "org_unit"], name="kpi_override_unique")]

    def __str__(self) -> str:
        return f"{self.kpi} @ {self.org_unit}"


class AlertKind(models.TextChoices):
    TARGET = "target", _("Threshold missed")
    SPC = "spc", _("Control-chart signal")


class AlertLevel(models.TextChoices):
    AMBER = "amber", _("Warning")
    RED = "red", _("Critical")
    SIGNAL = "signal", _("Signal")


class KpiAlert(models.Model):
    """One alert per KPI × unit × period × kind (re-evaluating never duplicates it)."""

    kpi = models.ForeignKey(
        KpiDefinition, verbose_name=_("KPI"), on_delete=models.PROTECT, related_name="alerts"
    )
    org_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="kpi_alerts"
    )
    period_kind = models.CharField(_("period type"), max_length=8, default="month")
    period = models.CharField(_("period"), max_length=12)
    kind = models.CharField(_("kind"), max_length=8, choices=AlertKind.choices)
    level = models.CharField(_("level"), max_length=8, choices=AlertLevel.choices)
    value = models.FloatField(_("value"), null=True, blank=True)
    threshold = models.FloatField(_("threshold"), null=True, blank=True)
    message = models.CharField(_("message"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("KPI alert")
        verbose_name_plural = _("KPI alerts")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "org_unit", "period_kind", "period", "kind"], name="kpi_alert_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kpi} {self.org_unit} {self.period} {self.get_kind_display()}"


class QualityObjective(BusinessRecord):
    """A quality objective (质量目标): a KPI of a unit brought from a baseline to a target by a deadline."""

    statement = models.CharField(_("statement"), max_length=300)
    kpi = models.ForeignKey(
        KpiDefinition, verbose_name=_("KPI"), on_delete=models.PROTECT, related_name="objectives"
    )
    org_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="quality_objectives"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quality_objectives",
    )
    baseline = models.FloatField(_("baseline"))
    target = models.FloatField(_("target"))
    start = models.DateField(_("start"))
    deadline = models.DateField(_("deadline"))

    class Meta:
        verbose_name = _("quality objective")
        verbose_name_plural = _("quality objectives")
        ordering = ["deadline", "id"]

    def __str__(self) -> str:
        return self.statement

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.start and self.deadline and self.deadline < self.start:
            raise ValidationError({"deadline": _("The deadline must not be before the start.")})
