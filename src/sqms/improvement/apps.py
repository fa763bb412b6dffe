from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImprovementConfig(AppConfig):
    name = "sqms.improvement"
    label = "improvement"
    verbose_name = _("Nonconformity and improvement")

    def ready(self) -> None:
        from sqms.core.scoping import register_scoped
        from sqms.improvement import models as m
        from sqms.org.models import Role
        from sqms.org.roles import extend_role_permissions, register_app

        register_scoped(m.Nonconformity, path_field="org_unit__path")
        register_scoped(m.CorrectiveAction, path_field="nonconformity__org_unit__path", owner_field="owner")
        register_scoped(m.EffectivenessCheck, path_field="nonconformity__org_unit__path")
        register_scoped(m.ImprovementProject, path_field="org_unit__path")
        register_scoped(m.ProjectTask, path_field="project__org_unit__path", owner_field="owner")
        register_scoped(m.StageGate, path_field="project__org_unit__path")
        register_scoped(m.Suggestion, path_field="org_unit__path", owner_field="submitter")
        register_scoped(m.RewardEntry, path_field="suggestion__org_unit__path", owner_field="user")
        register_scoped(m.GoodPractice, path_field="org_unit__path")
        register_scoped(m.ManagementReview, path_field="org_unit__path")
        register_scoped(m.ReviewItem, path_field="review__org_unit__path", owner_field="owner")
        register_app("improvement")
        extend_role_permissions(Role.QUALITY_MANAGER, {"improvement.*"})
        extend_role_permissions(
            Role.UNIT_MANAGER,
            {
                "improvement.view_*",
                "improvement.add_nonconformity",
                "improvement.change_nonconformity",
                "improvement.add_correctiveaction",
                "improvement.change_correctiveaction",
                "improvement.add_effectivenesscheck",
                "improvement.add_improvementproject",
                "improvement.change_improvementproject",
                "improvement.add_projecttask",
                "improvement.change_projecttask",
                "improvement.add_suggestion",
                "improvement.change_suggestion",
                "improvement.add_goodpractice",
                "improvement.change_goodpractice",
                "improvement.change_reviewitem",
            },
        )
        extend_role_permissions(
            Role.FRONTLINE,
            {
                "improvement.view_nonconformity",
                "improvement.view_correctiveaction",
                "improvement.view_suggestion",
                "improvement.add_suggestion",
                "improvement.view_goodpractice",
            },
        )
        extend_role_permissions(
            Role.AUDITOR,
            {"improvement.view_*", "improvement.add_nonconformity", "improvement.verify_effectiveness"},
        )
        extend_role_permissions(Role.EXECUTIVE, {"improvement.view_*"})
        from sqms.improvement import registry

        registry.register_all()
