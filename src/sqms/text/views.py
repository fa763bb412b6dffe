"""Back-office pages: text analytics (word-frequency chart, keywords, topics, emerging terms, sentiment by unit
and period) and the complaint classifier (train button, hold-out metrics per version, try a text, recent
suggestions on new complaints)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sqms.core.errors import DomainError
from sqms.text import domain, selectors, services
from sqms.text.models import Polarity, Source, Task

REPORT_TTL = 300.0  # seconds a computed report is reused while the analysed texts have not changed
_reports: dict[tuple[Any, ...], tuple[float, dict[str, Any]]] = {}


def _report(user: Any, f: selectors.Filters, method: str, query: str) -> dict[str, Any]:
    """The page's figures, reused (per process) for the same user, filters and day while no text was
    analysed again and the dictionary did not change, for at most :data:`REPORT_TTL` seconds."""
    import time

    from django.db.models import Count, Max
    from django.utils import timezone

    from sqms.text import segment
    from sqms.text.models import TextRecord

    data = TextRecord.objects.aggregate(n=Count("id"), last=Max("id"), at=Max("analysed_at"))
    seg = segment.current()
    key = (user.pk, query, method, timezone.localdate(), data["n"], data["last"], data["at"], seg.signature)
    now = time.monotonic()
    hit = _reports.get(key)
    if hit is not None and now - hit[0] < REPORT_TTL:
        return hit[1]
    report = {
        "sentiment": selectors.sentiment_summary(user, f),
        "words": selectors.word_frequency(user, f, top=30),
        "keywords": selectors.keywords(user, f, top=20, method=method),
        "topics": selectors.topics(user, f, n_topics=5),
        "emerging": selectors.emerging(user, f),
    }
    for old in [k for k, (at, _r) in _reports.items() if now - at >= REPORT_TTL or k[0] == user.pk]:
        del _reports[old]
    if len(_reports) > 200:
        _reports.clear()
    _reports[key] = (now, report)
    return report


def _units(user: Any) -> Any:
    from sqms.org.selectors import units

    return units(user).filter(depth__lte=3).order_by("path")


@staff_member_required
def analytics_view(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("text.view_textrecord"):
        raise PermissionDenied
    error = ""
    report: dict[str, Any] = {}
    try:
        f = selectors.Filters.parse(request.GET)
        method = request.GET.get("method") or "tfidf"
        report = _report(request.user, f, method, request.GET.urlencode())
    except DomainError as exc:
        f = selectors.Filters()
        method = "tfidf"
        error = exc.message
        fields = getattr(exc, "fields", None) or {}
        if fields:
            error = "; ".join(f"{k}: {' '.join(str(x) for x in v)}" for k, v in fields.items())
    chart = {
        "labels": [w["word"] for w in report.get("words", [])],
        "values": [w["count"] for w in report.get("words", [])],
    }
    context = {
        **admin.site.each_context(request),
        "title": _("Text analytics"),
        "filters": f,
        "method": method,
        "report": report,
        "error": error,
        "chart": chart,
        "units": _units(request.user),
        "sources": Source.choices,
    }
    return render(request, "text/analytics.html", context)


def _recent_suggestions(user: Any, limit: int = 15) -> list[dict[str, Any]]:
    from sqms.feedback import selectors as feedback_selectors
    from sqms.feedback.models import ServiceCategory, TicketEvent

    tickets = feedback_selectors.tickets(user).filter(kind__in=services.TRAIN_KINDS)
    events = (
        TicketEvent.objects.filter(kind="created", ticket__in=tickets, data__classifier__isnull=False)
        .exclude(data__classifier=None)
        .select_related("ticket", "ticket__category")
        .order_by("-at", "-id")[:limit]
    )
    rows = []
    cats = {c.pk: c for c in ServiceCategory.objects.all()}
    for e in events:
        data = e.data.get("classifier") or {}
        cat = cats.get(data.get("category"))
        if cat is None:
            continue
        rows.append(
            {
                "ticket": e.ticket,
                "category": cat,
                "confidence": float(data.get("confidence") or 0),
                "applied": str(e.data.get("suggested_by", "")).startswith("classifier")
                and e.ticket.category_id == cat.pk,
            }
        )
    return rows


@staff_member_required
@require_http_methods(["GET", "POST"])
def classifier_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.has_perm("text.view_trainedmodel"):
        raise PermissionDenied
    trial: dict[str, Any] | None = None
    trial_text = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "train":
                m = services.train_classifier(actor=user)
                messages.success(
                    request,
                    _("Classifier v%(v)s trained: hold-out accuracy %(a).1f%%.")
                    % {"v": m.version, "a": m.accuracy * 100},
                )
            elif action == "train_sentiment":
                m = services.train_sentiment(actor=user)
                messages.success(
                    request,
                    _("Sentiment model v%(v)s trained: %(a).1f%% (lexicon %(l).1f%%).")
                    % {"v": m.version, "a": m.accuracy * 100, "l": m.metrics["lexicon_accuracy"] * 100},
                )
            elif action == "analyse":
                if not user.has_perm("text.add_textrecord"):
                    raise PermissionDenied
                done = services.analyse_texts(full=True)
                messages.success(request, _("%(n)s texts analysed.") % {"n": sum(done.values())})
            elif action == "try":
                trial_text = request.POST.get("text", "").strip()
                if not trial_text:
                    messages.error(request, _("Enter a text."))
                else:
                    s = services.suggest(trial_text)
                    score, _method = services.sentiment_scores([trial_text])
                    trial = {
                        "suggestion": s,
                        "tokens": " / ".join(services.segment.current().cut(trial_text)),
                        "sentiment": score[0],
                        "polarity": Polarity(domain.polarity(score[0])).label,
                    }
            if action != "try":
                return HttpResponseRedirect(reverse("text:classifier"))
        except DomainError as exc:
            messages.error(request, exc.message)
            if action != "try":
                return HttpResponseRedirect(reverse("text:classifier"))
    current = services.active_model(Task.CATEGORY)
    if current is not None:
        current = selectors.models().get(pk=current.pk)
    sentiment_model = services.active_model(Task.SENTIMENT)
    context = {
        **admin.site.each_context(request),
        "title": _("Complaint classifier"),
        "current": current,
        "sentiment_model": sentiment_model,
        "history": selectors.models(Task.CATEGORY).order_by("-version")[:10],
        "settings": services.get_settings(),
        "threshold": services.threshold(),
        "can_train": user.has_perm("text.add_trainedmodel"),
        "can_analyse": user.has_perm("text.add_textrecord"),
        "recent": _recent_suggestions(user),
        "trial": trial,
        "trial_text": trial_text,
    }
    return render(request, "text/classifier.html", context)
