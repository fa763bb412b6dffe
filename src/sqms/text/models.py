"""Chinese text analytics: the organisation's domain dictionary and stop words, trained models (complaint
classifier, sentiment) stored with their hold-out metrics, and one analysed row per feedback / survey text (sentiment score, unit, date) that the keyword,
topic and word-frequency views read."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sqms.core.models import BusinessRecord


class Term(BusinessRecord):
    """A word of the organisation's domain dictionary, added to the jieba tokenizer (not the global one)."""

    word = models.CharField(_("word"), max_length=40, unique=True)
    weight = models.PositiveIntegerField(
        _("weight"),
        default=2000,
        validators=[MinValueValidator(1), MaxValueValidator(10_000_000)],
        help_text=_("Word frequency given to the segmenter; higher keeps the word together more often."),
    )
    pos = models.CharField(
        _("part of speech"),
        max_length=8,
        blank=True,
        default="n",
        help_text=_("jieba tag such as n (noun), v (verb), a (adjective), nz (other proper noun)."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("dictionary term")
        verbose_name_plural = _("domain dictionary")
        ordering = ["word"]

    def __str__(self) -> str:
        return self.word


class StopWord(BusinessRecord):
    """A stop word added by the organisation on top of the shipped list (text/data/stopwords_zh.txt)."""

    word = models.CharField(_("word"), max_length=40, unique=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("stop word")
        verbose_name_plural = _("stop words")
        ordering = ["word"]

    def __str__(self) -> str:
        return self.word


class Features(models.TextChoices):
    WORDS = "words", _("Words (jieba)")
    WORDS_CHARS = "words_chars", _("Words and character n-grams")


class Algorithm(models.TextChoices):
    LOGREG = "logreg", _("Logistic regression")
    SVM = "svm", _("Linear SVM (calibrated probabilities)")


class TextSettings(BusinessRecord):
    """The one settings row of text analytics (row id 1), edited by the quality team."""

    features = models.CharField(
        _("features"), max_length=16, choices=Features.choices, default=Features.WORDS
    )
    algorithm = models.CharField(
        _("algorithm"), max_length=8, choices=Algorithm.choices, default=Algorithm.LOGREG
    )
    test_size = models.FloatField(
        _("hold-out share"),
        default=0.25,
        validators=[MinValueValidator(0.1), MaxValueValidator(0.5)],
    )
    min_per_class = models.PositiveIntegerField(
        _("minimum examples per category"), default=8, validators=[MinValueValidator(4)]
    )
    seed = models.PositiveIntegerField(_("random seed"), default=42)

    class Meta:
        verbose_name = _("text analytics settings")
        verbose_name_plural = _("text analytics settings")

    def __str__(self) -> str:
        return str(_("Text analytics settings"))


class Task(models.TextChoices):
    CATEGORY = "category", _("Complaint category")
    SENTIMENT = "sentiment", _("Sentiment")


class TrainedModel(models.Model):
    """One trained model version with its hold-out metrics; the newest ``active`` one per task is used.

    ``metrics``: ``{"accuracy", "labels": [{"value", "name", "precision", "recall", "f1", "support"}],
    "macro_f1", "test_ids", "skipped": [{"value", "name", "n"}], "baseline_accuracy"?}``.
    ``blob`` is the joblib-pickled scikit-learn pipeline."""

    task = models.CharField(_("task"), max_length=12, choices=Task.choices, db_index=True)
    version = models.PositiveIntegerField(_("version"))
    trained_at = models.DateTimeField(_("trained at"), default=timezone.now)
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("trained by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    n_examples = models.PositiveIntegerField(_("examples"))
    n_train = models.PositiveIntegerField(_("training examples"))
    n_test = models.PositiveIntegerField(_("hold-out examples"))
    accuracy = models.FloatField(_("hold-out accuracy"))
    method = models.CharField(_("method"), max_length=40)
    params = models.JSONField(_("parameters"), default=dict)
    metrics = models.JSONField(_("metrics"), default=dict)
    blob = models.BinaryField(_("model"), editable=False)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("trained model")
        verbose_name_plural = _("trained models")
        ordering = ["task", "-version"]
        constraints = [models.UniqueConstraint(fields=["task", "version"], name="uniq_text_model_version")]

    def __str__(self) -> str:
        return f"{self.get_task_display()} v{self.version}"


class Source(models.TextChoices):
    TICKET = "ticket", _("Feedback ticket")
    RATING = "rating", _("Rating reason")
    SURVEY = "survey", _("Survey comment")


class Polarity(models.TextChoices):
    POSITIVE = "positive", _("Positive")
    NEUTRAL = "neutral", _("Neutral")
    NEGATIVE = "negative", _("Negative")


class TextRecord(models.Model):
    """One analysed text (a ticket's title and description, a rating's reasons, a survey's comments)."""

    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    source_id = models.PositiveBigIntegerField(_("source id"))
    org_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("date"), db_index=True)
    kind = models.CharField(_("kind"), max_length=12, blank=True)
    text = models.TextField(_("text"))
    sentiment = models.FloatField(_("sentiment score"), help_text=_("From -1 (negative) to +1 (positive)."))
    polarity = models.CharField(_("sentiment"), max_length=8, choices=Polarity.choices)
    method = models.CharField(_("method"), max_length=40)
    analysed_at = models.DateTimeField(_("analysed at"), default=timezone.now)

    class Meta:
        verbose_name = _("analysed text")
        verbose_name_plural = _("analysed texts")
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "source_id"], name="uniq_text_record_source")
        ]
        indexes = [models.Index(fields=["org_unit", "at"], name="text_record_unit_at")]

    def __str__(self) -> str:
        return f"{self.get_source_display()} #{self.source_id}"
