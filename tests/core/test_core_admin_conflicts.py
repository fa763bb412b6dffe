"""Optimistic locking in the back office: two people save the same record — one wins, the other gets a
clear conflict message and keeps his input (core.admin_versions). The last test walks every register."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.template import loader
from django.test import RequestFactory
from django.urls import reverse

from sqms.core.admin_versions import VERSION_FIELD, OptimisticLockAdmin
from sqms.core.services import update_record
from sqms.org.models import OrgUnit

pytestmark = pytest.mark.django_db


class _FormFields(HTMLParser):
    """The values a browser would submit from the form with ``form_id``."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("id") == self.form_id
            return
        if not self.inside or ("name" not in a and tag != "option"):
            return
        name = a.get("name", "")
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.setdefault(name, []).append(a.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select":
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value", ""))
        elif tag == "textarea":
            self._textarea = name
            self.data[name] = [""]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea][0] += data


def form_data(html: str, form_id: str) -> dict[str, Any]:
    parser = _FormFields(form_id)
    parser.feed(html)
    return {k: (v if len(v) != 1 else v[0]) for k, v in parser.data.items()}


def _english(client: Any) -> Any:
    client.cookies["django_language"] = "en"
    return client


def _open(client: Any, url: str, form_id: str) -> dict[str, Any]:
    page = client.get(url)
    assert page.status_code == 200
    data = form_data(page.content.decode(), form_id)
    assert VERSION_FIELD in data, "the change page must carry the record's version"
    return data


def test_second_save_gets_a_conflict_and_keeps_its_input(org: Any, client_for: Any) -> None:
    unit = org.branch_a
    url = reverse("admin:org_orgunit_change", args=[unit.pk])
    mine = _english(client_for(org.admin))
    data = _open(mine, url, "orgunit_form")

    # meanwhile the quality manager renames the unit
    update_record(OrgUnit.objects.get(pk=unit.pk), actor=org.quality, changes={"name": "甲分公司（新）"})

    data["name"] = "我的改名"
    answer = mine.post(url, data)
    assert answer.status_code == 200  # the form again, not a redirect
    body = answer.content.decode()
    assert "Quality" in body and "after you opened it" in body
    assert "我的改名" in body  # nothing the user typed is lost
    assert OrgUnit.objects.get(pk=unit.pk).name == "甲分公司（新）"  # the first save stands

    # saving again from the re-shown page overwrites knowingly
    again = form_data(body, "orgunit_form")
    assert again["name"] == "我的改名" and again[VERSION_FIELD] != data[VERSION_FIELD]
    assert mine.post(url, again).status_code == 302
    assert OrgUnit.objects.get(pk=unit.pk).name == "我的改名"


def test_unchanged_record_saves_normally_and_old_version_is_refused_after(org: Any, client_for: Any) -> None:
    url = reverse("admin:org_orgunit_change", args=[org.branch_b.pk])
    first, second = _english(client_for(org.admin)), _english(client_for(org.quality))
    a = _open(first, url, "orgunit_form")
    b = _open(second, url, "orgunit_form")
    a["name"] = "乙一"
    assert first.post(url, a).status_code == 302
    b["name"] = "乙二"
    refused = second.post(url, b)
    assert refused.status_code == 200 and "after you opened it" in refused.content.decode()
    assert OrgUnit.objects.get(pk=org.branch_b.pk).name == "乙一"


def test_models_without_updated_at_are_protected_too(org: Any, client_for: Any) -> None:
    group = Group.objects.create(name="reviewers")
    url = reverse("admin:auth_group_change", args=[group.pk])
    mine = _english(client_for(org.admin))
    data = _open(mine, url, "group_form")
    Group.objects.filter(pk=group.pk).update(name="reviewers-2")
    data["name"] = "mine"
    answer = mine.post(url, data)
    assert answer.status_code == 200 and "after you opened it" in answer.content.decode()
    assert Group.objects.get(pk=group.pk).name == "reviewers-2"


def test_conflict_message_in_chinese(org: Any, client_for: Any) -> None:
    url = reverse("admin:org_orgunit_change", args=[org.team_a.pk])
    mine = client_for(org.admin)
    mine.cookies["django_language"] = "zh-hans"
    data = _open(mine, url, "orgunit_form")
    update_record(OrgUnit.objects.get(pk=org.team_a.pk), actor=org.quality, changes={"name": "改过"})
    data["name"] = "又改"
    body = mine.post(url, data, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "在您打开之后" in body


# Registers that cannot be edited from the back office, with the reason.
READ_ONLY = {
    "core.auditentry": "the audit trail is append-only",
    "core.notification": "notifications are only marked read from the inbox",
    "core.apitoken": "tokens are revoked, never edited",
    "privacy.accesslog": "the log of unmasked views is append-only",
    "privacy.privacyrequest": "data-subject requests are records of what was done",
}
# Editable registers that are not ours, with the reason they are left as the library ships them.
EXEMPT = {
    "axes.accessattempt": "login lock-out records written by django-axes; its admin shows every field read-only",
    "axes.accesslog": "login records written by django-axes; its admin shows every field read-only",
    "axes.accessfailurelog": "login failure records written by django-axes; its admin shows every field read-only",
    "otp_totp.totpdevice": "TOTP devices are enrolled and deleted, not co-edited; django-otp's own admin",
}


def _extends_chain(name: str) -> list[str]:
    chain = [name]
    while True:
        source = loader.get_template(chain[-1]).template.source
        m = re.search(r"{%\s*extends\s+[\"']([^\"']+)[\"']", source)
        if not m or m.group(1) in chain:
            return chain
        chain.append(m.group(1))


def test_every_editable_register_is_version_checked(org: Any) -> None:
    request = RequestFactory().get("/admin/")
    request.user = org.admin
    missing = []
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        if isinstance(model_admin, OptimisticLockAdmin):
            template = model_admin.change_form_template
            assert template, label
            assert "sqms/change_form_versioned.html" in _extends_chain(template), (label, template)
            form = model_admin.get_form(request, model(), change=True)
            assert hasattr(form, "clean") and "VersionCheckedForm" in [c.__name__ for c in form.__mro__], (
                label
            )
        elif label in READ_ONLY:
            assert not model_admin.has_change_permission(request), f"{label} is listed read-only but editable"
        elif label not in EXEMPT:
            missing.append(label)
    assert not missing, f"registers without optimistic locking: {missing}"
