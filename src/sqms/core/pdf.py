"""The one CJK font every PDF uses (reports, audit reports, review minutes, document records).

The TrueType font at ``SQMS_PDF_FONT`` (Debian's fonts-wqy-microhei by default) is embedded, so a PDF shows
Chinese on any reader; when the file is missing or unusable, reportlab's built-in STSong-Light CID font is
used instead (the reader must supply glyphs) and a warning is logged once.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from django.conf import settings

log = logging.getLogger(__name__)

TRUETYPE_NAME = "SQMS-CJK"
CID_NAME = "STSong-Light"
_chosen: list[str] = []


def cjk_font() -> str:
    """Register (once per process) and return the name of a font that draws Chinese."""
    if _chosen:
        return _chosen[0]
    from reportlab.pdfbase import pdfmetrics

    path = str(getattr(settings, "SQMS_PDF_FONT", "") or "")
    name = CID_NAME
    if path and os.path.exists(path):
        try:
            from reportlab.pdfbase.ttfonts import TTFont

            kwargs: dict[str, Any] = {"subfontIndex": 0} if path.lower().endswith(".ttc") else {}
            pdfmetrics.registerFont(TTFont(TRUETYPE_NAME, path, **kwargs))
            name = TRUETYPE_NAME
        except Exception as exc:  # a broken or unsupported font file: fall back, and say so
            log.warning("PDF font %s unusable (%s); using %s", path, exc, CID_NAME)
    elif path:
        log.warning("PDF font %s not found; using %s (set SQMS_PDF_FONT)", path, CID_NAME)
    if name == CID_NAME:
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont

        pdfmetrics.registerFont(UnicodeCIDFont(CID_NAME))
    _chosen.append(name)
    return name
