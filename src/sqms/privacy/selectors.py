"""Reads of the privacy app (permission-checked; customers through org scoping)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from sqms.core.errors import NotFound
from sqms.core.scoping import scoped
from sqms.core.services import require_perm
from sqms.org.models import Customer
from sqms.privacy.models import AccessLog, PrivacyRequest

VIEW_LOG = "privacy.view_accesslog"
HANDLE = "privacy.add_privacyrequest"


def access_log(
    user: Any,
    *,
    username: str | None = None,
    customer: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AccessLog]:
    require_perm(user, VIEW_LOG)
    qs = AccessLog.objects.select_related("content_type")
    if username:
        qs = qs.filter(user_name=username)
    if customer:
        qs = qs.filter(customer_ids__contains=f",{int(customer)},")
    if date_from:
        qs = qs.filter(at__date__gte=date_from)
    if date_to:
        qs = qs.filter(at__date__lte=date_to)
    return qs


def customer(user: Any, customer_id: int) -> Customer:
    require_perm(user, HANDLE)
    obj = scoped(user, Customer.objects.all()).filter(pk=customer_id).first()
    if obj is None:
        raise NotFound()
    return obj


def requests(user: Any, customer_id: int | None = None) -> QuerySet[PrivacyRequest]:
    require_perm(user, HANDLE)
    qs = PrivacyRequest.objects.select_related("customer", "requested_by")
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    return qs


def request(user: Any, request_id: int) -> PrivacyRequest:
    obj = requests(user).filter(pk=request_id).first()
    if obj is None:
        raise NotFound()
    return obj
