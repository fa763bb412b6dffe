"""Platform tasks. Each takes ids, re-fetches, and is safe to run twice."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from huey.contrib.djhuey import db_task

from sqms.core.models import Notification


@db_task(retries=3, retry_delay=60)
def send_notification_email(notification_id: int) -> bool:
    """Send the e-mail copy of a notification once: the row is claimed before sending."""
    with transaction.atomic():
        claimed = Notification.objects.filter(pk=notification_id, email=True, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
    if not claimed:
        return False
    n = Notification.objects.select_related("recipient").get(pk=notification_id)
    try:
        send_mail(
            f"[SQMS] {n.title}",
            f"{n.body}\n\n{n.url}".strip(),
            settings.DEFAULT_FROM_EMAIL,
            [n.recipient.email],
        )
    except Exception:
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)  # let the retry send it
        raise
    return True
