from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "sqms.reports"
    label = "reports"
    verbose_name = _("Reports and transparency")

    def ready(self) -> None:
        from sqms.core.dashboard import Card, register_card
        from sqms.core.demo import Seeder, register_seeder
        from sqms.core.navigation import NavItem, admin_model_url, register_nav
        from sqms.core.scoping import register_scoped
        from sqms.org.models import Role
        from sqms.org.roles import extend_role_permissions, register_app
        from sqms.reports import builtin, demo, models, views

        register_scoped(models.ReportSnapshot, path_field="org_unit__path")
        register_scoped(models.Subscription, path_field="org_unit__path", owner_field="user")
        register_scoped(models.Publication, path_field=None)
        register_app("reports")
        extend_role_permissions(Role.QUALITY_MANAGER, {"reports.*"})
        extend_role_permissions(
            Role.UNIT_MANAGER,
            {
                "reports.view_reportsnapshot",
                "reports.add_reportsnapshot",
                "reports.view_subscription",
                "reports.add_subscription",
                "reports.change_subscription",
            },
        )
        extend_role_permissions(Role.AUDITOR, {"reports.view_reportsnapshot"})
        builtin.register_all()
        register_nav(
            "reports",
            NavItem(_("Quality reports"), "summarize", "reports:index", "reports.view_reportsnapshot", 10),
        )
        register_nav(
            "reports",
            NavItem(
                _("Transparency publications"),
                "public",
                "reports:publications",
                "reports.view_publication",
                20,
            ),
        )
        register_nav(
            "reports",
            NavItem(
                _("Report subscriptions"),
                "mail",
                admin_model_url("reports", "subscription"),
                "reports.view_subscription",
                30,
            ),
        )
        register_card(Card("reports", 90, views.dashboard_card))
        register_seeder(Seeder("reports", 95, demo.seed))
