from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "sqms.core"
    label = "core"
    verbose_name = _("Platform")

    def ready(self) -> None:
        from django.contrib import admin

        from sqms.core.navigation import NavItem, admin_model_url, register_nav

        # Django's default index title ("Site administration", 站点管理) would head the home page.
        admin.site.index_title = _("Dashboard")

        def signed_in(request):
            return request.user.is_authenticated

        register_nav("overview", NavItem(_("Dashboard"), "dashboard", "admin:index", None, 0))
        register_nav(
            "overview",
            NavItem(
                _("Notifications"),
                "notifications",
                admin_model_url("core", "notification"),
                signed_in,
                10,
                badge="sqms.core.navigation.unread_badge",
            ),
        )
        register_nav(
            "system",
            NavItem(
                _("Audit trail"), "history", admin_model_url("core", "auditentry"), "core.view_auditentry", 20
            ),
        )
        register_nav(
            "system", NavItem(_("API tokens"), "key", admin_model_url("core", "apitoken"), signed_in, 30)
        )
        register_nav(
            "system", NavItem(_("Users"), "person", admin_model_url("auth", "user"), "auth.view_user", 40)
        )
        register_nav(
            "system", NavItem(_("Two-factor sign-in"), "phonelink_lock", "core:sqms_2fa_setup", signed_in, 35)
        )
