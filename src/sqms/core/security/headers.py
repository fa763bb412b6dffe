"""Security headers: the Content Security Policy (django-csp) with a strict policy for public pages and
the API, and a back-office policy that lets unfold work.

* Public pages (``SQMS_PUBLIC_PATHS``) and the API: scripts only from our origin plus the SHA-256 hashes
  of the inline ``<script>`` blocks in our templates that contain no template variables (computed once
  from the template files, never from a response, so an injected script is never allowed).
* Back office: unfold's Alpine.js evaluates its expressions (``'unsafe-eval'``) and some pages still carry
  inline scripts with template data (listed by :func:`dynamic_inline_templates`), so ``'unsafe-inline'``
  is enforced there; the strict policy is sent alongside as ``Content-Security-Policy-Report-Only`` so
  that violations surface in the browser console while those pages are converted.

Both also get ``object-src 'none'``, ``frame-ancestors 'none'``, ``base-uri 'self'`` and
``form-action 'self'``; X-Frame-Options, nosniff, the referrer policy, HSTS and secure cookies come from
Django's settings (production mode).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from pathlib import Path
from typing import Any

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

_INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)
DEFAULT_PUBLIC_PATHS = ("/s/", "/complaints/", "/transparency/", "/api/")


def _template_dirs() -> list[Path]:
    from django.apps import apps

    dirs = [Path(d) for t in settings.TEMPLATES for d in t.get("DIRS", [])]
    dirs += [Path(c.path) / "templates" for c in apps.get_app_configs()]
    return [d for d in dirs if d.is_dir()]


@functools.cache
def _scan() -> tuple[tuple[str, ...], tuple[str, ...]]:
    hashes: set[str] = set()
    dynamic: set[str] = set()
    for base in _template_dirs():
        for path in base.rglob("*.html"):
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            for body in _INLINE.findall(text):
                if "{{" in body or "{%" in body:
                    dynamic.add(str(path.relative_to(base)))
                    continue
                digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
                hashes.add(f"'sha256-{digest}'")
    return tuple(sorted(hashes)), tuple(sorted(dynamic))


def static_inline_hashes() -> tuple[str, ...]:
    return _scan()[0]


def dynamic_inline_templates() -> tuple[str, ...]:
    """Templates whose inline scripts contain template data (to be moved to json_script + static code)."""
    return _scan()[1]


def is_public(path: str) -> bool:
    return path.startswith(tuple(getattr(settings, "SQMS_PUBLIC_PATHS", DEFAULT_PUBLIC_PATHS)))


def strict_scripts() -> list[str]:
    return ["'self'", *static_inline_hashes()]


class SqmsCSPMiddleware(CSPMiddleware):
    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        base: dict[str, Any] = dict(settings.CONTENT_SECURITY_POLICY.get("DIRECTIVES", {}))
        public = is_public(request.path)
        if report_only:
            if public:
                return PolicyParts()
            parts.config = {**base, "script-src": [*strict_scripts(), "'unsafe-eval'"], **_framing(response)}
            return parts
        script_src = strict_scripts() if public else ["'self'", "'unsafe-inline'", "'unsafe-eval'"]
        parts.config = {**base, "script-src": script_src, **_framing(response)}
        return parts

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        response = super().process_response(request, response)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
        )
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


def _framing(response: HttpResponseBase) -> dict[str, Any]:
    """frame-ancestors follows the view's X-Frame-Options choice (a page meant to be framed by our own
    pages says SAMEORIGIN via Django's xframe_options_sameorigin; exempt pages get no restriction)."""
    if getattr(response, "xframe_options_exempt", False):
        return {"frame-ancestors": None}
    if response.get("X-Frame-Options", "").upper() == "SAMEORIGIN":
        return {"frame-ancestors": ["'self'"]}
    return {}
