from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "sqms.surveys"
    label = "surveys"
    verbose_name = _("Satisfaction surveys")

    def ready(self) -> None:
        from sqms.core.dashboard import Card, register_card
        from sqms.core.demo import Seeder, register_seeder
        from sqms.core.io import register_export, register_import_command
        from sqms.core.navigation import NavItem, admin_model_url, register_nav
        from sqms.core.scoping import register_scoped
        from sqms.org.models import Role
        from sqms.org.roles import extend_role_permissions, register_app
        from sqms.surveys import models, selectors
        from sqms.surveys.demo import seed

        register_scoped(models.Survey, path_field="owner_unit__path")
        register_scoped(models.Campaign, path_field="org_unit__path")
        register_scoped(models.Token, path_field="campaign__org_unit__path")
        register_scoped(models.Response, path_field="campaign__org_unit__path")
        register_app("surveys")
        extend_role_permissions(Role.QUALITY_MANAGER, {"surveys.*"})
        extend_role_permissions(
            Role.UNIT_MANAGER,
            {
                "surveys.view_*",
                "surveys.add_campaign",
                "surveys.change_campaign",
                "surveys.add_token",
                "surveys.change_response",
            },
        )
        extend_role_permissions(Role.AUDITOR, {"surveys.view_*"})
        register_nav(
            "surveys",
            NavItem(_("Surveys"), "quiz", admin_model_url("surveys", "survey"), "surveys.view_survey", 10),
        )
        register_nav(
            "surveys",
            NavItem(
                _("New survey from a template"),
                "library_add",
                "surveys:new_from_template",
                "surveys.add_survey",
                15,
            ),
        )
        register_nav(
            "surveys",
            NavItem(
                _("Survey campaigns"),
                "campaign",
                admin_model_url("surveys", "campaign"),
                "surveys.view_campaign",
                20,
            ),
        )
        register_nav(
            "surveys",
            NavItem(
                _("Survey responses"),
                "fact_check",
                admin_model_url("surveys", "response"),
                "surveys.view_response",
                30,
            ),
        )
        register_nav(
            "surveys",
            NavItem(
                _("Sample size calculator"), "calculate", "surveys:sample_size", "surveys.view_campaign", 40
            ),
        )
        register_card(Card("surveys", 40, selectors.dashboard_card))
        register_export("survey-responses", selectors.export_all_responses, "surveys.view_response")
        register_import_command("responses", "import_responses")
        register_seeder(Seeder("surveys", 40, seed))
