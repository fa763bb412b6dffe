from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TextConfig(AppConfig):
    name = "sqms.text"
    label = "text"
    verbose_name = _("Text analytics")

    def ready(self) -> None:
        from sqms.core.demo import Seeder, register_seeder
        from sqms.core.navigation import NavItem, admin_model_url, register_nav
        from sqms.core.scoping import register_scoped
        from sqms.org.models import Role
        from sqms.org.roles import extend_role_permissions, register_app
        from sqms.text import demo, models

        register_scoped(models.TextRecord, path_field="org_unit__path")
        from sqms.core.ops.warmup import register_warm_up

        register_warm_up(_warm_up)  # segmenter dictionary and classifier, once in the gunicorn master
        register_app("text")
        extend_role_permissions(Role.QUALITY_MANAGER, {"text.*"})
        extend_role_permissions(
            Role.UNIT_MANAGER,
            {
                "text.view_textrecord",
                "text.view_trainedmodel",
                "text.view_term",
                "text.view_stopword",
            },
        )
        extend_role_permissions(Role.AUDITOR, {"text.view_*"})
        register_nav(
            "feedback",
            NavItem(_("Text analytics"), "insights", "text:analytics", "text.view_textrecord", 17),
        )
        register_nav(
            "feedback",
            NavItem(
                _("Complaint classifier"), "model_training", "text:classifier", "text.view_trainedmodel", 18
            ),
        )
        register_nav(
            "standards",
            NavItem(
                _("Domain dictionary"), "dictionary", admin_model_url("text", "term"), "text.view_term", 70
            ),
        )
        register_nav(
            "standards",
            NavItem(_("Stop words"), "block", admin_model_url("text", "stopword"), "text.view_stopword", 75),
        )
        register_seeder(Seeder("text", 45, demo.seed))  # after feedback (30) and surveys (40)
        self._register_classifier()

    def _register_classifier(self) -> None:
        """Plug the complaint classifier into the feedback app's classifier registry."""
        try:
            from sqms.feedback.classifiers import register_classifier
        except ImportError:  # an older feedback app without the registry: the API still classifies
            return
        from django.db.models import signals

        from sqms.feedback.confcache import classifier_changed
        from sqms.text.models import TrainedModel
        from sqms.text.services import classify

        register_classifier(classify, name="text.complaints")
        # the active model is cached with the feedback configuration: a new or changed model bumps its version
        signals.post_save.connect(classifier_changed, sender=TrainedModel, dispatch_uid="text_model_saved")
        signals.post_delete.connect(
            classifier_changed, sender=TrainedModel, dispatch_uid="text_model_deleted"
        )


def _warm_up() -> None:
    from sqms.text.services import warm_up  # imported only when the master warms up

    warm_up()
