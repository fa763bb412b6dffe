"""The six shipped roles as Django groups, with permissions given by patterns that apps extend.

Each app calls :func:`extend_role_permissions` in its ``ready()``; :func:`sync_roles` (run after every
migrate) resolves the patterns against the permission table, so a new model's permissions reach the
roles without a data migration.
"""

from __future__ import annotations

from fnmatch import fnmatch

from django.contrib.auth.models import Group, Permission

from sqms.org.models import Role

SQMS_APPS: set[str] = {"core", "org"}

ROLE_PATTERNS: dict[str, set[str]] = {
    Role.SYSTEM_ADMIN: {"*.*", "auth.*"},
    Role.QUALITY_MANAGER: {
        "org.*",
        "core.view_auditentry",
        "core.add_apitoken",
        "core.change_apitoken",
        "core.view_apitoken",
    },
    Role.UNIT_MANAGER: {
        "org.view_*",
        "org.add_staff",
        "org.change_staff",
        "org.add_customer",
        "org.change_customer",
        "org.view_personal_data",
        "core.view_auditentry",
    },
    Role.FRONTLINE: {
        "org.view_orgunit",
        "org.view_staff",
        "org.view_customer",
        "org.add_customer",
        "org.change_customer",
        "org.view_process",
        "org.view_responsibility",
    },
    Role.AUDITOR: {
        "org.view_orgunit",
        "org.view_staff",
        "org.view_customer",
        "org.view_process",
        "org.view_responsibility",
        "core.view_auditentry",
    },
    Role.EXECUTIVE: {"*.view_*", "core.view_auditentry"},
}
# Executives and auditors read; nobody but the quality team and unit managers sees personal data by default.
EXCLUDE: dict[str, set[str]] = {
    Role.EXECUTIVE: {"org.view_personal_data"},
    Role.AUDITOR: {"org.view_personal_data"},
}


def group_name(role: str) -> str:
    return f"sqms:{role}"


def register_app(app_label: str) -> None:
    SQMS_APPS.add(app_label)


def extend_role_permissions(role: str, patterns: set[str] | list[str]) -> None:
    ROLE_PATTERNS.setdefault(role, set()).update(patterns)


def _matches(label: str, patterns: set[str]) -> bool:
    app = label.split(".", 1)[0]
    for p in patterns:
        if p.split(".", 1)[0] == "*" and app not in SQMS_APPS:
            continue
        if fnmatch(label, p):
            return True
    return False


def sync_roles() -> dict[str, int]:
    perms = list(Permission.objects.select_related("content_type"))
    counts = {}
    for role in Role.values:
        group, _created = Group.objects.get_or_create(name=group_name(role))
        patterns = ROLE_PATTERNS.get(role, set())
        excluded = EXCLUDE.get(role, set())
        chosen = []
        for perm in perms:
            label = f"{perm.content_type.app_label}.{perm.codename}"
            if _matches(label, patterns) and not _matches(label, excluded):
                chosen.append(perm)
        group.permissions.set(chosen)
        counts[role] = len(chosen)
    return counts
