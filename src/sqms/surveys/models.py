"""Satisfaction surveys: the questionnaire builder (survey → sections → questions, with a dimension
taxonomy), frozen versions, campaigns, one-time tokens, responses and their cleaning flags.

Design notes
------------
* The builder rows (:class:`Section`, :class:`Question`) are the editable draft. Publishing freezes the
  draft into a :class:`SurveyVersion` whose ``definition`` JSON holds the exact wording; campaigns and
  responses point at a version, so an answer always stays tied to the text the respondent saw. Once a
  version has responses, publishing again makes a new version (see ``services.publish_survey``).
* A response stores its answers twice: ``answers`` (JSON on :class:`Response`, every answer as given,
  including texts and multiple choices) and the numeric items of its version packed into a compact blob
  in the order of ``SurveyVersion.items``, in a table of its own (:class:`ResponseValues`, one narrow row
  per response) so that building the respondents × items matrix for analysis reads only those bytes —
  no JSON, no wide rows. The blob is one format byte then the values: int8 codes (-128 = missing) when
  every answer is a small integer (Likert, NPS, stars, coded choices: 31 bytes for 30 items), else
  float32 when that is exact, else float64 (NaN = missing); see ``domain.pack`` / ``domain.unpack``.
* :class:`SurveyDayRollup` keeps, per unit × day × campaign, the counts behind CSAT (top-2-box) and NPS of
  the included responses, for dashboard tiles; submissions add to it, cleaning, imports and analysts'
  decisions recompute the cells they touch, and ``services.rebuild_rollup`` rebuilds it from the
  responses.
* Nothing is deleted: cleaning writes ``flags`` (rule + reason) and ``included``; an analyst's manual
  decision (``override``) wins over the rules and survives re-cleaning.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sqms.core.models import BusinessRecord
from sqms.org.models import Customer, OrgUnit

code_validator = RegexValidator(
    r"^[A-Za-z0-9_.\-]+$", _("Use letters, digits, dot, dash and underscore only.")
)


class QuestionType(models.TextChoices):
    LIKERT = "likert", _("Likert scale")
    NPS = "nps", _("NPS 0-10")
    STARS = "stars", _("Star rating")
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    NUMBER = "number", pgettext_lazy("question type", "Number")
    SHORT_TEXT = "short_text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")
    MATRIX = "matrix", _("Matrix (rows × Likert)")


class ServqualPart(models.TextChoices):
    NONE = "", _("Not a SERVQUAL pair")
    EXPECTATION = "E", _("Expectation")
    PERCEPTION = "P", _("Perception")


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", pgettext_lazy("survey status", "Retired")


class Survey(BusinessRecord):
    """A questionnaire. ``owner_unit`` empty means organisation-wide (the quality team's surveys)."""

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("English title"), max_length=200, blank=True)
    intro = models.TextField(_("introduction"), blank=True)
    intro_en = models.TextField(_("English introduction"), blank=True)
    owner_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("owner unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="surveys",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT
    )
    template = models.CharField(_("template"), max_length=40, blank=True)
    cleaning = models.JSONField(
        _("cleaning rules"),
        default=dict,
        blank=True,
        help_text=_("Overrides of the default cleaning thresholds (JSON)."),
    )

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Dimension(models.Model):
    """One dimension of a survey's taxonomy (SERVQUAL's five are created with every new survey)."""

    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="dimensions"
    )
    code = models.CharField(_("code"), max_length=40, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("dimension")
        verbose_name_plural = _("dimensions")
        ordering = ["survey", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["survey", "code"], name="uniq_survey_dimension")]

    def __str__(self) -> str:
        return self.name


class Section(models.Model):
    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="sections"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=200, blank=True)
    title_en = models.CharField(_("English title"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["survey", "order", "id"]

    def __str__(self) -> str:
        return self.title or f"#{self.order}"


class Question(models.Model):
    """One question of the draft. ``options``: ``[{"value": 1, "label": "…", "label_en": "…"}]`` for
    choices (Likert labels too); ``rows``: ``[{"code": "r1", "text": "…", "text_en": "…"}]`` for a
    matrix; ``show_if``: ``{"question": "Q1", "in": [1, 2]}`` shows the question only when an earlier
    answer is one of the values."""

    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="questions"
    )
    section = models.ForeignKey(
        Section,
        verbose_name=_("section"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="questions",
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    code = models.CharField(_("code"), max_length=40, validators=[code_validator])
    type = models.CharField(
        _("type"), max_length=12, choices=QuestionType.choices, default=QuestionType.LIKERT
    )
    text = models.CharField(pgettext_lazy("question", "text"), max_length=500)
    text_en = models.CharField(_("English text"), max_length=500, blank=True)
    help = models.CharField(_("help text"), max_length=300, blank=True)
    required = models.BooleanField(pgettext_lazy("question", "required"), default=True)
    scale_points = models.PositiveSmallIntegerField(
        _("scale points"), default=5, validators=[MinValueValidator(2), MaxValueValidator(11)]
    )
    options = models.JSONField(_("options"), default=list, blank=True)
    rows = models.JSONField(_("matrix rows"), default=list, blank=True)
    min_value = models.FloatField(_("minimum"), null=True, blank=True)
    max_value = models.FloatField(_("maximum"), null=True, blank=True)
    dimension = models.ForeignKey(
        Dimension,
        verbose_name=_("dimension"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="questions",
    )
    reverse_scored = models.BooleanField(_("reverse-scored"), default=False)
    servqual_part = models.CharField(
        _("SERVQUAL part"), max_length=1, choices=ServqualPart.choices, blank=True, default=""
    )
    pair_key = models.CharField(
        _("SERVQUAL pair key"),
        max_length=40,
        blank=True,
        help_text=_("The same key on an expectation and a perception item pairs them."),
    )
    show_if = models.JSONField(_("show only if"), default=dict, blank=True)
    randomize_options = models.BooleanField(_("randomise option order"), default=False)
    attention_check = models.BooleanField(_("attention check"), default=False)
    attention_answer = models.CharField(
        _("expected answer of the attention check"), max_length=40, blank=True
    )

    class Meta:
        verbose_name = pgettext_lazy("survey", "question")
        verbose_name_plural = _("questions")
        ordering = ["survey", "section__order", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["survey", "code"], name="uniq_survey_question")]

    def __str__(self) -> str:
        return f"{self.code} {self.text[:60]}"


class SurveyVersion(models.Model):
    """A frozen copy of the questionnaire (exact wording, options, dimensions, numeric item order)."""

    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    definition = models.JSONField(_("definition"))
    items = models.JSONField(_("numeric items"), default=list)
    checksum = models.CharField(_("checksum"), max_length=64)
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("survey version")
        verbose_name_plural = _("survey versions")
        ordering = ["survey", "-number"]
        constraints = [models.UniqueConstraint(fields=["survey", "number"], name="uniq_survey_version")]

    def __str__(self) -> str:
        return f"{self.survey.code} v{self.number}"


class Channel(models.TextChoices):
    WEB = "web", _("Web link")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    WECHAT = "wechat", _("WeChat")
    ONSITE = "onsite", _("On site (QR code)")
    PHONE = "phone", _("Phone interview")
    IMPORT = "import", _("Imported")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", pgettext_lazy("campaign status", "Open")
    CLOSED = "closed", _("Closed")


def new_slug() -> str:
    return secrets.token_urlsafe(6).replace("-", "x").replace("_", "y")


class Campaign(BusinessRecord):
    """A survey version put in the field: for an org unit subtree, a channel and a period."""

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.PROTECT, related_name="campaigns"
    )
    version = models.ForeignKey(
        SurveyVersion, verbose_name=_("version"), on_delete=models.PROTECT, related_name="campaigns"
    )
    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("org unit"),
        on_delete=models.PROTECT,
        related_name="survey_campaigns",
        help_text=_("The campaign covers this unit's subtree."),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.WEB)
    starts_at = models.DateTimeField(_("starts at"), default=timezone.now)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.OPEN
    )
    slug = models.SlugField(_("public link"), max_length=40, unique=True, default=new_slug)
    public = models.BooleanField(_("anyone with the link may answer"), default=True)
    target = models.PositiveIntegerField(_("target responses"), default=0)
    sampling_rate = models.FloatField(
        _("invitation sampling rate"),
        default=1.0,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
    )
    quarantine_days = models.PositiveIntegerField(_("quarantine (days)"), default=90)
    token_days = models.PositiveIntegerField(_("token validity (days)"), default=30)
    push_secret = models.CharField(
        _("push secret"),
        max_length=128,
        blank=True,
        help_text=_(
            "Shared secret of the data push from an external survey tool; empty = push disabled. "
            "See the user guide for the signature."
        ),
    )
    push_signature = models.CharField(
        _("push signature"),
        max_length=12,
        choices=[
            ("hmac-sha256", _("HMAC-SHA256 of timestamp and body (header X-SQMS-Signature)")),
            ("sha1-fields", _("SHA-1 of the listed fields and the secret (field sign)")),
        ],
        default="hmac-sha256",
    )
    push_sign_fields = models.JSONField(
        _("signed fields"),
        default=list,
        blank=True,
        help_text=_(
            'For SHA-1 signatures: the payload fields concatenated before the secret, e.g. ["id", "submitted_at"].'
        ),
    )

    class Meta:
        verbose_name = _("survey campaign")
        verbose_name_plural = _("survey campaigns")
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return self.name

    def is_open(self, now: object = None) -> bool:
        now = now or timezone.now()
        return (
            self.status == CampaignStatus.OPEN
            and self.archived_at is None
            and self.starts_at <= now  # type: ignore[operator]
            and (self.ends_at is None or now < self.ends_at)
        )  # type: ignore[operator]


class Token(models.Model):
    """A one-time respondent token (invitation). ``partial`` keeps unfinished answers (save and resume)."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="tokens"
    )
    key = models.CharField(_("token"), max_length=40, unique=True)
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_tokens",
    )
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_type = models.CharField(_("source type"), max_length=30, blank=True)
    source_id = models.CharField(_("source id"), max_length=60, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    partial = models.JSONField(_("saved answers"), default=dict, blank=True)

    class Meta:
        verbose_name = _("survey token")
        verbose_name_plural = _("survey tokens")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "created_at"], name="surveys_token_cust_idx")]

    def __str__(self) -> str:
        return self.key[:8] + "…"


class ResponseSource(models.TextChoices):
    WEB = "web", _("Answered online")
    IMPORT = "import", _("Imported")
    API = "api", _("API")
    PUSH = "push", _("Pushed by a survey tool")
    DEMO = "demo", _("Demo data")


class Override(models.TextChoices):
    NONE = "", _("Automatic")
    INCLUDE = "include", _("Include")
    EXCLUDE = "exclude", _("Exclude")


class Response(models.Model):
    """One submitted questionnaire; its packed numeric items are in :class:`ResponseValues`."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="responses"
    )
    version = models.ForeignKey(
        SurveyVersion, verbose_name=_("version"), on_delete=models.PROTECT, related_name="responses"
    )
    token = models.OneToOneField(
        Token,
        verbose_name=_("token"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="response",
    )
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.WEB)
    source = models.CharField(
        _("source"), max_length=10, choices=ResponseSource.choices, default=ResponseSource.WEB
    )
    external_id = models.CharField(_("external id"), max_length=60, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now, db_index=True)
    duration_s = models.FloatField(_("duration (s)"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    device = models.CharField(_("device"), max_length=64, blank=True)
    answers = models.JSONField(_("answers"), default=dict)
    flags = models.JSONField(_("cleaning flags"), default=list, blank=True)
    override = models.CharField(
        _("analyst decision"), max_length=8, choices=Override.choices, blank=True, default=""
    )
    override_reason = models.CharField(_("reason for the decision"), max_length=300, blank=True)
    included = models.BooleanField(_("included in analysis"), default=True)
    cleaned_at = models.DateTimeField(_("cleaned at"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["campaign", "submitted_at"], name="surveys_resp_camp_idx"),
            # covers the analysis filter (campaign, version, included) without reading the wide rows
            models.Index(fields=["campaign", "version", "included"], name="surveys_resp_matrix_idx"),
            # the public page's per-address limit counts recent responses from an IP
            models.Index(fields=["campaign", "ip", "submitted_at"], name="surveys_resp_ip_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "external_id"],
                condition=~models.Q(external_id=""),
                name="uniq_response_external_id",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.campaign}"


class RowidOneToOneField(models.OneToOneField):  # type: ignore[type-arg]
    """A one-to-one primary key declared ``integer`` on SQLite, so that it is the table's rowid (a
    ``bigint`` primary key would get a separate index, and every read would go through it)."""

    def db_type(self, connection: Any) -> str | None:
        if connection.vendor == "sqlite":
            return "integer"
        return super().db_type(connection)

    def rel_db_type(self, connection: Any) -> str | None:
        if connection.vendor == "sqlite":
            return "integer"
        return super().rel_db_type(connection)


class ResponseValues(models.Model):
    """The numeric items of one response packed by ``domain.pack`` (see the module docstring); the
    primary key is the response's id (the SQLite rowid), so reading them in id order is one scan."""

    response = RowidOneToOneField(
        Response,
        verbose_name=_("survey response"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="numeric",
    )
    data = models.BinaryField(_("numeric values"))

    class Meta:
        verbose_name = _("numeric values")
        verbose_name_plural = _("numeric values")

    def __str__(self) -> str:
        return f"#{self.pk}"


class SurveyDayRollup(models.Model):
    """Counts of the included responses of one campaign in one unit on one (local) day: responses, CSAT
    answers (overall Likert items without a dimension) and their top-2-box, NPS answers, promoters
    (9-10) and detractors (0-6)."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="+"
    )
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    responses = models.PositiveIntegerField(_("responses"), default=0)
    csat_n = models.PositiveIntegerField(_("CSAT answers"), default=0)
    csat_top = models.PositiveIntegerField(_("CSAT top-2-box"), default=0)
    nps_n = models.PositiveIntegerField(_("NPS answers"), default=0)
    nps_promoters = models.PositiveIntegerField(_("promoters"), default=0)
    nps_detractors = models.PositiveIntegerField(_("detractors"), default=0)

    class Meta:
        verbose_name = _("daily survey rollup")
        verbose_name_plural = _("daily survey rollups")
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "day", "campaign"], name="uniq_survey_day_rollup")
        ]
        indexes = [models.Index(fields=["day"], name="surveys_rollup_day_idx")]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.org_unit_id} {self.day}"
