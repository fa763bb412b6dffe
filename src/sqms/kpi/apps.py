from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KpiConfig(AppConfig):
    name = "sqms.kpi"
    label = "kpi"
    verbose_name = _("Performance and evaluation")

    def ready(self) -> None:
        from sqms.core.dashboard import Card, register_card
        from sqms.core.navigation import NavItem, admin_model_url, register_nav
        from sqms.core.scoping import register_scoped
        from sqms.kpi import dashboard, models
        from sqms.org.models import Role
        from sqms.org.roles import extend_role_permissions, register_app

        register_scoped(models.ServiceRecord, path_field="org_unit__path", owner_field="staff__user")
        register_scoped(models.DailyRollup, path_field="org_unit__path")
        register_app("kpi")
        extend_role_permissions(Role.QUALITY_MANAGER, {"kpi.*"})
        extend_role_permissions(
            Role.UNIT_MANAGER,
            {
                "kpi.view_servicerecord",
                "kpi.view_dailyrollup",
                "kpi.add_servicerecord",
                "kpi.change_servicerecord",
            },
        )
        extend_role_permissions(Role.FRONTLINE, {"kpi.view_servicerecord", "kpi.view_dailyrollup"})
        extend_role_permissions(Role.AUDITOR, {"kpi.view_servicerecord", "kpi.view_dailyrollup"})
        register_nav(
            "performance",
            NavItem(
                _("Service records"),
                "receipt_long",
                admin_model_url("kpi", "servicerecord"),
                "kpi.view_servicerecord",
                10,
            ),
        )
        register_card(Card("kpi", 30, dashboard.on_time_card))
        from sqms.core.io import register_import_command

        register_import_command("service-records", "import_service_records")
