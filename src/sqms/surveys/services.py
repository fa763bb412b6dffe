"""Survey writes: builder, publishing (versions), campaigns, tokens and invitations, sampling, answering,
import, cleaning and analyst decisions. Keyword-only, atomic, permission- and scope-checked, audited.

Other apps (feedback) invite customers through :func:`create_invitation`.
"""

from __future__ import annotations

import hashlib
import json
import random
import secrets
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core import audit, dataversion
from sqms.core.errors import Conflict, NotFound, ValidationFailed
from sqms.core.models import AuditAction
from sqms.core.services import clean_or_raise, create_record, perm_name, require_in_scope, require_perm
from sqms.org.models import Customer, OrgUnit
from sqms.surveys import domain
from sqms.surveys.models import (
    Campaign,
    CampaignStatus,
    Channel,
    Dimension,
    Question,
    Response,
    ResponseSource,
    ResponseValues,
    Section,
    Survey,
    SurveyDayRollup,
    SurveyStatus,
    SurveyVersion,
    Token,
)
from sqms.surveys.templates_data import SERVQUAL_DIMENSIONS, TEMPLATES


def answer_messages() -> dict[str, str]:
    return {
        "required": _("Please answer this question."),
        "choice": _("Choose one of the options."),
        "number": _("Enter a number."),
        "range": _("The number is out of the allowed range."),
        "too_long": _("The answer is too long."),
    }


RULE_NAMES = {
    "incomplete": lambda: _("Incomplete"),
    "straightlining": lambda: _("Straight-lining"),
    "too_fast": lambda: _("Too fast"),
    "out_of_range": lambda: _("Out of range"),
    "duplicate": lambda: _("Duplicate"),
    "attention": lambda: _("Failed attention check"),
}


def rule_name(rule: str) -> str:
    fn = RULE_NAMES.get(rule)
    return fn() if fn else rule


# --- builder -------------------------------------------------------------------------------------------


@transaction.atomic
def create_survey(
    *,
    actor: Any,
    code: str,
    title: str,
    title_en: str = "",
    intro: str = "",
    intro_en: str = "",
    owner_unit: OrgUnit | None = None,
    dimensions: Sequence[tuple[str, str, str]] | None = None,
    template: str = "",
) -> Survey:
    """A new draft survey with its dimension taxonomy (SERVQUAL's five unless ``dimensions`` is given)."""
    survey = create_record(
        Survey,
        actor=actor,
        data={
            "code": code,
            "title": title,
            "title_en": title_en,
            "intro": intro,
            "intro_en": intro_en,
            "owner_unit": owner_unit,
            "template": template,
        },
    )
    for i, (dcode, name, name_en) in enumerate(SERVQUAL_DIMENSIONS if dimensions is None else dimensions):
        Dimension.objects.create(survey=survey, code=dcode, name=name, name_en=name_en, order=i)
    return survey


def _check_question(q: Question) -> None:
    errors: dict[str, list[str]] = {}
    if q.type in ("single", "multiple") and len(q.options or []) < 2:
        errors["options"] = [_("A choice question needs at least two options.")]
    for o in q.options or []:
        if not isinstance(o, dict) or "value" not in o or "label" not in o:
            errors["options"] = [_('Each option needs a "value" and a "label".')]
            break
    if q.type == "matrix" and not q.rows:
        errors["rows"] = [_("A matrix needs at least one row.")]
    if q.type == "likert" and q.scale_points not in (5, 7) and not q.options:
        errors["scale_points"] = [_("A Likert scale has 5 or 7 points.")]
    if q.min_value is not None and q.max_value is not None and q.min_value > q.max_value:
        errors["max_value"] = [_("The maximum is below the minimum.")]
    if q.show_if:
        ref = q.show_if.get("question") if isinstance(q.show_if, dict) else None
        earlier = (
            Question.objects.filter(survey_id=q.survey_id, code=ref).exclude(pk=q.pk).first() if ref else None
        )
        if earlier is None or not isinstance(q.show_if.get("in"), list):
            errors["show_if"] = [_('Use {"question": "<earlier question code>", "in": [values]}.')]
    if q.attention_check and not q.attention_answer:
        errors["attention_answer"] = [_("Give the answer an attentive respondent chooses.")]
    if errors:
        raise ValidationFailed(fields=errors)


@transaction.atomic
def add_question(*, actor: Any, survey: Survey, section: Section | None = None, **fields: Any) -> Question:
    require_perm(actor, perm_name(Survey, "change"))
    require_in_scope(actor, survey)
    dim = fields.pop("dimension", None)
    if isinstance(dim, str):
        dim = survey.dimensions.filter(code=dim).first()
        if dim is None:
            raise ValidationFailed(fields={"dimension": [_("No such dimension in this survey.")]})
    if section is None:
        section = survey.sections.last() or Section.objects.create(survey=survey, order=0)
    fields.setdefault("order", survey.questions.count())
    q = Question(survey=survey, section=section, dimension=dim, **fields)
    clean_or_raise(q, exclude=["survey", "section"])
    _check_question(q)
    q.save()
    _touched(survey, actor)
    return q


@transaction.atomic
def update_question(*, actor: Any, question: Question, changes: Mapping[str, Any]) -> Question:
    require_perm(actor, perm_name(Survey, "change"))
    require_in_scope(actor, question.survey)
    before = audit.snapshot(question)
    for k, v in changes.items():
        setattr(question, k, v)
    clean_or_raise(question, exclude=["survey", "section"])
    _check_question(question)
    question.save()
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=question.survey,
        before=before,
        after=audit.snapshot(question),
        verb=_("Question %(code)s changed") % {"code": question.code},
    )
    _touched(question.survey, actor)
    return question


def _touched(survey: Survey, actor: Any) -> None:
    touch_survey(survey)


def touch_survey(survey: Survey) -> None:
    """Mark the survey as changed (its builder rows were edited)."""
    Survey.objects.filter(pk=survey.pk).update(updated_at=timezone.now())


@transaction.atomic
def create_from_template(
    *,
    actor: Any,
    template: str,
    code: str | None = None,
    owner_unit: OrgUnit | None = None,
    title: str | None = None,
) -> Survey:
    """Create a draft survey from a shipped template (see ``templates_data.TEMPLATES``)."""
    if template not in TEMPLATES:
        raise ValidationFailed(fields={"template": [_("Unknown template.")]})
    data = TEMPLATES[template]()
    survey = create_survey(
        actor=actor,
        code=code or data["code"],
        title=title or data["title"],
        title_en=data["title_en"],
        intro=data.get("intro", ""),
        intro_en=data.get("intro_en", ""),
        owner_unit=owner_unit,
        dimensions=data["dimensions"],
        template=template,
    )
    dims = {d.code: d for d in survey.dimensions.all()}
    order = 0
    for s_i, sec in enumerate(data["sections"]):
        section = Section.objects.create(
            survey=survey, order=s_i, title=sec["title"], title_en=sec["title_en"]
        )
        for qd in sec["questions"]:
            qd = dict(qd)
            dim = dims.get(qd.pop("dimension", "") or "")
            q = Question(survey=survey, section=section, order=order, dimension=dim, **qd)
            order += 1
            clean_or_raise(q, exclude=["survey", "section", "show_if"])
            q.save()
    return survey


def definition_of(survey: Survey) -> dict[str, Any]:
    """The draft as a definition (see ``domain``): the exact wording a version freezes."""
    dims = list(survey.dimensions.all())
    sections = []
    questions = list(
        survey.questions.select_related("dimension", "section").order_by("section__order", "order", "id")
    )
    by_section: dict[int | None, list[Question]] = {}
    for q in questions:
        by_section.setdefault(q.section_id, []).append(q)
    for sec in survey.sections.all():
        sections.append(
            {
                "title": sec.title,
                "title_en": sec.title_en,
                "questions": [_question_json(q) for q in by_section.get(sec.pk, [])],
            }
        )
    if by_section.get(None):
        sections.append(
            {"title": "", "title_en": "", "questions": [_question_json(q) for q in by_section[None]]}
        )
    return {
        "code": survey.code,
        "title": survey.title,
        "title_en": survey.title_en,
        "intro": survey.intro,
        "intro_en": survey.intro_en,
        "dimensions": [{"code": d.code, "name": d.name, "name_en": d.name_en} for d in dims],
        "sections": sections,
    }


def _question_json(q: Question) -> dict[str, Any]:
    return {
        "code": q.code,
        "type": q.type,
        "text": q.text,
        "text_en": q.text_en,
        "help": q.help,
        "required": q.required,
        "scale_points": q.scale_points,
        "options": q.options or [],
        "rows": q.rows or [],
        "min": q.min_value,
        "max": q.max_value,
        "dimension": q.dimension.code if q.dimension else "",
        "reverse": q.reverse_scored,
        "part": q.servqual_part,
        "pair": q.pair_key,
        "show_if": q.show_if or {},
        "randomize": q.randomize_options,
        "attention": q.attention_check,
        "attention_answer": q.attention_answer,
    }


@transaction.atomic
def publish_survey(*, actor: Any, survey: Survey) -> SurveyVersion:
    """Freeze the draft. Unchanged → the latest version; latest version without responses → updated in
    place; otherwise (answers exist) → a new version, so old answers keep their exact wording."""
    require_perm(actor, perm_name(Survey, "change"))
    require_in_scope(actor, survey)
    definition = definition_of(survey)
    if not domain.questions(definition):
        raise ValidationFailed(
            _("The survey has no questions."), fields={"questions": [_("Add a question first.")]}
        )
    checksum = hashlib.sha256(json.dumps(definition, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    latest = survey.versions.order_by("-number").first()
    if latest and latest.checksum == checksum:
        return latest
    items = domain.items(definition)
    if latest and not latest.responses.exists():
        before = {"checksum": latest.checksum}
        latest.definition, latest.items, latest.checksum = definition, items, checksum
        latest.published_at, latest.published_by = timezone.now(), actor
        latest.save()
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=survey,
            before=before,
            after={"checksum": checksum},
            verb=_("Version %(n)s republished") % {"n": latest.number},
        )
        version = latest
    else:
        version = SurveyVersion.objects.create(
            survey=survey,
            number=(latest.number + 1) if latest else 1,
            definition=definition,
            items=items,
            checksum=checksum,
            published_by=actor,
        )
        audit.record(
            actor=actor,
            action=AuditAction.ACTION,
            instance=survey,
            verb=_("Version %(n)s published") % {"n": version.number},
            extra={"version": version.number},
        )
    if survey.status != SurveyStatus.PUBLISHED:
        Survey.objects.filter(pk=survey.pk).update(status=SurveyStatus.PUBLISHED)
        survey.status = SurveyStatus.PUBLISHED
    return version


# --- campaigns -------------------------------------------------------------------------------------------


@transaction.atomic
def create_campaign(
    *,
    actor: Any,
    survey: Survey,
    code: str,
    name: str,
    org_unit: OrgUnit,
    channel: str = Channel.WEB,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    version: SurveyVersion | None = None,
    **extra: Any,
) -> Campaign:
    """A campaign on ``version`` (default: the survey's latest published version, publishing the draft if
    it has none)."""
    require_in_scope(actor, survey) if survey.owner_unit_id else None
    if version is None:
        version = survey.versions.order_by("-number").first() or publish_survey(actor=actor, survey=survey)
    elif version.survey_id != survey.pk:
        raise ValidationFailed(fields={"version": [_("The version belongs to another survey.")]})
    if ends_at and starts_at and ends_at <= starts_at:
        raise ValidationFailed(fields={"ends_at": [_("The end must be after the start.")]})
    return create_record(
        Campaign,
        actor=actor,
        data={
            "survey": survey,
            "version": version,
            "code": code,
            "name": name,
            "org_unit": org_unit,
            "channel": channel,
            "starts_at": starts_at or timezone.now(),
            "ends_at": ends_at,
            **extra,
        },
    )


@transaction.atomic
def set_campaign_status(*, actor: Any, campaign: Campaign, status: str) -> Campaign:
    from sqms.core.services import update_record

    if status not in CampaignStatus.values:
        raise ValidationFailed(fields={"status": [_("Unknown status.")]})
    return update_record(campaign, actor=actor, changes={"status": status})


# --- tokens, invitations and sampling ------------------------------------------------------------------


def _new_token(
    campaign: Campaign,
    *,
    customer: Customer | None = None,
    org_unit: OrgUnit | None = None,
    source_type: str = "",
    source_id: str = "",
    now: datetime | None = None,
) -> Token:
    now = now or timezone.now()
    return Token(
        campaign=campaign,
        key=secrets.token_urlsafe(16),
        customer=customer,
        org_unit=org_unit or (customer.org_unit if customer and customer.org_unit else None),
        source_type=source_type,
        source_id=source_id,
        created_at=now,
        expires_at=now + timedelta(days=campaign.token_days) if campaign.token_days else None,
    )


def _unit_in_campaign(campaign: Campaign, unit: OrgUnit | None) -> bool:
    return unit is None or unit.path.startswith(campaign.org_unit.path)


@transaction.atomic
def issue_tokens(
    *,
    actor: Any,
    campaign: Campaign,
    count: int = 0,
    customers: Sequence[Customer] = (),
    org_unit: OrgUnit | None = None,
) -> list[Token]:
    """``count`` anonymous tokens (for ``org_unit``) and/or one token per customer."""
    require_perm(actor, perm_name(Token, "add"))
    require_in_scope(actor, campaign)
    if count < 0 or count > 100_000:
        raise ValidationFailed(fields={"count": [_("Between 0 and 100,000.")]})
    if not _unit_in_campaign(campaign, org_unit):
        raise ValidationFailed(fields={"org_unit": [_("The unit is outside the campaign's units.")]})
    tokens = [_new_token(campaign, org_unit=org_unit) for _i in range(count)]
    tokens += [_new_token(campaign, customer=c) for c in customers]
    Token.objects.bulk_create(tokens, batch_size=1000)
    audit.record(
        actor=actor,
        action=AuditAction.ACTION,
        instance=campaign,
        verb=_("Tokens issued"),
        extra={"count": len(tokens)},
    )
    return tokens


def _quarantined(customer: Customer, days: int, now: datetime) -> bool:
    return (
        days > 0
        and Token.objects.filter(customer=customer, created_at__gte=now - timedelta(days=days)).exists()
    )


@transaction.atomic
def create_invitation(
    *,
    campaign: Campaign,
    customer: Customer,
    source_type: str,
    source_id: Any,
    actor: Any = None,
    rng: random.Random | None = None,
    now: datetime | None = None,
) -> Token | None:
    """Invite ``customer`` after a service record or a closed complaint (called by other apps).

    Returns the token, or ``None`` when the customer is not invited: no survey consent, quarantined (asked
    in the last ``campaign.quarantine_days`` days, any campaign), not drawn at ``campaign.sampling_rate``,
    the campaign is not open, or this source already produced an invitation. Safe to call twice.
    """
    now = now or timezone.now()
    if not campaign.is_open(now) or not customer.consent_survey or customer.archived_at is not None:
        return None
    existing = Token.objects.filter(
        campaign=campaign, source_type=source_type, source_id=str(source_id)
    ).first()
    if existing is not None:
        return None
    Customer.objects.select_for_update(of=("self",)).filter(
        pk=customer.pk
    ).first()  # serialise invitations per customer
    if _quarantined(customer, campaign.quarantine_days, now):
        return None
    if campaign.sampling_rate < 1 and (rng or random).random() >= campaign.sampling_rate:
        return None
    unit = customer.org_unit if _unit_in_campaign(campaign, customer.org_unit) else campaign.org_unit
    token = _new_token(
        campaign, customer=customer, org_unit=unit, source_type=source_type, source_id=str(source_id), now=now
    )
    token.save()
    audit.record(
        actor=actor or "system",
        action=AuditAction.ACTION,
        instance=campaign,
        verb=_("Customer invited"),
        extra={"customer": customer.pk, "source": f"{source_type}:{source_id}"},
    )
    return token


def sampling_plan(
    *, actor: Any, campaign: Campaign, margin: float = 0.05, confidence: float = 0.95, p: float = 0.5
) -> dict[str, Any]:
    """Population per branch-level unit of the campaign subtree (customers with survey consent and not
    quarantined), the Cochran sample size with finite-population correction, and the proportional allocation."""
    require_in_scope(actor, campaign)
    now = timezone.now()
    recent = Token.objects.filter(
        customer__isnull=False, created_at__gte=now - timedelta(days=campaign.quarantine_days)
    ).values("customer_id")
    # strata: the campaign unit's children (each with its subtree), plus the campaign unit itself for
    # customers attached directly to it
    root = campaign.org_unit
    children = list(OrgUnit.objects.filter(parent=root, archived_at__isnull=True).order_by("code"))
    pool: dict[str, list[int]] = {u.code: [] for u in children}
    customers = Customer.objects.filter(
        org_unit__path__startswith=root.path, consent_survey=True, archived_at__isnull=True
    ).exclude(pk__in=recent)
    for cid, path in customers.values_list("pk", "org_unit__path"):
        stratum = next((u.code for u in children if path.startswith(u.path)), root.code)
        pool.setdefault(stratum, []).append(cid)
    population = sum(len(v) for v in pool.values())
    try:
        n = domain.sample_size(population, margin=margin, confidence=confidence, p=p)
    except ValueError as exc:
        raise ValidationFailed(
            fields={"margin": [_("Margin, confidence and p must be between 0 and 1.")]}
        ) from exc
    alloc = domain.allocate(n, {k: len(v) for k, v in pool.items()})
    return {
        "population": population,
        "sample_size": n,
        "margin": margin,
        "confidence": confidence,
        "p": p,
        "strata": [{"unit": k, "population": len(pool[k]), "sample": alloc[k]} for k in sorted(pool)],
        "_pool": pool,
        "_alloc": alloc,
    }


@transaction.atomic
def draw_sample(
    *,
    actor: Any,
    campaign: Campaign,
    margin: float = 0.05,
    confidence: float = 0.95,
    p: float = 0.5,
    seed: int | None = None,
) -> tuple[dict[str, Any], list[Token]]:
    """Stratified random sample of customers (定期抽样调查): one token each. The seed is recorded in the
    audit log, so the same population and seed give the same sample."""
    require_perm(actor, perm_name(Token, "add"))
    plan = sampling_plan(actor=actor, campaign=campaign, margin=margin, confidence=confidence, p=p)
    seed = secrets.randbelow(2**31) if seed is None else int(seed)
    chosen = domain.draw(plan.pop("_pool"), plan.pop("_alloc"), seed)
    ids = [i for v in chosen.values() for i in v]
    customers = Customer.objects.select_related("org_unit").in_bulk(ids)
    tokens = [
        _new_token(campaign, customer=customers[i], source_type="sample", source_id=str(seed)) for i in ids
    ]
    Token.objects.bulk_create(tokens, batch_size=1000)
    plan["seed"] = seed
    plan["drawn"] = len(tokens)
    audit.record(
        actor=actor,
        action=AuditAction.ACTION,
        instance=campaign,
        verb=_("Random sample drawn"),
        extra={
            "seed": seed,
            "sample_size": plan["sample_size"],
            "population": plan["population"],
            "strata": plan["strata"],
            "margin": margin,
            "confidence": confidence,
            "p": p,
        },
    )
    return plan, tokens


# --- answering -------------------------------------------------------------------------------------------


def token_state(token: Token | None, now: datetime | None = None) -> str:
    """ "ok", "used" or "expired"."""
    if token is None:
        return "ok"
    now = now or timezone.now()
    if token.used_at is not None:
        return "used"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "ok"


def recent_responses(*, campaign: Campaign, ip: str | None, seconds: int) -> int:
    """Responses stored for ``campaign`` from ``ip`` in the last ``seconds`` (index on campaign, ip,
    submitted_at)."""
    if not ip:
        return 0
    since = connection.ops.adapt_datetimefield_value(timezone.now() - timedelta(seconds=seconds))
    table = connection.ops.quote_name(Response._meta.db_table)
    with connection.cursor() as cur:  # plain SQL: this runs on every public submission
        cur.execute(
            f"SELECT COUNT(*) FROM {table} WHERE campaign_id = %s AND ip = %s AND submitted_at >= %s",
            [campaign.pk, ip, since],
        )
        return int(cur.fetchone()[0])


@transaction.atomic
def save_partial(*, token: Token, raw: Mapping[str, Sequence[str]]) -> None:
    """Save and resume: keep what the respondent has typed so far on the token."""
    Token.objects.filter(pk=token.pk, used_at__isnull=True).update(
        partial={k: list(v)[:50] for k, v in raw.items() if not k.startswith(("csrf", "_"))}
    )


@transaction.atomic
def submit_response(
    *,
    campaign: Campaign,
    raw: Mapping[str, Sequence[str]],
    token: Token | None = None,
    duration_s: float | None = None,
    ip: str | None = None,
    device: str = "",
    source: str = ResponseSource.WEB,
    org_unit: OrgUnit | None = None,
    submitted_at: datetime | None = None,
    external_id: str = "",
    labels: bool = False,
) -> Response:
    """Validate and store one response. Bad answers → ``ValidationFailed`` with one reason per question,
    nothing stored. A token answers once (row lock + unique constraint)."""
    now = timezone.now()
    if not campaign.is_open(now) and source == ResponseSource.WEB:
        raise Conflict(_("This survey is closed."), code="closed")
    if token is not None:
        token = Token.objects.select_for_update(of=("self",)).get(pk=token.pk)
        state = token_state(token, now)
        if state != "ok":
            raise Conflict(
                _("This link has already been used.") if state == "used" else _("This link has expired."),
                code=state,
            )
    elif not campaign.public and source == ResponseSource.WEB:
        raise NotFound()
    version = campaign.version
    checked = domain.check_answers(version.definition, raw, messages=answer_messages(), labels=labels)
    if checked.errors:
        raise ValidationFailed(
            _("Some answers need attention."), fields={k: [v] for k, v in checked.errors.items()}
        )
    unit = org_unit or (token.org_unit if token and token.org_unit_id else None) or campaign.org_unit
    if not _unit_in_campaign(campaign, unit):
        raise ValidationFailed(fields={"org_unit": [_("The unit is outside the campaign's units.")]})
    response = Response(
        campaign=campaign,
        version=version,
        token=token,
        org_unit=unit,
        channel=campaign.channel if source != ResponseSource.IMPORT else Channel.IMPORT,
        source=source,
        submitted_at=submitted_at or now,
        duration_s=duration_s,
        ip=ip or None,
        device=device[:64],
        answers=checked.answers,
        external_id=external_id[:60],
    )
    packed = domain.pack(version.items, checked.answers)
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError as exc:
        raise Conflict(_("This response was already recorded."), code="used") from exc
    ResponseValues.objects.create(response=response, data=packed)
    rollup_add(response, packed, version)
    if token is not None:
        Token.objects.filter(pk=token.pk).update(used_at=now, partial={})
    dataversion.bump("surveys")
    return response


# --- daily rollup (CSAT / NPS counts per unit × day × campaign) ---------------------------------------------


def local_day(when: datetime) -> date:
    """The day of ``when`` in the site's time zone (the rollup's day)."""
    return timezone.localtime(when, timezone.get_default_timezone()).date()


def _upsert_sql() -> str:
    table = connection.ops.quote_name(SurveyDayRollup._meta.db_table)
    cols = ["responses", *domain.ROLLUP_FIELDS]
    adds = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in cols)
    return (
        f"INSERT INTO {table} (campaign_id, org_unit_id, day, {', '.join(cols)}) "
        f"VALUES (%s, %s, %s, {', '.join(['%s'] * len(cols))}) "
        f"ON CONFLICT (org_unit_id, day, campaign_id) DO UPDATE SET {adds}"
    )


def rollup_add(response: Response, packed: bytes, version: SurveyVersion) -> None:
    """Count one new included response into its unit × day × campaign cell (one upsert)."""
    if not response.included:
        return
    counts = domain.rollup_counts(domain.unpack([packed], len(version.items)), version.items)[0]
    day = connection.ops.adapt_datefield_value(local_day(response.submitted_at))
    with connection.cursor() as cur:
        cur.execute(
            _upsert_sql(),
            [response.campaign_id, response.org_unit_id, day, 1, *(int(c) for c in counts)],
        )


def write_values(responses: Sequence[Response], packed: Sequence[bytes]) -> None:
    """Store the packed numeric items of freshly bulk-created responses (their pks set)."""
    ResponseValues.objects.bulk_create(
        [ResponseValues(response_id=r.pk, data=p) for r, p in zip(responses, packed, strict=True)],
        batch_size=2000,
    )


def refresh_rollup(campaign: Campaign, *, unit_id: int | None = None, day: date | None = None) -> int:
    """Recompute the rollup cells of ``campaign`` from its included responses — all of them, or only
    the cell of ``unit_id`` on ``day``. Returns the number of cells written."""
    from collections import defaultdict

    qs = Response.objects.filter(campaign=campaign, included=True)
    cells = SurveyDayRollup.objects.filter(campaign=campaign)
    if unit_id is not None and day is not None:
        start = datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())
        qs = qs.filter(
            org_unit_id=unit_id, submitted_at__gte=start, submitted_at__lt=start + timedelta(days=1)
        )
        cells = cells.filter(org_unit_id=unit_id, day=day)
    totals: dict[tuple[int, date], Any] = defaultdict(lambda: [0] * (1 + len(domain.ROLLUP_FIELDS)))
    for version in SurveyVersion.objects.filter(pk__in=qs.values("version_id").distinct()):
        rows = list(qs.filter(version=version).values_list("org_unit_id", "submitted_at", "numeric__data"))
        if not rows:
            continue
        counts = domain.rollup_counts(domain.unpack((r[2] for r in rows), len(version.items)), version.items)
        for (uid, when, _data), c in zip(rows, counts.tolist(), strict=True):
            cell = totals[(uid, local_day(when))]
            cell[0] += 1
            for i, v in enumerate(c, start=1):
                cell[i] += v
    cells.delete()
    SurveyDayRollup.objects.bulk_create(
        [
            SurveyDayRollup(
                campaign=campaign,
                org_unit_id=uid,
                day=d,
                responses=v[0],
                **dict(zip(domain.ROLLUP_FIELDS, v[1:], strict=True)),
            )
            for (uid, d), v in totals.items()
        ],
        batch_size=1000,
    )
    return len(totals)


def rebuild_rollup(campaigns: Any = None) -> int:
    """Rebuild the whole rollup (or that of the given campaigns) from the responses."""
    written = 0
    with transaction.atomic():
        if campaigns is None:
            SurveyDayRollup.objects.all().delete()
            campaigns = Campaign.objects.filter(pk__in=Response.objects.values("campaign_id").distinct())
        for campaign in campaigns:
            written += refresh_rollup(campaign)
    dataversion.bump("surveys")
    return written


# --- data push from an external survey tool ----------------------------------------------------------------


def receive_push(
    *,
    campaign: Campaign,
    body: bytes,
    signature: str = "",
    timestamp: str = "",
    ip: str | None = None,
    now: datetime | None = None,
) -> tuple[int, dict[str, Any]]:
    """One response pushed as JSON by an external survey tool. Returns (HTTP status, body).

    Payload: ``{"id": "<the tool's response id>", "answers": {code: value | [values]}, "submitted_at":
    ISO time (optional), "duration_s": seconds (optional), "org_unit": unit code (optional), "sign": …
    (SHA-1 scheme only)}``. Checks, in order: push enabled (404 otherwise), JSON (400), signature (401),
    id (422), duplicate id → 200 ``{"status": "duplicate"}`` and nothing stored, then the answers are
    validated like a web submission (422 with one reason per question, nothing stored)."""
    now = now or timezone.now()
    if not campaign.push_secret or campaign.archived_at is not None:
        return 404, {"error": {"code": "not_found", "message": _("Not found."), "fields": {}}}
    try:
        payload = json.loads(body.decode("utf-8-sig"))
        if not isinstance(payload, dict):
            raise ValueError
    except (UnicodeDecodeError, ValueError):
        return 400, {
            "error": {"code": "bad_json", "message": _("The body must be a JSON object."), "fields": {}}
        }
    reason = domain.push_signature_ok(
        scheme=campaign.push_signature,
        secret=campaign.push_secret,
        body=body,
        payload=payload,
        header_signature=signature,
        header_timestamp=timestamp,
        fields=[str(f) for f in campaign.push_sign_fields or []],
        now=now.timestamp(),
    )
    if reason:
        messages = {
            "missing": _("The request is not signed."),
            "stale": _("The signature timestamp is too old or invalid."),
            "mismatch": _("The signature does not match."),
        }
        return 401, {"error": {"code": f"signature_{reason}", "message": messages[reason], "fields": {}}}
    external_id = str(payload.get("id") or payload.get("response_id") or "").strip()
    fields: dict[str, list[str]] = {}
    if not external_id or len(external_id) > 60:
        fields["id"] = [_("Give the tool's response id (at most 60 characters).")]
    answers = payload.get("answers")
    if not isinstance(answers, dict):
        fields["answers"] = [_("Give the answers as an object {question code: value}.")]
    submitted: datetime | None = None
    if payload.get("submitted_at"):
        from django.utils.dateparse import parse_datetime

        submitted = parse_datetime(str(payload["submitted_at"]))
        if submitted is None:
            fields["submitted_at"] = [_("Use an ISO 8601 date and time.")]
        elif timezone.is_naive(submitted):
            submitted = timezone.make_aware(submitted)
    duration = payload.get("duration_s")
    if duration is not None and (not isinstance(duration, int | float) or duration < 0):
        fields["duration_s"] = [_("Give the duration in seconds (a number ≥ 0).")]
        duration = None
    unit = None
    if payload.get("org_unit"):
        unit = OrgUnit.objects.filter(code=str(payload["org_unit"]), archived_at__isnull=True).first()
        if unit is None or not _unit_in_campaign(campaign, unit):
            fields["org_unit"] = [_("The unit is outside the campaign's units.")]
    if fields:
        return 422, {
            "error": {"code": "invalid", "message": _("Some fields need attention."), "fields": fields}
        }
    existing = Response.objects.filter(campaign=campaign, external_id=external_id).first()
    if existing is not None:
        return 200, {"status": "duplicate", "id": existing.pk}
    try:
        response = submit_response(
            campaign=campaign,
            raw=domain.push_raw_answers(answers),  # type: ignore[arg-type]
            duration_s=float(duration) if duration is not None else None,
            ip=ip,
            source=ResponseSource.PUSH,
            org_unit=unit,
            submitted_at=submitted,
            external_id=external_id,
        )
    except ValidationFailed as exc:
        return 422, {"error": {"code": "invalid", "message": exc.message, "fields": exc.fields}}
    except Conflict:  # the same id raced in: already recorded
        again = Response.objects.filter(campaign=campaign, external_id=external_id).first()
        return 200, {"status": "duplicate", "id": again.pk if again else None}
    audit.record(
        actor="webhook",
        action=AuditAction.IMPORT,
        instance=campaign,
        verb=_("Response pushed"),
        extra={"id": external_id, "response": response.pk},
    )
    dataversion.bump("surveys")
    return 201, {"status": "created", "id": response.pk}


# --- cleaning ----------------------------------------------------------------------------------------------


def _attention_result(version: SurveyVersion, answers: Mapping[str, Any]) -> bool | None:
    checks = [q for q in domain.questions(version.definition) if q.get("attention")]
    if not checks:
        return None
    return all(str(answers.get(q["code"], "")) == str(q.get("attention_answer", "")) for q in checks)


@transaction.atomic
def clean_campaign(
    *, campaign: Campaign, actor: Any = None, config: Mapping[str, Any] | None = None
) -> dict[str, int]:
    """Run the cleaning rules over every response of the campaign (per version) and store flags and the
    resulting inclusion; analysts' overrides are kept. Nothing is deleted. Returns counts per rule."""
    if actor is not None:
        require_in_scope(actor, campaign)
    cfg = {**domain.DEFAULT_CLEANING, **(campaign.survey.cleaning or {}), **(config or {})}
    counts: dict[str, int] = {"responses": 0, "excluded": 0}
    now = timezone.now()
    for version in SurveyVersion.objects.filter(responses__campaign=campaign).distinct():
        rows = list(
            Response.objects.filter(campaign=campaign, version=version)
            .select_related("token")
            .only(
                "pk",
                "duration_s",
                "submitted_at",
                "ip",
                "device",
                "token__key",
                "answers",
                "override",
                "flags",
                "included",
            )
        )
        if not rows:
            continue
        packed = dict(
            ResponseValues.objects.filter(response__campaign=campaign, response__version=version).values_list(
                "response_id", "data"
            )
        )
        data = domain.CleaningInput(
            matrix=domain.unpack((packed.get(r.pk) for r in rows), len(version.items)),
            items=version.items,
            durations=[r.duration_s for r in rows],
            submitted=[r.submitted_at.timestamp() for r in rows],
            ip_device=[f"{r.ip}|{r.device}" if r.ip and r.device else "" for r in rows],
            respondent=[r.token.key if r.token else str(r.answers.get("_respondent", "")) for r in rows],
            attention=[_attention_result(version, r.answers) for r in rows],
        )
        flags = domain.clean(data, cfg)
        changed = []
        for r, f in zip(rows, flags, strict=True):
            inc = domain.included(f, r.override)
            counts["responses"] += 1
            counts["excluded"] += 0 if inc else 1
            for rule in {x["rule"] for x in f}:
                counts[rule] = counts.get(rule, 0) + 1
            if r.flags != f or r.included != inc:
                r.flags, r.included, r.cleaned_at = f, inc, now
                changed.append(r)
        Response.objects.bulk_update(changed, ["flags", "included", "cleaned_at"], batch_size=1000)
    refresh_rollup(campaign)
    audit.record(
        actor=actor or "system",
        action=AuditAction.ACTION,
        instance=campaign,
        verb=_("Responses cleaned"),
        extra=counts,
    )
    dataversion.bump("surveys")
    return counts


@transaction.atomic
def decide(*, actor: Any, response: Response, decision: str, reason: str = "") -> Response:
    """An analyst includes or excludes a response by hand ("" = back to the rules); audited, kept across
    re-cleaning."""
    require_perm(actor, perm_name(Response, "change"))
    require_in_scope(actor, response)
    if decision not in ("", "include", "exclude"):
        raise ValidationFailed(fields={"decision": [_("Use include, exclude or an empty value.")]})
    if decision and not reason.strip():
        raise ValidationFailed(fields={"reason": [_("Give a reason for the decision.")]})
    locked = Response.objects.select_for_update(of=("self",)).get(pk=response.pk)
    before = {
        "override": locked.override,
        "included": locked.included,
        "override_reason": locked.override_reason,
    }
    locked.override, locked.override_reason = decision, reason.strip()[:300]
    locked.included = domain.included(locked.flags, decision)
    locked.save(update_fields=["override", "override_reason", "included"])
    if locked.included != before["included"]:
        refresh_rollup(locked.campaign, unit_id=locked.org_unit_id, day=local_day(locked.submitted_at))
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=locked,
        before=before,
        after={
            "override": locked.override,
            "included": locked.included,
            "override_reason": locked.override_reason,
        },
        verb=_("Analyst decision"),
    )
    dataversion.bump("surveys")
    return locked
