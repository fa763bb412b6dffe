"""No message has two different translations in two catalogues.

Django merges every app's catalogue into one: for a msgid present in several, the first catalogue in its
search order wins everywhere, so "Open" translated as 打开 in one app and 未办结 in another would show one
app's words in the other's pages.  Where the meanings really differ, the source uses ``pgettext`` with a
context (which makes the keys different); where they are the same, the catalogues must agree.
"""

from __future__ import annotations

import gettext
from collections import defaultdict
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "sqms"


def catalogue(mo: Path) -> dict[object, str]:
    with mo.open("rb") as fh:
        return dict(gettext.GNUTranslations(fh)._catalog)  # type: ignore[attr-defined]


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_every_msgid_has_one_translation(language):
    seen: dict[object, dict[str, str]] = defaultdict(dict)
    for mo in sorted(SRC.glob(f"**/locale/{language}/LC_MESSAGES/django.mo")):
        where = str(mo.relative_to(SRC).parts[0])
        for key, text in catalogue(mo).items():
            if key and text:
                seen[key][where] = text
    clashes = {key: found for key, found in seen.items() if len(set(found.values())) > 1}
    listing = "\n".join(f"{key!r}: {found}" for key, found in sorted(clashes.items(), key=str))
    assert not clashes, f"{len(clashes)} msgids translated differently (use pgettext or agree):\n{listing}"
