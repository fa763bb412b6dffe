"""Service records (one row per service interaction) and their daily rollups.

Service records are high-volume facts, not business records: no per-row audit, no archiving; each
ingest batch writes one audit entry instead. Every KPI reads :class:`DailyRollup`, never the raw table.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sqms.kpi.domain import N_BUCKETS


def empty_histogram() -> list[int]:
    return [0] * N_BUCKETS


class ServiceRecord(models.Model):
    source = models.CharField(_("source"), max_length=40, blank=True, default="")
    external_id = models.CharField(_("external id"), max_length=100)
    org_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="service_records"
    )
    staff = models.ForeignKey(
        "org.Staff",
        verbose_name=_("staff"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_records",
    )
    customer = models.ForeignKey(
        "org.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_records",
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
        indexes = [models.Index(fields=["org_unit", "requested_at"], name="kpi_sr_unit_requested")]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}" if self.source else self.external_id


class DailyRollup(models.Model):
    """Sums of the service records of one org unit × local day × service type × channel.

    Response time = first_response_at − requested_at; handling time = completed_at − requested_at, both
    in whole seconds. Histograms use the fixed buckets of :data:`sqms.kpi.domain.BUCKET_EDGES`."""

    org_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="service_rollups"
    )
    day = models.DateField(_("day"))
    service_type = models.CharField(_("service type"), max_length=40)
    channel = models.CharField(_("channel"), max_length=20, blank=True, default="")
    total = models.PositiveIntegerField(_("total"), default=0)
    completed = models.PositiveIntegerField(_("completed"), default=0)
    with_promise = models.PositiveIntegerField(_("with a promised time"), default=0)
    on_time = models.PositiveIntegerField(_("completed on time"), default=0)
    fcr = models.PositiveIntegerField(_("first-contact resolutions"), default=0)
    responded = models.PositiveIntegerField(_("responded"), default=0)
    response_seconds = models.BigIntegerField(_("response seconds"), default=0)
    handling_seconds = models.BigIntegerField(_("handling seconds"), default=0)
    rating_count = models.PositiveIntegerField(_("ratings"), default=0)
    rating_sum = models.PositiveIntegerField(_("rating sum"), default=0)
    response_hist = models.JSONField(_("response time histogram"), default=empty_histogram)
    handling_hist = models.JSONField(_("handling time histogram"), default=empty_histogram)

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
