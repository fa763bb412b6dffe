from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "sqms.people"
    label = "people"
    verbose_name = _("Scorecards, rewards and penalties")

    def ready(self) -> None:
        from sqms.core.dashboard import Card, register_card
        from sqms.core.demo import Seeder, register_seeder
        from sqms.core.navigation import NavItem, admin_model_url, register_nav
        from sqms.core.scoping import register_scoped
        from sqms.org.models import Role
        from sqms.org.roles import extend_role_permissions, register_app
        from sqms.people import demo, models, selectors

        # Rules and periods for a parent unit cover the units below: their reads go through
        # people.selectors (rules/periods), which also show ancestors' records.
        register_scoped(models.Rule, path_field="org_unit__path")
        register_scoped(models.Period, path_field="org_unit__path")
        register_scoped(models.Scorecard, path_field="org_unit__path", owner_field="staff__user")
        register_scoped(models.PointEntry, path_field="org_unit__path", owner_field="staff__user")
        register_scoped(models.PointAppeal, path_field="entry__org_unit__path", owner_field="appellant")
        register_app("people")
        extend_role_permissions(Role.QUALITY_MANAGER, {"people.*"})
        reader = {
            "people.view_rule",
            "people.view_period",
            "people.view_scorecard",
            "people.view_pointentry",
            "people.view_pointappeal",
        }
        extend_role_permissions(
            Role.UNIT_MANAGER, reader | {"people.approve_pointentry", "people.decide_pointappeal"}
        )
        extend_role_permissions(Role.FRONTLINE, reader | {"people.add_pointappeal"})
        extend_role_permissions(Role.AUDITOR, reader)
        extend_role_permissions(Role.EXECUTIVE, reader)
        register_nav(
            "documents",
            NavItem(
                _("Scorecards and points"), "military_tech", "people:scorecards", "people.view_pointentry", 60
            ),
        )
        register_nav(
            "documents",
            NavItem(_("Leaderboard"), "leaderboard", "people:leaderboard", "people.view_pointentry", 61),
        )
        register_nav(
            "documents",
            NavItem(_("Point rules"), "rule", admin_model_url("people", "rule"), "people.view_rule", 62),
        )
        register_nav(
            "documents",
            NavItem(
                _("Points appeals"),
                "gavel",
                admin_model_url("people", "pointappeal"),
                "people.view_pointappeal",
                63,
            ),
        )
        register_card(Card("people", 70, selectors.dashboard_card))
        register_seeder(Seeder("scorecards", 96, demo.seed))
