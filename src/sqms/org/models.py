"""Organisation: the unit tree, staff and their roles, customers, and the responsibility matrix."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sqms.core.models import BusinessRecord


class UnitKind(models.TextChoices):
    COMPANY = "company", _("Company")
    REGION = "region", _("Region")
    BRANCH = "branch", _("Branch")
    OUTLET = "outlet", _("Outlet")
    DEPARTMENT = "department", _("Department")
    TEAM = "team", _("Team")


code_validator = RegexValidator(
    r"^[A-Za-z0-9_.\-]+$", _("Use letters, digits, dot, dash and underscore only.")
)


class OrgUnit(BusinessRecord):
    """A node of the org-unit tree. ``path`` ("/1/5/23/") is the materialised path of ids from the root:
    a subtree is one indexed prefix query, whatever the depth."""

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    kind = models.CharField(_("type"), max_length=16, choices=UnitKind.choices, default=UnitKind.BRANCH)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(_("depth"), default=0, editable=False)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_units",
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def is_descendant_of(self, other: OrgUnit) -> bool:
        return bool(other.path) and self.path.startswith(other.path)


class Role(models.TextChoices):
    SYSTEM_ADMIN = "system_admin", _("System admin")
    QUALITY_MANAGER = "quality_manager", _("Quality manager")
    UNIT_MANAGER = "unit_manager", _("Unit manager")
    FRONTLINE = "frontline", _("Front-line staff")
    AUDITOR = "auditor", _("Auditor")
    EXECUTIVE = "executive", _("Executive")


ALL_UNIT_ROLES = {Role.SYSTEM_ADMIN, Role.QUALITY_MANAGER, Role.EXECUTIVE}


class Staff(BusinessRecord):
    """A person working for the organisation: a login plus unit, position and employee number."""

    PERSONAL_FIELDS = ("phone",)

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        on_delete=models.PROTECT,
        related_name="staff",
    )
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="staff"
    )
    name = models.CharField(_("name"), max_length=60)
    employee_no = models.CharField(_("employee number"), max_length=30, unique=True)
    position = models.CharField(_("position"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["employee_no"]

    def __str__(self) -> str:
        return f"{self.name} ({self.employee_no})"


class RoleAssignment(models.Model):
    """A role held by a user in a unit (the unit is ignored for organisation-wide roles)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("org unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "org_unit"], name="uniq_role_assignment")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.org_unit or '*'}"


class CustomerKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    ORGANISATION = "organisation", pgettext_lazy("customer type", "Organisation")


class Customer(BusinessRecord):
    """A customer. Phone, e-mail and ID number are personal data: masked for roles without
    "view personal data" in pages, API, exports and the audit history."""

    PERSONAL_FIELDS = ("phone", "email", "id_number")

    kind = models.CharField(
        _("type"), max_length=16, choices=CustomerKind.choices, default=CustomerKind.INDIVIDUAL
    )
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=30, blank=True, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True)
    id_number = models.CharField(_("ID number"), max_length=30, blank=True)
    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("home unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
    )
    consent_contact = models.BooleanField(_("consents to follow-up contact"), default=True)
    consent_survey = models.BooleanField(_("consents to surveys"), default=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-created_at", "-id"]
        permissions = [("view_personal_data", _("Can view personal data (phone, e-mail, ID number)"))]

    def __str__(self) -> str:
        return self.name


class Process(BusinessRecord):
    """A service process (e.g. 售前咨询 → 订单处理 → 配送); here it carries the responsibility matrix."""

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    owner_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("owner unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="processes",
    )

    class Meta:
        verbose_name = _("process")
        verbose_name_plural = _("processes")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Raci(models.TextChoices):
    RESPONSIBLE = "R", _("Responsible")
    ACCOUNTABLE = "A", _("Accountable")
    CONSULTED = "C", _("Consulted")
    INFORMED = "I", _("Informed")


class Responsibility(models.Model):
    """One cell of the responsibility matrix (A2): process × role → R/A/C/I."""

    process = models.ForeignKey(
        Process, verbose_name=_("process"), on_delete=models.CASCADE, related_name="responsibilities"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    raci = models.CharField(_("R/A/C/I"), max_length=1, choices=Raci.choices)

    class Meta:
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibility matrix")
        constraints = [models.UniqueConstraint(fields=["process", "role"], name="uniq_process_role")]

    def __str__(self) -> str:
        return f"{self.process} · {self.get_role_display()} · {self.raci}"
