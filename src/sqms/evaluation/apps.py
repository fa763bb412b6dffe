from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "sqms.evaluation"
    label = "evaluation"
    verbose_name = _("Evaluation index system")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from sqms.core.dataversion import bump_on_save
        from sqms.core.navigation import NavItem, admin_model_url, register_nav
        from sqms.core.scoping import register_scoped
        from sqms.evaluation import models
        from sqms.evaluation.services import ensure_default_scheme
        from sqms.kpi.models import KpiDefinition, KpiOverride
        from sqms.org.models import OrgUnit, Role
        from sqms.org.roles import extend_role_permissions, register_app

        # the cached dashboard and evaluation (sqms.core.dataversion) also see admin edits of what they read
        for model, kind in ((models.Scheme, "evaluation"), (models.Indicator, "evaluation"),
                            (models.Benchmark, "evaluation"), (models.ManualScore, "evaluation"),
                            (KpiDefinition, "kpi"), (KpiOverride, "kpi"), (OrgUnit, "org")):  # fmt: skip
            bump_on_save(model, kind)
        register_scoped(models.ManualScore, path_field="org_unit__path")
        register_scoped(models.Result, path_field="org_unit__path")
        register_scoped(models.Plan, path_field="org_unit__path")
        register_app("evaluation")
        extend_role_permissions(Role.QUALITY_MANAGER, {"evaluation.*"})
        reader = {"evaluation.view_scheme", "evaluation.view_indicator", "evaluation.view_result"}
        extend_role_permissions(
            Role.UNIT_MANAGER, reader | {"evaluation.view_manualscore", "evaluation.view_plan"}
        )
        extend_role_permissions(Role.AUDITOR, reader)
        from sqms.core.demo import Seeder, register_seeder
        from sqms.evaluation import demo

        register_seeder(Seeder("evaluation", 60, demo.seed))
        post_migrate.connect(ensure_default_scheme, sender=self, dispatch_uid="evaluation_default_scheme")
        register_nav(
            "overview",
            NavItem(
                _("Executive dashboard"), "insights", "evaluation:dashboard", "evaluation.view_result", 5
            ),
        )
        register_nav(
            "performance",
            NavItem(_("Evaluation"), "leaderboard", "evaluation:index", "evaluation.view_scheme", 50),
        )
        register_nav(
            "performance",
            NavItem(_("Evaluation plans"), "checklist", "evaluation:plans", "evaluation.view_plan", 55),
        )
        register_nav(
            "performance",
            NavItem(
                _("Evaluation schemes"),
                "account_tree",
                admin_model_url("evaluation", "scheme"),
                "evaluation.change_scheme",
                60,
            ),
        )
        register_nav(
            "performance",
            NavItem(
                _("Manual scores"),
                "edit_note",
                admin_model_url("evaluation", "manualscore"),
                "evaluation.view_manualscore",
                70,
            ),
        )
