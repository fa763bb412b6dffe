from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "sqms.feedback"
    label = "feedback"
    verbose_name = _("Feedback and complaints")

    def ready(self) -> None:
        from sqms.core.scoping import register_scoped
        from sqms.feedback import models as m
        from sqms.feedback.presets import ensure_presets_signal
        from sqms.org.models import Role
        from sqms.org.roles import extend_role_permissions, register_app

        register_scoped(m.Ticket, path_field="org_unit__path")
        register_scoped(m.TicketEvent, path_field="ticket__org_unit__path")
        register_scoped(m.Attachment, path_field="ticket__org_unit__path")
        register_scoped(m.Escalation, path_field="ticket__org_unit__path")
        register_scoped(m.Rating, path_field="org_unit__path")
        register_scoped(m.Rectification, path_field="org_unit__path")
        register_scoped(m.Appeal, path_field="rectification__org_unit__path")
        register_scoped(m.Bot, path_field="org_unit__path")
        register_scoped(m.BotDelivery, path_field="bot__org_unit__path")
        register_app("feedback")
        extend_role_permissions(Role.QUALITY_MANAGER, {"feedback.*"})
        extend_role_permissions(
            Role.UNIT_MANAGER,
            {
                "feedback.view_*",
                "feedback.add_ticket",
                "feedback.change_ticket",
                "feedback.add_rating",
                "feedback.change_rectification",
                "feedback.add_appeal",
                "feedback.add_bot",
                "feedback.change_bot",
            },
        )
        extend_role_permissions(
            Role.FRONTLINE,
            {
                "feedback.view_ticket",
                "feedback.add_ticket",
                "feedback.change_ticket",
                "feedback.view_ticketevent",
                "feedback.view_attachment",
                "feedback.view_servicecategory",
                "feedback.view_rating",
                "feedback.add_rating",
                "feedback.view_calendar",
                "feedback.view_slapolicy",
            },
        )
        extend_role_permissions(Role.AUDITOR, {"feedback.view_*"})
        post_migrate.connect(ensure_presets_signal, sender=self)
        from sqms.feedback import confcache

        confcache.connect()
        self._register_platform()

    def _register_platform(self) -> None:
        from sqms.feedback import registry

        registry.register_all()
