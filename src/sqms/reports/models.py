"""Quality report snapshots (versioned, with their PDF and Excel files and data), subscriptions to them,
and transparency publications (frozen public snapshots of a period)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sqms.core.models import BusinessRecord


class ReportKind(models.TextChoices):
    MONTHLY = "monthly", pgettext_lazy("report kind", "Monthly")
    QUARTERLY = "quarterly", pgettext_lazy("report kind", "Quarterly")


def _upload_to(instance: ReportSnapshot, filename: str) -> str:
    return f"reports/{instance.period_key}/{filename}"


class ReportSnapshot(BusinessRecord):
    """One generated quality report: its data (JSON) and files. Regenerating makes a new version; old
    versions are kept as they were (the archive)."""

    kind = models.CharField(_("kind"), max_length=10, choices=ReportKind.choices)
    period_key = models.CharField(_("period"), max_length=10, db_index=True)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    org_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("org unit (and below)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the whole organisation."),
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    title = models.CharField(_("title"), max_length=200)
    data = models.JSONField(_("data"), default=dict)
    pdf = models.FileField(_("PDF"), upload_to=_upload_to, blank=True)
    xlsx = models.FileField(_("Excel workbook"), upload_to=_upload_to, blank=True)
    scheduled = models.BooleanField(_("scheduled"), default=False)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    AUDIT_EXCLUDE = ("created_at", "updated_at", "created_by", "updated_by", "data")

    class Meta:
        verbose_name = _("quality report")
        verbose_name_plural = _("quality reports")
        ordering = ["-period_start", "kind", "-version", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "period_key", "org_unit", "version"], name="uniq_report_version"
            ),
            models.UniqueConstraint(
                fields=["kind", "period_key", "version"],
                condition=models.Q(org_unit__isnull=True),
                name="uniq_report_version_org",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class Subscription(BusinessRecord):
    """A person who receives the scheduled reports (of a unit's subtree, or the whole organisation) by
    e-mail and in-app notification."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("subscriber"),
        on_delete=models.CASCADE,
        related_name="report_subscriptions",
    )
    org_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("org unit (and below)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the whole organisation."),
    )
    monthly = models.BooleanField(_("monthly reports"), default=True)
    quarterly = models.BooleanField(_("quarterly reports"), default=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("report subscription")
        verbose_name_plural = _("report subscriptions")
        ordering = ["user__username", "id"]

    def __str__(self) -> str:
        return f"{self.user} · {self.org_unit or _('whole organisation')}"


class Publication(BusinessRecord):
    """A period published on the public transparency page. ``data`` is frozen when it is published:
    later changes to tickets, ratings or responses do not alter what the public sees."""

    kind = models.CharField(_("kind"), max_length=10, choices=ReportKind.choices)
    period_key = models.CharField(_("period"), max_length=10)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    min_group_size = models.PositiveIntegerField(
        _("minimum group size"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(100000)],
        help_text=_("Units with fewer responses than this are not shown."),
    )
    published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    unpublished_at = models.DateTimeField(_("unpublished at"), null=True, blank=True)
    data = models.JSONField(_("frozen data"), default=dict)

    AUDIT_EXCLUDE = ("created_at", "updated_at", "created_by", "updated_by", "data")

    class Meta:
        verbose_name = _("transparency publication")
        verbose_name_plural = _("transparency publications")
        ordering = ["-period_start", "kind"]
        constraints = [models.UniqueConstraint(fields=["kind", "period_key"], name="uniq_publication_period")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period_key}"
