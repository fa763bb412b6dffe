"""Writes of the audits app: keyword-only, atomic, permission- and scope-checked, audited."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.audits import domain, selectors
from sqms.audits.models import (
    AuditPlan,
    AuditQuestion,
    AuditStatus,
    Certificate,
    ChecklistItem,
    ChecklistResult,
    ChecklistTemplate,
    Clause,
    Finding,
    FindingKind,
    Inspection,
    InspectionKind,
    InspectionPhoto,
    InspectionPlan,
    InspectionResult,
    InspectionStatus,
    Outcome,
    Resource,
    ResourceStatus,
    SampleKind,
    Scoring,
    SpotCheckDraw,
)
from sqms.core import audit, dataversion
from sqms.core.errors import NotFound, ValidationFailed
from sqms.core.models import AuditAction
from sqms.core.services import clean_or_raise, notify, require_in_scope, require_perm

MAX_PHOTO_BYTES = 10 * 1024 * 1024


def _number(prefix: str) -> str:
    return f"{prefix}{timezone.localdate():%Y%m%d}-{secrets.token_hex(3).upper()}"


def _stamp(obj: Any, actor: Any, *, new: bool = False) -> None:
    if getattr(actor, "pk", None):
        obj.updated_by = actor
        if new:
            obj.created_by = actor


# --- checklist templates -------------------------------------------------------------------------------


ITEM_FIELDS = ("text", "guidance", "scoring", "max_points", "weight", "critical", "allow_na")


def _clean_items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not items:
        raise ValidationFailed(
            _("A checklist needs at least one item."), fields={"items": [_("Add at least one item.")]}
        )
    cleaned = []
    for i, raw in enumerate(items):
        data = {k: raw[k] for k in ITEM_FIELDS if k in raw and raw[k] is not None}
        data.setdefault("scoring", Scoring.PASS_FAIL)
        if data["scoring"] not in Scoring.values:
            raise ValidationFailed(fields={f"items.{i}.scoring": [_("Use pass_fail or points.")]})
        if not str(data.get("text", "")).strip():
            raise ValidationFailed(fields={f"items.{i}.text": [_("This field is required.")]})
        try:
            weight = Decimal(str(data.get("weight", 1)))
        except InvalidOperation:
            raise ValidationFailed(fields={f"items.{i}.weight": [_("Not a number.")]}) from None
        if weight < 0:
            raise ValidationFailed(fields={f"items.{i}.weight": [_("A weight cannot be negative.")]})
        data["weight"] = weight
        if data["scoring"] == Scoring.POINTS and int(data.get("max_points", 0)) < 1:
            raise ValidationFailed(
                fields={f"items.{i}.max_points": [_("Points items need a maximum of 1 or more.")]}
            )
        if data["scoring"] == Scoring.PASS_FAIL:
            data["max_points"] = 1
        data["order"] = int(raw.get("order") or (i + 1) * 10)
        cleaned.append(data)
    return cleaned


@transaction.atomic
def create_template(*, actor: Any, data: dict[str, Any], items: list[dict[str, Any]]) -> ChecklistTemplate:
    require_perm(actor, "audits.add_checklisttemplate")
    cleaned = _clean_items(items)
    version = (
        ChecklistTemplate.objects.filter(code=data.get("code", ""))
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
        or 0
    ) + 1
    template = ChecklistTemplate(**{**data, "version": version})
    _stamp(template, actor, new=True)
    clean_or_raise(template)
    template.save()
    for item in cleaned:
        ChecklistItem.objects.create(template=template, **item)
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=template,
        after=audit.snapshot(template),
        extra={"items": [i["text"] for i in cleaned]},
    )
    return template


@transaction.atomic
def new_template_version(
    *, actor: Any, template: ChecklistTemplate, items: list[dict[str, Any]] | None = None
) -> ChecklistTemplate:
    """A new version of a template (its items copied unless new ones are given); the old one is retired
    so new inspections use the new version while past inspections keep theirs."""
    require_perm(actor, "audits.add_checklisttemplate")
    if items is None:
        items = [{k: getattr(i, k) for k in (*ITEM_FIELDS, "order")} for i in template.items.all()]
    new = create_template(
        actor=actor,
        data={
            "code": template.code,
            "name": template.name,
            "kind": template.kind,
            "description": template.description,
            "pass_mark": template.pass_mark,
        },
        items=items,
    )
    ChecklistTemplate.objects.filter(code=template.code).exclude(pk=new.pk).update(active=False)
    return new


TEMPLATE_FIELDS = ("name", "kind", "description", "pass_mark")


def template_in_use(template: ChecklistTemplate) -> bool:
    """A template is in use once an inspection has been made with it: its items are then frozen, because
    the inspections' results point at them."""
    return Inspection.objects.filter(template=template).exists()


def _item_snapshot(items: Any) -> list[dict[str, Any]]:
    return [{k: str(getattr(i, k)) for k in ("order", *ITEM_FIELDS)} for i in items]


@transaction.atomic
def edit_template(
    *,
    actor: Any,
    template: ChecklistTemplate,
    data: dict[str, Any],
    items: list[dict[str, Any]],
    expected_updated_at: Any = None,
) -> ChecklistTemplate:
    """Edit a checklist template and its items. Once the template has been used by an inspection, the edit
    makes a new version (same code, version + 1, the older ones retired, running plans moved to it) and the
    used version stays exactly as it was, so every inspection keeps the items it scored. An unused
    template is changed in place (items matched by ``id``; items left out are removed). Audited."""
    require_perm(actor, "audits.change_checklisttemplate")
    data = {k: v for k, v in data.items() if k in TEMPLATE_FIELDS}
    locked = ChecklistTemplate.objects.select_for_update().get(pk=template.pk)
    if expected_updated_at is not None and locked.updated_at != expected_updated_at:
        from sqms.core.errors import Conflict

        raise Conflict()
    if not locked.active or locked.archived_at is not None:
        raise ValidationFailed(
            _("Only the current version of a checklist can be edited."),
            fields={"version": [_("This version is retired; edit the current one.")]},
        )
    cleaned = _clean_items(items)
    if template_in_use(locked):
        require_perm(actor, "audits.add_checklisttemplate")
        new = create_template(
            actor=actor,
            data={
                "code": locked.code,
                **{k: getattr(locked, k) for k in TEMPLATE_FIELDS},
                **data,
            },
            items=[{k: v for k, v in i.items() if k != "id"} for i in cleaned],
        )
        ChecklistTemplate.objects.filter(code=locked.code).exclude(pk=new.pk).update(active=False)
        audit.record(
            actor=actor,
            action=AuditAction.ACTION,
            instance=locked,
            verb=_("Edited as version %(version)s (this one is in use)") % {"version": new.version},
        )
        today = timezone.localdate()
        for plan in InspectionPlan.objects.filter(template__code=locked.code, end_date__gte=today).exclude(
            template=new
        ):
            before = audit.snapshot(plan)
            plan.template = new
            plan.save(update_fields=["template", "updated_at"])
            audit.record(
                actor=actor,
                action=AuditAction.UPDATE,
                instance=plan,
                before=before,
                after=audit.snapshot(plan),
                verb=_("Moved to checklist version %(version)s") % {"version": new.version},
            )
        return new
    before = audit.snapshot(locked)
    before_items = _item_snapshot(locked.items.all())
    for k, v in data.items():
        setattr(locked, k, v)
    _stamp(locked, actor)
    clean_or_raise(locked)
    locked.save()
    existing = {i.pk: i for i in locked.items.all()}
    keep: set[int] = set()
    for raw, item in zip(items, cleaned, strict=True):
        pk = raw.get("id")
        obj = existing.get(int(pk)) if pk else None
        if pk and obj is None:
            raise ValidationFailed(
                fields={"items": [_("Item %(id)s is not in this checklist.") % {"id": pk}]}
            )
        if obj is None:
            obj = ChecklistItem(template=locked)
        for k, v in item.items():
            setattr(obj, k, v)
        obj.save()
        keep.add(obj.pk)
    locked.items.exclude(pk__in=keep).delete()
    after_items = _item_snapshot(locked.items.all())
    after = audit.snapshot(locked)
    if audit.diff(before, after) or before_items != after_items:
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=locked,
            before={**before, "items": before_items},
            after={**after, "items": after_items},
        )
    return locked


# --- inspections -----------------------------------------------------------------------------------------


def _visible_inspection(actor: Any, inspection: Inspection) -> Inspection:
    if not selectors.inspections(actor).filter(pk=inspection.pk).exists():
        raise NotFound()
    return inspection


@transaction.atomic
def create_inspection(*, actor: Any, data: dict[str, Any]) -> Inspection:
    """Create an inspection (one result row per checklist item, unanswered)."""
    require_perm(actor, "audits.add_inspection")
    template = data.get("template")
    if template is None:
        raise ValidationFailed(fields={"template": [_("This field is required.")]})
    data = {**data}
    data.setdefault("kind", template.kind)
    if data["kind"] == InspectionKind.MYSTERY and not data.get("scenario"):
        data["scenario"] = (data.get("plan").scenario if data.get("plan") else "") or ""
    inspection = Inspection(number=_number("IN"), **data)
    _stamp(inspection, actor, new=True)
    clean_or_raise(inspection)
    require_in_scope(actor, inspection)
    inspection.save()
    InspectionResult.objects.bulk_create(
        [InspectionResult(inspection=inspection, item=item) for item in template.items.all()]
    )
    audit.record(
        actor=actor, action=AuditAction.CREATE, instance=inspection, after=audit.snapshot(inspection)
    )
    return inspection


def _parse_points(value: Any, item: ChecklistItem) -> Decimal:
    try:
        pts = Decimal(str(value))
    except (InvalidOperation, TypeError):
        raise ValidationFailed(fields={"points": [_("Not a number.")]}) from None
    if pts < 0 or pts > item.max_points:
        raise ValidationFailed(
            _("Points must be between 0 and %(max)s.") % {"max": item.max_points},
            fields={"points": [_("Between 0 and %(max)s.") % {"max": item.max_points}]},
        )
    return pts


@transaction.atomic
def record_result(
    *,
    actor: Any,
    inspection: Inspection,
    item_id: int,
    outcome: str,
    points: Any = None,
    note: str | None = None,
    resource: Resource | None = None,
    photos: list[Any] | None = None,
) -> InspectionResult:
    """Answer one item. Pass/fail items take "pass", "fail" or "na"; points items take a number of
    points (0–max) or "na". A failed item that references a resource marks the resource."""
    require_perm(actor, "audits.change_inspection")
    _visible_inspection(actor, inspection)
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if inspection.status in (InspectionStatus.COMPLETED, InspectionStatus.CANCELLED):
        raise ValidationFailed(
            _("This inspection is closed; its results cannot change."), fields={"status": [_("Closed.")]}
        )
    result = (
        InspectionResult.objects.select_related("item").filter(inspection=inspection, item_id=item_id).first()
    )
    if result is None:
        raise ValidationFailed(fields={"item": [_("Not an item of this inspection's checklist.")]})
    item = result.item
    before = audit.snapshot(result)
    if outcome == Outcome.NA:
        if not item.allow_na:
            raise ValidationFailed(
                _("“%(item)s” cannot be marked not applicable.") % {"item": item.text},
                fields={"outcome": [_("This item cannot be not applicable.")]},
            )
        result.points = None
    elif item.scoring == Scoring.POINTS:
        if points in (None, ""):
            raise ValidationFailed(fields={"points": [_("Give the points for this item.")]})
        result.points = _parse_points(points, item)
        outcome = Outcome.SCORED
    elif outcome not in (Outcome.PASS, Outcome.FAIL):
        raise ValidationFailed(fields={"outcome": [_("Choose pass, fail or not applicable.")]})
    else:
        result.points = None
    result.outcome = outcome
    if note is not None:
        result.note = note[:5000]
    if resource is not None:
        if not selectors.resources(actor).filter(pk=resource.pk).exists():
            raise ValidationFailed(fields={"resource": [_("Unknown resource.")]})
        result.resource = resource
    result.save()
    _save_photos(actor, result, photos or [])
    if inspection.status == InspectionStatus.PLANNED:
        inspection.status = InspectionStatus.IN_PROGRESS
        inspection.save(update_fields=["status", "updated_at"])
    after = audit.snapshot(result)
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=inspection,
        before={f"item {item.pk}": before.get("outcome")},
        after={f"item {item.pk}": after.get("outcome")},
        verb=_("Item answered: %(item)s") % {"item": item.text[:120]},
        extra={"points": after.get("points"), "note": result.note[:200], "photos": len(photos or [])},
    )
    if result.resource_id and domain.is_failed(_answer(result)):
        _mark_resource(actor, result.resource, inspection, item)
    dataversion.bump("audits")
    return result


MAX_PHOTOS_PER_ITEM = 10
PHOTO_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


def check_photo(f: Any) -> str:
    """Refuse anything but a JPEG, PNG or WebP image of at most 10 MB (the content is read, not the name or
    the declared type); returns the image format."""
    from PIL import Image, UnidentifiedImageError

    name = getattr(f, "name", "") or "?"
    size = getattr(f, "size", None)
    if size is None or size > MAX_PHOTO_BYTES:
        raise ValidationFailed(
            _("%(name)s is larger than 10 MB.") % {"name": name},
            fields={"photos": [_("A photo may be at most 10 MB.")]},
        )
    if size == 0:
        raise ValidationFailed(
            _("%(name)s is empty.") % {"name": name}, fields={"photos": [_("The file is empty.")]}
        )
    try:
        f.seek(0)
        with Image.open(f) as img:
            fmt = img.format or ""
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        fmt = ""
    finally:
        f.seek(0)
    if fmt not in PHOTO_FORMATS:
        raise ValidationFailed(
            _("%(name)s is not a JPEG, PNG or WebP image.") % {"name": name},
            fields={"photos": [_("Only JPEG, PNG or WebP images are accepted.")]},
        )
    return fmt


def _save_photos(actor: Any, result: InspectionResult, photos: list[Any]) -> list[InspectionPhoto]:
    """Check every photo first (so a bad one saves none), then store them."""
    if not photos:
        return []
    if result.photos.count() + len(photos) > MAX_PHOTOS_PER_ITEM:
        raise ValidationFailed(
            _("An item may have at most %(n)s photos.") % {"n": MAX_PHOTOS_PER_ITEM},
            fields={"photos": [_("Too many photos for this item.")]},
        )
    for f in photos:
        check_photo(f)
    saved = []
    for f in photos:
        photo = InspectionPhoto(result=result, image=f, uploaded_by=actor)
        clean_or_raise(photo, exclude=["result"])
        photo.save()
        saved.append(photo)
    return saved


@transaction.atomic
def add_photos(
    *, actor: Any, inspection: Inspection, item_id: int, photos: list[Any]
) -> list[InspectionPhoto]:
    """Attach photos to one item of an open inspection (JPEG/PNG/WebP, at most 10 MB each and 10 per item);
    all or nothing, audited on the inspection."""
    require_perm(actor, "audits.change_inspection")
    _visible_inspection(actor, inspection)
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if inspection.status in (InspectionStatus.COMPLETED, InspectionStatus.CANCELLED):
        raise ValidationFailed(
            _("This inspection is closed; its results cannot change."), fields={"status": [_("Closed.")]}
        )
    if not photos:
        raise ValidationFailed(fields={"photos": [_("Choose at least one photo.")]})
    result = (
        InspectionResult.objects.select_related("item").filter(inspection=inspection, item_id=item_id).first()
    )
    if result is None:
        raise ValidationFailed(fields={"item": [_("Not an item of this inspection's checklist.")]})
    saved = _save_photos(actor, result, photos)
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=inspection,
        verb=_("Photos added: %(item)s") % {"item": result.item.text[:120]},
        extra={"item": result.item_id, "photos": [p.image.name for p in saved]},
    )
    return saved


def _mark_resource(actor: Any, resource: Resource, inspection: Inspection, item: ChecklistItem) -> None:
    if resource.status == ResourceStatus.NEEDS_ATTENTION:
        return
    before = audit.snapshot(resource)
    resource.status = ResourceStatus.NEEDS_ATTENTION
    resource.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=resource,
        before=before,
        after=audit.snapshot(resource),
        verb=_("Failed in inspection %(number)s: %(item)s")
        % {"number": inspection.number, "item": item.text[:100]},
    )
    if resource.owner_id:
        notify(
            [resource.owner],
            title=_("Resource %(code)s failed an inspection") % {"code": resource.code},
            body=item.text,
            url=f"/admin/audits/resource/{resource.pk}/change/",
            kind="resource",
        )


def _answer(r: InspectionResult) -> domain.ItemAnswer:
    return domain.ItemAnswer(
        weight=Decimal(r.item.weight),
        scoring=r.item.scoring,
        max_points=r.item.max_points,
        critical=r.item.critical,
        outcome=r.outcome or "",
        points=Decimal(r.points) if r.points is not None else None,
    )


def compute_score(inspection: Inspection) -> domain.Score:
    results = inspection.results.select_related("item")
    return domain.score([_answer(r) for r in results], Decimal(inspection.template.pass_mark))


@transaction.atomic
def complete_inspection(
    *,
    actor: Any,
    inspection: Inspection,
    performed_at: dt.datetime | None = None,
    notes: str | None = None,
    visit_record: str | None = None,
    shopper: str | None = None,
) -> Inspection:
    require_perm(actor, "audits.change_inspection")
    _visible_inspection(actor, inspection)
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if inspection.status in (InspectionStatus.COMPLETED, InspectionStatus.CANCELLED):
        raise ValidationFailed(_("This inspection is already closed."), fields={"status": [_("Closed.")]})
    s = compute_score(inspection)
    if s.unanswered:
        missing = [r.item.text for r in inspection.results.select_related("item") if not r.outcome][:5]
        raise ValidationFailed(
            _("%(n)s items are not answered yet: %(items)s")
            % {"n": s.unanswered, "items": "; ".join(missing)},
            fields={"results": [_("Answer every item (or mark it not applicable).")]},
        )
    if inspection.kind == InspectionKind.MYSTERY:
        if shopper is not None:
            inspection.shopper = shopper
        if visit_record is not None:
            inspection.visit_record = visit_record
        if not inspection.visit_record.strip():
            raise ValidationFailed(
                fields={"visit_record": [_("A mystery-shopping visit needs its visit record.")]}
            )
    before = audit.snapshot(inspection)
    inspection.status = InspectionStatus.COMPLETED
    inspection.performed_at = performed_at or timezone.now()
    inspection.score = s.percent
    inspection.passed = s.passed
    inspection.critical_failed = s.critical_failed
    if notes is not None:
        inspection.notes = notes
    if inspection.inspector_id is None and getattr(actor, "pk", None):
        inspection.inspector = actor
    _stamp(inspection, actor)
    inspection.save()
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=inspection,
        before=before,
        after=audit.snapshot(inspection),
        verb=_("Inspection completed"),
    )
    dataversion.bump("audits")
    return inspection


def improvement_available() -> bool:
    try:
        from sqms.improvement import services as improvement_services
    except ImportError:
        return False
    return hasattr(improvement_services, "open_nonconformity")


def _open_nc(**kwargs: Any) -> Any:
    if not improvement_available():
        raise ValidationFailed(
            _("The nonconformity register is not available yet."),
            fields={"nonconformity": [_("Unavailable.")]},
        )
    from sqms.improvement.services import open_nonconformity

    return open_nonconformity(**kwargs)


@transaction.atomic
def open_nc_for_result(*, actor: Any, result: InspectionResult) -> Any:
    """One step from a failed item to a nonconformity (idempotent: the same item opens the same NC)."""
    inspection = _visible_inspection(actor, result.inspection)
    if not domain.is_failed(_answer(result)):
        raise ValidationFailed(
            _("Only a failed item can open a nonconformity."),
            fields={"outcome": [_("The item did not fail.")]},
        )
    item = result.item
    nc = _open_nc(
        actor=actor,
        source="inspection",
        source_ref=f"{inspection.number}/{item.pk}",
        org_unit=inspection.org_unit,
        title=(_("Inspection %(number)s: %(item)s") % {"number": inspection.number, "item": item.text})[:200],
        description="\n".join(x for x in [item.guidance, result.note] if x),
        severity="critical" if item.critical else "minor",
    )
    result.nonconformity_id = nc.pk
    result.nonconformity_ref = str(getattr(nc, "number", "") or nc.pk)[:40]
    result.save(update_fields=["nonconformity_id", "nonconformity_ref"])
    audit.record(
        actor=actor,
        action=AuditAction.ACTION,
        instance=inspection,
        verb=_("Nonconformity opened from item: %(item)s") % {"item": item.text[:100]},
        extra={"nonconformity": result.nonconformity_ref},
    )
    return nc


# --- plans, schedules, spot checks ---------------------------------------------------------------------


@transaction.atomic
def schedule_plan(*, actor: Any, plan: InspectionPlan) -> list[Inspection]:
    """Create the plan's scheduled inspections (each due date once; running it again adds nothing)."""
    require_perm(actor, "audits.add_inspection")
    require_in_scope(actor, plan)
    if plan.kind == InspectionKind.SPOT_CHECK:
        raise ValidationFailed(
            _("A spot-check plan draws its inspections at random: use “Draw sample”."),
            fields={"kind": [_("Spot checks are drawn, not scheduled.")]},
        )
    have = set(plan.inspections.values_list("scheduled_for", flat=True))
    created = []
    for d in domain.schedule_dates(plan.start_date, plan.end_date, plan.frequency):
        if d in have:
            continue
        created.append(
            create_inspection(
                actor=actor,
                data={
                    "template": plan.template,
                    "plan": plan,
                    "kind": plan.kind,
                    "org_unit": plan.org_unit,
                    "inspector": plan.inspector,
                    "scheduled_for": d,
                    "scenario": plan.scenario,
                },
            )
        )
    return created


def _population(plan: InspectionPlan) -> tuple[str, list[int]]:
    from sqms.org.models import OrgUnit, Staff

    path = plan.org_unit.path
    kind = plan.sample_kind or SampleKind.UNITS
    if kind == SampleKind.STAFF:
        ids = (
            Staff.objects.active()
            .filter(org_unit__path__startswith=path, active=True)
            .values_list("pk", flat=True)
        )
    elif kind == SampleKind.SERVICE_RECORDS:
        from sqms.kpi.models import ServiceRecord

        qs = ServiceRecord.objects.filter(org_unit__path__startswith=path)
        if plan.start_date:
            qs = qs.filter(requested_at__date__gte=plan.start_date, requested_at__date__lte=plan.end_date)
        ids = qs.values_list("pk", flat=True)
    else:
        ids = (
            OrgUnit.objects.active()
            .filter(path__startswith=path, active=True)
            .exclude(pk=plan.org_unit_id)
            .values_list("pk", flat=True)
        )
    return kind, list(ids)


@transaction.atomic
def draw_spot_check(
    *, actor: Any, plan: InspectionPlan, seed: int | None = None, on: dt.date | None = None
) -> tuple[SpotCheckDraw, list[Inspection]]:
    """Draw the plan's sample at random — reproducibly: the seed is kept with the draw and in the audit
    trail, and the same seed over the same population draws the same ids."""
    require_perm(actor, "audits.add_inspection")
    require_in_scope(actor, plan)
    if plan.sample_size < 1:
        raise ValidationFailed(fields={"sample_size": [_("Set a sample size of 1 or more.")]})
    kind, population = _population(plan)
    if not population:
        raise ValidationFailed(
            _("Nothing to draw from in %(unit)s.") % {"unit": plan.org_unit},
            fields={"sample_kind": [_("Empty population.")]},
        )
    if seed is None:
        seed = secrets.randbits(31)
    drawn = domain.draw_sample(population, plan.sample_size, seed)
    draw = SpotCheckDraw.objects.create(
        plan=plan,
        sample_kind=kind,
        seed=seed,
        population_size=len(population),
        drawn_ids=drawn,
        drawn_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record(
        actor=actor,
        action=AuditAction.ACTION,
        instance=plan,
        verb=_("Spot-check sample drawn (seed %(seed)s)") % {"seed": seed},
        extra={"seed": seed, "sample_kind": kind, "population": len(population), "drawn": drawn},
    )
    from sqms.org.models import OrgUnit, Staff

    inspections = []
    for pk in drawn:
        data: dict[str, Any] = {
            "template": plan.template,
            "plan": plan,
            "kind": InspectionKind.SPOT_CHECK,
            "inspector": plan.inspector,
            "scheduled_for": on or timezone.localdate(),
        }
        if kind == SampleKind.STAFF:
            staff = Staff.objects.select_related("org_unit").get(pk=pk)
            data.update(staff=staff, org_unit=staff.org_unit)
        elif kind == SampleKind.SERVICE_RECORDS:
            from sqms.kpi.models import ServiceRecord

            rec = ServiceRecord.objects.select_related("org_unit").get(pk=pk)
            data.update(service_record=rec, org_unit=rec.org_unit, staff_id=rec.staff_id)
        else:
            data["org_unit"] = OrgUnit.objects.get(pk=pk)
        inspections.append(create_inspection(actor=actor, data=data))
    return draw, inspections


# --- resources -----------------------------------------------------------------------------------------


def send_resource_reminders(*, today: dt.date | None = None, lead_days: int = 14) -> int:
    """Remind owners (and unit managers) once per due date of maintenance and inspections falling due."""
    today = today or timezone.localdate()
    sent = 0
    horizon = today + dt.timedelta(days=lead_days)
    qs = (
        Resource.objects.active()
        .exclude(status=ResourceStatus.RETIRED)
        .select_related("org_unit", "owner", "org_unit__manager")
    )
    from django.db.models import Q

    for r in qs.filter(Q(maintenance_due__lte=horizon) | Q(inspection_due__lte=horizon)):
        for field, label in (("maintenance", _("maintenance")), ("inspection", _("inspection"))):
            due = getattr(r, f"{field}_due")
            reminded = getattr(r, f"{field}_reminded_for")
            if not domain.reminder_due(due, today, lead_days, reminded):
                continue
            with transaction.atomic():
                claimed = (
                    Resource.objects.filter(pk=r.pk)
                    .exclude(**{f"{field}_reminded_for": due})
                    .update(**{f"{field}_reminded_for": due})
                )
                if not claimed:
                    continue
                notify(
                    [u for u in (r.owner, r.org_unit.manager) if u is not None],
                    title=_("%(what)s of %(res)s due on %(date)s") % {"what": label, "res": r, "date": due},
                    url=f"/admin/audits/resource/{r.pk}/change/",
                    kind="resource_due",
                    email=True,
                )
                sent += 1
    return sent


# --- audits --------------------------------------------------------------------------------------------


def _auditor_paths(user: Any) -> list[str]:
    from sqms.org.models import Staff

    return list(
        Staff.objects.filter(user=user, archived_at__isnull=True).values_list("org_unit__path", flat=True)
    )


def check_independence(auditors: list[Any], auditee_units: list[Any]) -> None:
    """No one audits his own unit (or a unit containing it): a clear error naming the auditor and unit."""
    paths = {u.path: u for u in auditee_units}
    for auditor in auditors:
        if auditor is None:
            continue
        for path in domain.independence_conflicts(_auditor_paths(auditor), list(paths)):
            who = auditor.get_full_name() or auditor.get_username()
            raise ValidationFailed(
                _("Auditor independence: %(who)s belongs to %(unit)s and cannot audit it.")
                % {"who": who, "unit": paths[path]},
                fields={
                    "team": [
                        _("%(who)s cannot audit his own unit %(unit)s.") % {"who": who, "unit": paths[path]}
                    ]
                },
            )


@transaction.atomic
def create_audit_plan(
    *,
    actor: Any,
    data: dict[str, Any],
    criteria: list[Clause],
    auditee_units: list[Any],
    team: list[Any] | None = None,
) -> AuditPlan:
    require_perm(actor, "audits.add_auditplan")
    if not auditee_units:
        raise ValidationFailed(fields={"auditee_units": [_("Choose at least one auditee unit.")]})
    from sqms.org.selectors import units

    visible = set(units(actor).values_list("pk", flat=True))
    for u in auditee_units:
        if u.pk not in visible:
            raise ValidationFailed(
                fields={"auditee_units": [_("Unknown org unit %(code)s.") % {"code": u.code}]}
            )
    if not criteria:
        raise ValidationFailed(fields={"criteria": [_("Choose the clauses audited against.")]})
    team = list(team or [])
    check_independence([data.get("lead_auditor"), *team], auditee_units)
    plan = AuditPlan(number=_number("AU"), **data)
    _stamp(plan, actor, new=True)
    clean_or_raise(plan)
    if plan.end_date < plan.start_date:
        raise ValidationFailed(fields={"end_date": [_("The end date is before the start date.")]})
    plan.save()
    plan.criteria.set(criteria)
    plan.auditee_units.set(auditee_units)
    plan.team.set(team)
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=plan,
        after=audit.snapshot(plan),
        extra={
            "criteria": [f"{c.standard}:{c.number}" for c in criteria],
            "auditee_units": [u.code for u in auditee_units],
            "team": [u.get_username() for u in team],
        },
    )
    return plan


def _visible_plan(actor: Any, plan: AuditPlan) -> AuditPlan:
    if not selectors.audit_plans(actor).filter(pk=plan.pk).exists():
        raise NotFound()
    return plan


def checklist_clauses(plan: AuditPlan) -> list[Clause]:
    """The plan's clauses expanded to their most detailed sub-clauses (a chosen "7.1" gives 7.1.1–7.1.6)."""
    chosen = list(plan.criteria.all())
    out: dict[int, Clause] = {}
    for c in chosen:
        family = [
            x
            for x in Clause.objects.filter(standard=c.standard)
            if x.number == c.number or x.number.startswith(c.number + ".")
        ]
        numbers = {x.number for x in family}
        for x in family:
            if not any(n.startswith(x.number + ".") for n in numbers):
                out[x.pk] = x
    return sorted(out.values(), key=lambda x: (x.standard, x.order))


@transaction.atomic
def generate_checklist(*, actor: Any, plan: AuditPlan) -> list[AuditQuestion]:
    """One question per clause of the plan's criteria (idempotent: existing questions stay)."""
    require_perm(actor, "audits.change_auditplan")
    _visible_plan(actor, plan)
    have = set(plan.questions.values_list("clause_id", flat=True))
    created = []
    for i, c in enumerate(checklist_clauses(plan)):
        if c.pk in have:
            continue
        created.append(
            AuditQuestion.objects.create(
                plan=plan,
                clause=c,
                order=(i + 1) * 10,
                question=_(
                    "%(number)s %(title)s — what evidence shows that the requirements of this clause are met?"
                )
                % {"number": c.number, "title": c.title},
            )
        )
    if plan.status == AuditStatus.PLANNED:
        plan.status = AuditStatus.IN_PROGRESS
        plan.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.ACTION,
        instance=plan,
        verb=_("Checklist generated (%(n)s questions)") % {"n": len(created)},
        extra={"clauses": [c.clause.number for c in created]},
    )
    return created


@transaction.atomic
def answer_question(*, actor: Any, question: AuditQuestion, result: str, notes: str = "") -> AuditQuestion:
    require_perm(actor, "audits.change_auditplan")
    _visible_plan(actor, question.plan)
    if result not in ChecklistResult.values:
        raise ValidationFailed(fields={"result": [_("Use conforming, nonconforming or na.")]})
    before = {"result": question.result, "notes": question.notes}
    question.result = result
    question.notes = notes[:5000]
    question.save(update_fields=["result", "notes"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=question.plan,
        before=before,
        after={"result": result, "notes": question.notes},
        verb=_("Checklist answered: %(clause)s") % {"clause": question.clause.number},
    )
    return question


@transaction.atomic
def add_finding(*, actor: Any, plan: AuditPlan, data: dict[str, Any]) -> Finding:
    """Record a finding. The auditor may not audit his own unit; minor and major nonconformities open a
    nonconformity in the improvement register."""
    require_perm(actor, "audits.add_finding")
    _visible_plan(actor, plan)
    unit = data.get("auditee_unit")
    if unit is None:
        raise ValidationFailed(fields={"auditee_unit": [_("This field is required.")]})
    if not any(unit.path.startswith(u.path) for u in plan.auditee_units.all()):
        raise ValidationFailed(fields={"auditee_unit": [_("Not an auditee unit of this audit.")]})
    if data.get("kind") not in FindingKind.values:
        raise ValidationFailed(fields={"kind": [_("Unknown finding type.")]})
    check_independence([actor], [unit])
    finding = Finding(plan=plan, auditor=actor, **data)
    _stamp(finding, actor, new=True)
    clean_or_raise(finding)
    finding.save()
    audit.record(actor=actor, action=AuditAction.CREATE, instance=finding, after=audit.snapshot(finding))
    if finding.kind in (FindingKind.MINOR_NC, FindingKind.MAJOR_NC) and improvement_available():
        nc = _open_nc(
            actor=actor,
            source="audit_finding",
            source_ref=f"{plan.number}/F{finding.pk}",
            org_unit=unit,
            title=(f"{plan.number} {finding.clause.number} " + finding.description)[:200],
            description=f"{finding.description}\n\n{_('Evidence')}: {finding.evidence}",
            severity="major" if finding.kind == FindingKind.MAJOR_NC else "minor",
        )
        Finding.objects.filter(pk=finding.pk).update(
            nonconformity_id=nc.pk, nonconformity_ref=str(getattr(nc, "number", "") or nc.pk)[:40]
        )
        finding.refresh_from_db()
    return finding


@transaction.atomic
def mark_reported(*, actor: Any, plan: AuditPlan, summary: str | None = None) -> AuditPlan:
    require_perm(actor, "audits.change_auditplan")
    _visible_plan(actor, plan)
    before = audit.snapshot(plan)
    if summary is not None:
        plan.summary = summary
    plan.status = AuditStatus.REPORTED
    plan.save(update_fields=["status", "summary", "updated_at"])
    audit.record(
        actor=actor, action=AuditAction.UPDATE, instance=plan, before=before, after=audit.snapshot(plan)
    )
    return plan


def send_certificate_reminders(*, today: dt.date | None = None) -> int:
    """Expiry (90 days ahead) and surveillance-audit (60 days ahead) reminders, once per date."""
    today = today or timezone.localdate()
    sent = 0
    from django.contrib.auth import get_user_model

    quality = list(
        get_user_model()
        .objects.filter(is_active=True, role_assignments__role__in=["quality_manager"])
        .distinct()
    )
    for cert in Certificate.objects.active().select_related("org_unit", "org_unit__manager"):
        for field, lead, title in (
            ("expiry", 90, _("Certificate %(number)s expires on %(date)s")),
            ("surveillance", 60, _("Surveillance audit for certificate %(number)s due on %(date)s")),
        ):
            due = cert.expires_on if field == "expiry" else cert.next_surveillance_on
            if not domain.reminder_due(due, today, lead, getattr(cert, f"{field}_reminded_for")):
                continue
            claimed = (
                Certificate.objects.filter(pk=cert.pk)
                .exclude(**{f"{field}_reminded_for": due})
                .update(**{f"{field}_reminded_for": due})
            )
            if not claimed:
                continue
            notify(
                [*quality, cert.org_unit.manager],
                title=title % {"number": cert.number, "date": due},
                url=f"/admin/audits/certificate/{cert.pk}/change/",
                kind="certificate",
                email=True,
            )
            sent += 1
    return sent
