"""Back-office pages: the document page (versions, lifecycle buttons, e-signatures, diff, acknowledgement
completion), the PDF record, "my reading and training" and the training matrix."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods

from sqms.core.errors import DomainError, Forbidden, NotFound
from sqms.documents import domain, selectors, services
from sqms.documents.models import DocumentVersion, SignatureMeaning


def _parse_date(text: str, field: str) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        from sqms.core.errors import ValidationFailed

        raise ValidationFailed(fields={field: [_("Enter a date as YYYY-MM-DD.")]}) from None


def _get(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except NotFound:
        raise Http404 from None


def _version_of(request: HttpRequest, doc: Any, pk: str) -> DocumentVersion:
    v = _get(selectors.version, request.user, int(pk or 0))
    if v.document_id != doc.pk:
        raise Http404
    return v


@staff_member_required
@require_http_methods(["GET", "POST"])
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    doc = _get(selectors.document, user, pk)
    error = None
    error_fields: dict[str, list[str]] = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            done = _do(request, doc, action)
            messages.success(request, done)
            return HttpResponseRedirect(reverse("documents:detail", args=[doc.pk]))
        except Forbidden as exc:
            raise PermissionDenied(exc.message) from exc
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            error, error_fields = exc.message, exc.fields
        doc = _get(selectors.document, user, pk)
    manage = selectors.can_manage(user, doc)
    versions = list(doc.versions.active().prefetch_related("signatures")) if manage else [doc.current_version]
    versions = [v for v in versions if v is not None]
    texts = [v for v in versions if v.text.strip()]
    staff_ack = None
    if doc.current_version_id:
        from sqms.documents.models import Acknowledgement

        staff_ack = Acknowledgement.objects.filter(
            version_id=doc.current_version_id, staff__user=user
        ).first()
    reader = doc.pk in set(selectors.readable_documents(user).values_list("pk", flat=True))
    context = {
        **admin.site.each_context(request),
        "title": str(doc),
        "doc": doc,
        "versions": versions,
        "text_versions": texts,
        "manage": manage,
        "live": next((v for v in versions if v.status in domain.LIVE), None),
        "can_add": manage and user.has_perm("documents.add_documentversion"),
        "can_change": manage and user.has_perm("documents.change_documentversion"),
        "can_review": manage and user.has_perm("documents.review_documentversion"),
        "can_approve": manage and user.has_perm("documents.approve_documentversion"),
        "meanings": SignatureMeaning.choices,
        "completion": selectors.acknowledgement_completion(user, doc) if manage else None,
        "reader": reader,
        "acknowledged": staff_ack,
        "error": error,
        "error_fields": error_fields,
        "posted": request.POST if request.method == "POST" else {},
    }
    return render(request, "documents/detail.html", context, status=422 if error else 200)


def _do(request: HttpRequest, doc: Any, action: str) -> str:
    user, post = request.user, request.POST
    if action == "new_version":
        services.add_version(
            actor=user,
            document=doc,
            text=post.get("text", ""),
            file=request.FILES.get("file"),
            major=post.get("kind") == "major",
            change_summary=post.get("change_summary", ""),
            effective_date=_parse_date(post.get("effective_date", ""), "effective_date"),
        )
        return _("Draft version created.")
    if action == "acknowledge":
        if doc.current_version is None:
            raise Http404
        services.acknowledge(actor=user, version=doc.current_version)
        return _("Thank you: your read-and-understood is recorded.")
    version = _version_of(request, doc, post.get("version", ""))
    if action == "edit":
        services.edit_draft(
            actor=user,
            version=version,
            changes={
                "text": post.get("text", ""),
                "change_summary": post.get("change_summary", ""),
                "effective_date": _parse_date(post.get("effective_date", ""), "effective_date"),
            },
        )
        return _("Draft saved.")
    if action == "submit":
        services.submit_for_review(actor=user, version=version)
        return _("Submitted for review.")
    if action == "return":
        services.return_to_draft(actor=user, version=version, reason=post.get("reason", ""))
        return _("Returned to draft.")
    if action == "sign":
        sig = services.sign(
            actor=user,
            version=version,
            password=post.get("password", ""),
            meaning=post.get("meaning", ""),
            comment=post.get("comment", ""),
            effective_date=_parse_date(post.get("effective_date", ""), "effective_date"),
        )
        return _("Signed as %(meaning)s.") % {"meaning": sig.get_meaning_display()}
    if action == "effective":
        if not user.has_perm("documents.approve_documentversion"):
            raise Forbidden()
        if not services.make_effective(version_id=version.pk, actor=user):
            from sqms.core.errors import ValidationFailed

            raise ValidationFailed(
                _("Only an approved version whose effective date has come can become effective."),
                fields={"status": [_("Not due yet.")]},
            )
        return _("The version is effective.")
    if action == "obsolete":
        services.make_obsolete(actor=user, version=version, reason=post.get("reason", ""))
        return _("The version is obsolete.")
    from sqms.core.errors import ValidationFailed

    raise ValidationFailed(fields={"action": [_("Unknown action.")]})


@staff_member_required
def document_diff(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _get(selectors.document, request.user, pk)
    if not selectors.can_manage(request.user, doc):
        raise Http404
    a = _version_of(request, doc, request.GET.get("a", ""))
    b = _version_of(request, doc, request.GET.get("b", ""))
    context = {
        **admin.site.each_context(request),
        "title": _("Changes %(a)s → %(b)s") % {"a": a, "b": b.label},
        "doc": doc,
        "a": a,
        "b": b,
        "rows": domain.side_by_side(a.text, b.text),
        "unified": domain.unified(a.text, b.text, f"v{a.label}", f"v{b.label}"),
    }
    return render(request, "documents/diff.html", context)


@staff_member_required
def version_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from sqms.documents.pdf import version_record

    v = _get(selectors.version, request.user, pk)
    resp = HttpResponse(version_record(v), content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="{v.document.number}-v{v.label}.pdf"'
    return resp


@staff_member_required
def version_file(request: HttpRequest, pk: int) -> HttpResponse:
    v = _get(selectors.version, request.user, pk)
    if not v.file:
        raise Http404
    return FileResponse(v.file.open("rb"), as_attachment=True, filename=v.file.name.rsplit("/", 1)[-1])


@staff_member_required
def mine(request: HttpRequest) -> HttpResponse:
    context = {
        **admin.site.each_context(request),
        "title": _("My reading and training"),
        "reading": selectors.my_reading(request.user),
        "training": selectors.my_training(request.user).order_by("completed_at", "due_date"),
        "today": timezone.localdate(),
    }
    return render(request, "documents/mine.html", context)


@staff_member_required
def matrix(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("documents.view_trainingassignment"):
        raise PermissionDenied
    m = selectors.training_matrix(request.user, unit_path=request.GET.get("unit", ""))
    if request.GET.get("export") == "xlsx":
        from sqms.core.io import export_table

        labels = {
            domain.DONE: _("done"),
            domain.DUE: pgettext("assignment status", "due"),
            domain.OVERDUE: _("overdue"),
            domain.EXPIRED: _("expired"),
            domain.NOT_REQUIRED: "",
        }
        headers = [_("employee number"), _("name"), *[c.code for c in m.courses]]
        rows = [[s.employee_no, s.name, *[labels[c["status"]] for c in cells]] for s, cells in m.rows]
        data, ctype = export_table(headers, rows, "xlsx")
        resp = HttpResponse(data, content_type=ctype)
        resp["Content-Disposition"] = 'attachment; filename="training-matrix.xlsx"'
        return resp
    context = {**admin.site.each_context(request), "title": _("Training matrix"), "matrix": m}
    return render(request, "documents/matrix.html", context)
