"""Personal-data protection records: the access log of unmasked views, data-subject requests, retention
periods and the marks of anonymised records."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AccessLog(models.Model):
    """Who was shown unmasked personal data of which records: one row per request and model."""

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    user_name = models.CharField(_("user name"), max_length=150, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True, db_index=True)
    path = models.CharField(_("page or endpoint"), max_length=255, blank=True)
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("record type"), on_delete=models.PROTECT, related_name="+"
    )
    # ",1,2,3," so that one id is found with a portable contains lookup (",2,")
    object_ids = models.TextField(_("record ids"), blank=True)
    customer_ids = models.TextField(_("customer ids"), blank=True)
    fields = models.CharField(_("fields"), max_length=255, blank=True)
    count = models.PositiveIntegerField(_("records"), default=0)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data access log")
        ordering = ["-at", "-id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_name} {self.content_type.model} ×{self.count}"


class RequestKind(models.TextChoices):
    EXPORT = "export", pgettext_lazy("privacy request", "Export")
    ERASE = "erase", pgettext_lazy("privacy request", "Erase")


class RequestStatus(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("privacy request", "Received")
    COMPLETED = "completed", pgettext_lazy("privacy request", "Completed")
    FAILED = "failed", pgettext_lazy("privacy request", "Failed")


class PrivacyRequest(models.Model):
    """A data subject's request to export or erase the personal data kept about them."""

    kind = models.CharField(_("kind"), max_length=10, choices=RequestKind.choices)
    customer = models.ForeignKey(
        "org.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="privacy_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.RECEIVED
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    summary = models.JSONField(_("result"), default=dict, blank=True)
    result_file = models.FileField(_("result file"), upload_to="privacy/%Y/%m/", blank=True, max_length=255)

    class Meta:
        verbose_name = _("data subject request")
        verbose_name_plural = _("data subject requests")
        ordering = ["-received_at", "-id"]
        default_permissions = ("add", "view")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.customer_id} {self.received_at:%Y-%m-%d}"


class RetentionRule(models.Model):
    """How long one register keeps personal data (days after its reference date) before anonymisation."""

    register = models.CharField(_("register"), max_length=60, unique=True)
    days = models.PositiveIntegerField(_("retention (days)"))
    active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("retention period")
        verbose_name_plural = _("retention periods")
        ordering = ["register"]

    def __str__(self) -> str:
        return f"{self.register}: {self.days}"


class Anonymised(models.Model):
    """Marks a record whose personal data was anonymised (erasure or retention), so purges skip it."""

    register = models.CharField(_("register"), max_length=60)
    object_id = models.BigIntegerField(_("record id"))
    at = models.DateTimeField(_("time"), default=timezone.now)
    reason = models.CharField(_("reason"), max_length=20)

    class Meta:
        verbose_name = _("anonymised record")
        verbose_name_plural = _("anonymised records")
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["register", "object_id"], name="privacy_anon_uniq")]

    def __str__(self) -> str:
        return f"{self.register} #{self.object_id}"
