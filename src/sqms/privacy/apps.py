from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "sqms.privacy"
    label = "privacy"
    verbose_name = _("Personal data protection")

    def ready(self) -> None:
        from sqms.core.masking import register_unmask_listener
        from sqms.core.navigation import NavItem, register_nav
        from sqms.org.models import Role
        from sqms.org.roles import EXCLUDE, extend_role_permissions, register_app
        from sqms.privacy import tasks  # noqa: F401  (registers the periodic purge)
        from sqms.privacy.services import log_access

        register_app("privacy")
        extend_role_permissions(Role.QUALITY_MANAGER, {"privacy.*"})
        extend_role_permissions(Role.AUDITOR, {"privacy.view_accesslog"})
        # executives read everything else, but neither the access log nor the data-subject requests
        EXCLUDE.setdefault(Role.EXECUTIVE, set()).add("privacy.*")
        # admin pages, API reads and exports report what they show through sqms.core.masking.note_shown
        register_unmask_listener(log_access)
        from sqms.privacy.admin import link_customer_admin

        link_customer_admin()
        register_nav(
            "system",
            NavItem(_("Personal data"), "shield_person", "privacy:home", "privacy.view_accesslog", 60),
        )
