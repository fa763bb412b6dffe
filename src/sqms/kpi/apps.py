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
        register_scoped(models.MonthlyRollup, path_field="org_unit__path")
        register_scoped(models.KpiOverride, path_field="org_unit__path")
        register_scoped(models.KpiAlert, path_field="org_unit__path")
        register_scoped(models.QualityObjective, path_field="org_unit__path", owner_field="owner")
        from django.db.models.signals import post_migrate

        from sqms.kpi.services import ensure_library

        post_migrate.connect(ensure_library, sender=self, dispatch_uid="kpi_library")
        from django.db.models.signals import post_save

        from sqms.kpi import partitions

        post_save.connect(partitions.record_saved, sender=models.ServiceRecord, dispatch_uid="kpi_record_key")
        register_app("kpi")
        extend_role_permissions(Role.QUALITY_MANAGER, {"kpi.*"})
        reader = {
            "kpi.view_kpidefinition",
            "kpi.view_kpialert",
            "kpi.view_qualityobjective",
            "kpi.view_kpioverride",
        }
        extend_role_permissions(Role.EXECUTIVE, reader | {"kpi.view_dailyrollup"})
        extend_role_permissions(Role.UNIT_MANAGER, reader | {"kpi.change_kpialert"})
        extend_role_permissions(Role.AUDITOR, reader)
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
        register_nav(
            "performance", NavItem(_("KPIs"), "monitoring", "kpi:index", "kpi.view_kpidefinition", 20)
        )
        register_nav(
            "performance",
            NavItem(
                _("KPI alerts"),
                "notifications_active",
                admin_model_url("kpi", "kpialert"),
                "kpi.view_kpialert",
                30,
            ),
        )
        register_nav(
            "performance",
            NavItem(
                _("Quality objectives"),
                "flag",
                admin_model_url("kpi", "qualityobjective"),
                "kpi.view_qualityobjective",
                40,
            ),
        )
        register_card(Card("kpi", 30, dashboard.on_time_card))
        from sqms.core.io import register_import_command

        register_import_command("service-records", "import_service_records")
        from sqms.core.demo import Seeder, register_seeder
        from sqms.kpi import demo

        register_seeder(Seeder("service records", 50, demo.seed))
