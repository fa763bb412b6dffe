"""Platform tasks. Each takes ids, re-fetches, and is safe to run twice."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.utils import timezone
from huey.contrib.djhuey import db_task
from huey.exceptions import RetryTask

from sqms.core.models import Notification

EMAIL_LEASE_SECONDS = 300


def notification_message_id(notification_id: int) -> str:
    """The same Message-ID on every attempt: a copy re-sent after a crash is recognised as the same mail."""
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or "sqms.local"
    return f"<sqms-notification-{notification_id}@{domain}>"


@db_task(retries=3, retry_delay=60)
def send_notification_email(notification_id: int) -> bool:
    """Send the e-mail copy of a notification once.

    A lease in the shared cache (Redis in production) keeps two consumers from sending it at the same time;
    ``emailed_at`` is set only after the mail server accepted the message, so a consumer killed before that
    point (the task is put back on the queue by sqms.core.ops.queue) sends it on the next run instead of
    losing it.  The one remaining window — killed after the server accepted but before ``emailed_at`` was
    written — re-sends with the same Message-ID, which mail systems treat as one message.
    """
    lease = f"sqms:notification-email:{notification_id}"
    if not cache.add(lease, os.getpid(), timeout=EMAIL_LEASE_SECONDS):
        raise RetryTask(delay=EMAIL_LEASE_SECONDS // 5)  # another consumer is sending it (or died doing so)
    try:
        n = (
            Notification.objects.select_related("recipient")
            .filter(pk=notification_id, email=True, emailed_at__isnull=True)
            .first()
        )
        if n is None:
            return False
        EmailMessage(
            f"[SQMS] {n.title}",
            f"{n.body}\n\n{n.url}".strip(),
            settings.DEFAULT_FROM_EMAIL,
            [n.recipient.email],
            headers={"Message-ID": notification_message_id(n.pk)},
        ).send()
        Notification.objects.filter(pk=n.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())
        return True
    finally:
        cache.delete(lease)
