from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AuditsConfig(AppConfig):
    name = "sqms.audits"
    label = "audits"
    verbose_name = _("Inspections and audits")

    def ready(self) -> None:
        from sqms.audits import models as m
        from sqms.audits.presets import ensure_presets_signal
        from sqms.core.scoping import register_scoped
        from sqms.org.models import Role
        from sqms.org.roles import extend_role_permissions, register_app

        register_scoped(m.InspectionPlan, path_field="org_unit__path")
        register_scoped(m.Inspection, path_field="org_unit__path", owner_field="inspector")
        register_scoped(m.InspectionResult, path_field="inspection__org_unit__path")
        register_scoped(m.SpotCheckDraw, path_field="plan__org_unit__path")
        register_scoped(m.Resource, path_field="org_unit__path", owner_field="owner")
        register_scoped(m.AuditProgramme, path_field="org_unit__path")
        # An auditor's or unit manager's scope reaches a plan through its auditee units.
        register_scoped(m.AuditPlan, path_field="auditee_units__path")
        register_scoped(m.Finding, path_field="auditee_unit__path")
        register_scoped(m.Certificate, path_field="org_unit__path")
        register_app("audits")
        extend_role_permissions(Role.QUALITY_MANAGER, {"audits.*"})
        extend_role_permissions(
            Role.UNIT_MANAGER,
            {
                "audits.view_*",
                "audits.add_inspection",
                "audits.change_inspection",
                "audits.add_inspectionplan",
                "audits.change_inspectionplan",
                "audits.add_resource",
                "audits.change_resource",
            },
        )
        extend_role_permissions(
            Role.FRONTLINE,
            {
                "audits.view_inspection",
                "audits.view_resource",
                "audits.view_checklisttemplate",
                "audits.view_clause",
            },
        )
        extend_role_permissions(
            Role.AUDITOR,
            {
                "audits.view_*",
                "audits.add_inspection",
                "audits.change_inspection",
                "audits.change_auditplan",
                "audits.add_finding",
                "audits.change_finding",
            },
        )
        post_migrate.connect(ensure_presets_signal, sender=self)
        from sqms.audits import registry

        registry.register_all()
