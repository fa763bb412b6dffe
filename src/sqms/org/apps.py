from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender, **kwargs):
    """Sync the role groups once, after the last app's post_migrate: only then do every app's
    permissions exist (django.contrib.auth creates them app by app in the same signal)."""
    from django.apps import apps

    from sqms.org.roles import sync_roles

    last = [a for a in apps.get_app_configs() if a.models_module is not None][-1]
    if sender.label == last.label:
        sync_roles()


class OrgConfig(AppConfig):
    name = "sqms.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from sqms.core.dashboard import Card, register_card
        from sqms.core.navigation import NavItem, admin_model_url, register_nav
        from sqms.core.scoping import register_scope_provider, register_scoped
        from sqms.org import dashboard, models
        from sqms.org.scoping import provide_scope

        register_scope_provider(provide_scope)
        register_scoped(models.OrgUnit, path_field="path")
        register_scoped(models.Staff, path_field="org_unit__path", owner_field="user")
        register_scoped(models.Customer, path_field="org_unit__path")
        register_scoped(models.Process, path_field="owner_unit__path")
        register_scoped(models.Responsibility, path_field="process__owner_unit__path")
        register_nav(
            "org",
            NavItem(
                _("Org units"), "account_tree", admin_model_url("org", "orgunit"), "org.view_orgunit", 10
            ),
        )
        register_nav(
            "org", NavItem(_("Staff"), "badge", admin_model_url("org", "staff"), "org.view_staff", 20)
        )
        register_nav(
            "org",
            NavItem(_("Customers"), "group", admin_model_url("org", "customer"), "org.view_customer", 30),
        )
        register_nav(
            "org", NavItem(_("Responsibility matrix"), "grid_on", "org:raci", "org.view_responsibility", 40)
        )
        register_nav(
            "org", NavItem(_("Processes"), "route", admin_model_url("org", "process"), "org.view_process", 45)
        )
        register_nav(
            "system",
            NavItem(
                _("Role assignments"),
                "admin_panel_settings",
                admin_model_url("org", "roleassignment"),
                "org.view_roleassignment",
                10,
            ),
        )
        register_card(Card("org", 10, dashboard.org_card))

        from sqms.core.io import register_export, register_import
        from sqms.org import exports, importers

        register_import("org-units", importers.OrgUnitImporter, "org.add_orgunit")
        register_import("staff", importers.StaffImporter, "org.add_staff")
        register_import("customers", importers.CustomerImporter, "org.add_customer")
        register_export("org-units", exports.units, "org.view_orgunit")
        register_export("staff", exports.staff, "org.view_staff", personal_model="org.Staff")
        register_export("customers", exports.customers, "org.view_customer", personal_model="org.Customer")
        register_export("raci", exports.raci, "org.view_responsibility")
        from sqms.core.demo import Seeder, register_seeder
        from sqms.org.demo import seed

        register_seeder(Seeder("organisation", 10, seed))
        post_migrate.connect(_sync_roles, dispatch_uid="sqms.org.sync_roles")
