from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "sqms.documents"
    label = "documents"
    verbose_name = _("Documents and training")

    def ready(self) -> None:
        from sqms.core.scoping import register_scoped
        from sqms.documents import models as m
        from sqms.documents import registry
        from sqms.org.models import Role
        from sqms.org.roles import extend_role_permissions, register_app

        register_scoped(m.Document, path_field="org_unit__path", owner_field="owner")
        register_scoped(
            m.DocumentVersion, path_field="document__org_unit__path", owner_field="document__owner"
        )
        register_scoped(m.Signature, path_field="version__document__org_unit__path", owner_field="signer")
        register_scoped(m.Acknowledgement, path_field="staff__org_unit__path", owner_field="staff__user")
        register_scoped(m.Competency, path_field=None)
        register_scoped(m.Course, path_field="org_unit__path")
        register_scoped(m.TrainingSession, path_field="org_unit__path")
        register_scoped(m.Attendance, path_field="staff__org_unit__path", owner_field="staff__user")
        register_scoped(m.Certificate, path_field="staff__org_unit__path", owner_field="staff__user")
        register_scoped(m.TrainingAssignment, path_field="staff__org_unit__path", owner_field="staff__user")
        register_scoped(m.CompetencyRecord, path_field="staff__org_unit__path", owner_field="staff__user")
        register_app("documents")
        extend_role_permissions(Role.QUALITY_MANAGER, {"documents.*"})
        extend_role_permissions(
            Role.UNIT_MANAGER,
            {
                "documents.view_*",
                "documents.add_document",
                "documents.change_document",
                "documents.add_documentversion",
                "documents.change_documentversion",
                "documents.review_documentversion",
                "documents.add_trainingsession",
                "documents.change_trainingsession",
                "documents.add_attendance",
                "documents.change_attendance",
                "documents.add_trainingassignment",
                "documents.add_competencyrecord",
                "documents.change_competencyrecord",
            },
        )
        extend_role_permissions(
            Role.FRONTLINE,
            {
                "documents.view_document",
                "documents.view_documentversion",
                "documents.view_trainingassignment",
                "documents.view_certificate",
                "documents.view_competencyrecord",
                "documents.view_acknowledgement",
            },
        )
        extend_role_permissions(Role.AUDITOR, {"documents.view_*"})
        registry.register_all()
