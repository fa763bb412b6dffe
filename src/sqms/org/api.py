"""Organisation endpoints: /org-units, /staff, /customers, /processes, /responsibility-matrix."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from sqms.core.apibase import Mapped, Page
from sqms.core.errors import NotFound
from sqms.core.masking import masked_value, note_shown
from sqms.core.services import archive_record, require_perm
from sqms.org import selectors, services
from sqms.org.models import Customer, OrgUnit, Staff

router = Router(tags=["organisation"])


class UnitOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    kind: str
    parent: str | None
    path: str
    depth: int
    active: bool


def _unit_out(u: OrgUnit) -> dict[str, Any]:
    return {
        "id": u.pk,
        "code": u.code,
        "name": u.name,
        "name_en": u.name_en,
        "kind": u.kind,
        "parent": u.parent.code if u.parent else None,
        "path": u.path,
        "depth": u.depth,
        "active": u.active,
    }


class UnitIn(Schema):
    code: str
    name: str
    kind: str = "team"
    parent: str
    name_en: str = ""


class UnitPatch(Schema):
    name: str | None = None
    name_en: str | None = None
    kind: str | None = None
    active: bool | None = None


class MoveIn(Schema):
    parent: str


class UnitFilter(Schema):
    under: str | None = None
    kind: str | None = None
    q: str | None = None


@router.get("/org-units", response=list[UnitOut])
@paginate(Page)
def list_units(request: HttpRequest, filters: Query[UnitFilter]) -> Any:
    qs = selectors.units(request.user)
    if filters.under:
        qs = qs.filter(path__startswith=selectors.unit_by_code(request.user, filters.under).path)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.q:
        qs = qs.filter(name__icontains=filters.q)
    return Mapped(qs, _unit_out)


@router.get("/org-units/{code}", response=UnitOut)
def get_unit(request: HttpRequest, code: str) -> dict[str, Any]:
    return _unit_out(selectors.unit_by_code(request.user, code))


@router.post("/org-units", response={201: UnitOut})
def create_unit(request: HttpRequest, payload: UnitIn) -> Status:
    parent = selectors.unit_by_code(request.user, payload.parent)
    unit = services.create_unit(
        actor=request.user,
        code=payload.code,
        name=payload.name,
        kind=payload.kind,
        parent=parent,
        name_en=payload.name_en,
    )
    return Status(201, _unit_out(unit))


@router.patch("/org-units/{code}", response=UnitOut)
def patch_unit(request: HttpRequest, code: str, payload: UnitPatch) -> dict[str, Any]:
    unit = selectors.unit_by_code(request.user, code)
    return _unit_out(services.update_unit(unit, actor=request.user, changes=payload.dict(exclude_unset=True)))


@router.post("/org-units/{code}/move", response=UnitOut)
def move_unit(request: HttpRequest, code: str, payload: MoveIn) -> dict[str, Any]:
    unit = selectors.unit_by_code(request.user, code)
    return _unit_out(
        services.move_unit(
            unit, actor=request.user, new_parent=selectors.unit_by_code(request.user, payload.parent)
        )
    )


class StaffOut(Schema):
    id: int
    employee_no: str
    name: str
    username: str
    org_unit: str
    position: str
    phone: str
    active: bool


def _staff_out(user: Any, s: Any) -> dict[str, Any]:
    return {
        "id": s.pk,
        "employee_no": s.employee_no,
        "name": s.name,
        "username": s.user.username,
        "org_unit": s.org_unit.code,
        "position": s.position,
        "phone": masked_value(user, s.phone),
        "active": s.active,
    }


class StaffIn(Schema):
    employee_no: str
    name: str
    username: str
    org_unit: str
    position: str = ""
    phone: str = ""
    email: str = ""


class StaffPatch(Schema):
    name: str | None = None
    position: str | None = None
    phone: str | None = None
    active: bool | None = None
    org_unit: str | None = None


@router.get("/staff", response=list[StaffOut])
@paginate(Page)
def list_staff(request: HttpRequest, unit: str | None = None, q: str | None = None) -> Any:
    qs = selectors.staff(request.user)
    if unit:
        qs = qs.filter(org_unit__path__startswith=selectors.unit_by_code(request.user, unit).path)
    if q:
        qs = qs.filter(name__icontains=q)
    user = request.user
    return Mapped(qs, lambda s: _staff_out(user, s), shown_to=request)


@router.get("/staff/{staff_id}", response=StaffOut)
def get_staff(request: HttpRequest, staff_id: int) -> dict[str, Any]:
    staff = selectors.get_or_404(selectors.staff(request.user), pk=staff_id)
    note_shown(request, Staff, [staff.pk])
    return _staff_out(request.user, staff)


@router.post("/staff", response={201: StaffOut})
def create_staff(request: HttpRequest, payload: StaffIn) -> Status:
    data = payload.dict()
    unit = selectors.unit_by_code(request.user, data.pop("org_unit"))
    staff = services.create_staff(actor=request.user, org_unit=unit, **data)
    return Status(201, _staff_out(request.user, staff))


@router.patch("/staff/{staff_id}", response=StaffOut)
def patch_staff(request: HttpRequest, staff_id: int, payload: StaffPatch) -> dict[str, Any]:
    from sqms.core.services import update_record

    staff = selectors.get_or_404(selectors.staff(request.user), pk=staff_id)
    changes = payload.dict(exclude_unset=True)
    if "org_unit" in changes:
        changes["org_unit"] = selectors.unit_by_code(request.user, changes["org_unit"])
    return _staff_out(request.user, update_record(staff, actor=request.user, changes=changes))


class CustomerOut(Schema):
    id: int
    kind: str
    name: str
    phone: str
    email: str
    id_number: str
    org_unit: str | None
    consent_contact: bool
    consent_survey: bool
    updated_at: datetime


def _customer_out(user: Any, c: Customer) -> dict[str, Any]:
    return {
        "id": c.pk,
        "kind": c.kind,
        "name": c.name,
        "phone": masked_value(user, c.phone),
        "email": masked_value(user, c.email),
        "id_number": masked_value(user, c.id_number),
        "org_unit": c.org_unit.code if c.org_unit else None,
        "consent_contact": c.consent_contact,
        "consent_survey": c.consent_survey,
        "updated_at": c.updated_at,
    }


class CustomerIn(Schema):
    name: str
    kind: str = "individual"
    phone: str = ""
    email: str = ""
    id_number: str = ""
    org_unit: str | None = None
    consent_contact: bool = True
    consent_survey: bool = True


class CustomerPatch(Schema):
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    id_number: str | None = None
    org_unit: str | None = None
    consent_contact: bool | None = None
    consent_survey: bool | None = None
    expected_updated_at: datetime | None = None


@router.get("/customers", response=list[CustomerOut])
@paginate(Page)
def list_customers(request: HttpRequest, q: str | None = None, unit: str | None = None) -> Any:
    qs = selectors.customers(request.user)
    if q:
        qs = qs.filter(name__icontains=q)
    if unit:
        qs = qs.filter(org_unit__path__startswith=selectors.unit_by_code(request.user, unit).path)
    user = request.user
    return Mapped(qs, lambda c: _customer_out(user, c), shown_to=request)


def _customer(user: Any, customer_id: int) -> Customer:
    return selectors.get_or_404(selectors.customers(user), pk=customer_id)


@router.get("/customers/{customer_id}", response=CustomerOut)
def get_customer(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    customer = _customer(request.user, customer_id)
    note_shown(request, Customer, [customer.pk])
    return _customer_out(request.user, customer)


@router.post("/customers", response={201: CustomerOut})
def create_customer(request: HttpRequest, payload: CustomerIn) -> Status:
    data = payload.dict()
    code = data.pop("org_unit")
    data["org_unit"] = selectors.unit_by_code(request.user, code) if code else None
    return Status(201, _customer_out(request.user, services.create_customer(actor=request.user, **data)))


@router.patch("/customers/{customer_id}", response=CustomerOut)
def patch_customer(request: HttpRequest, customer_id: int, payload: CustomerPatch) -> dict[str, Any]:
    customer = _customer(request.user, customer_id)
    changes = payload.dict(exclude_unset=True)
    expected = changes.pop("expected_updated_at", None)
    if "org_unit" in changes:
        changes["org_unit"] = (
            selectors.unit_by_code(request.user, changes["org_unit"]) if changes["org_unit"] else None
        )
    updated = services.update_customer(
        customer, actor=request.user, changes=changes, expected_updated_at=expected
    )
    return _customer_out(request.user, updated)


@router.post("/customers/{customer_id}/archive", response=CustomerOut)
def archive_customer(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    return _customer_out(
        request.user, archive_record(_customer(request.user, customer_id), actor=request.user)
    )


class RaciOut(Schema):
    roles: list[str]
    rows: list[dict[str, Any]]


class RaciIn(Schema):
    process: str
    role: str
    raci: str | None = None


@router.get("/responsibility-matrix", response=RaciOut)
def raci(request: HttpRequest) -> dict[str, Any]:
    require_perm(request.user, "org.view_responsibility")
    procs, roles, cells = selectors.raci_matrix(request.user)
    return {
        "roles": [code for code, _label in roles],
        "rows": [
            {"process": p.code, "name": p.name, **{code: cells.get((p.pk, code), "") for code, _l in roles}}
            for p in procs
        ],
    }


@router.put("/responsibility-matrix", response=RaciOut)
def set_raci(request: HttpRequest, payload: RaciIn) -> dict[str, Any]:
    proc = selectors.processes(request.user).filter(code=payload.process).first()
    if proc is None:
        raise NotFound()
    services.set_responsibility(actor=request.user, process=proc, role=payload.role, raci=payload.raci)
    return raci(request)
