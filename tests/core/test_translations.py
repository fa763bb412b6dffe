"""Every catalogue is complete in Chinese and its compiled .mo matches the .po."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "sqms"
CATALOGUES = sorted(SRC.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"))


def untranslated(po: Path) -> list[str]:
    text = po.read_text(encoding="utf-8")
    missing = []
    for block in text.split("\n\n")[1:]:  # the first block is the header
        if block.lstrip().startswith("#~") or "msgid" not in block:
            continue
        if "#, fuzzy" in block:
            missing.append(block)
            continue
        strs = re.findall(r'^msgstr(?:\[\d+\])? ((?:".*"\n?)+)', block + "\n", flags=re.M)
        if not strs or any("".join(re.findall(r'"(.*)"', s)) == "" for s in strs):
            missing.append(block)
    return missing


def test_there_are_catalogues():
    assert CATALOGUES, "no zh_Hans catalogue found"


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(SRC)))
def test_zh_hans_catalogue_is_complete(po):
    missing = untranslated(po)
    assert not missing, f"{len(missing)} untranslated entries in {po}, e.g.\n" + "\n\n".join(missing[:5])


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="Debian gettext (msgfmt) is not installed")
@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(SRC)))
def test_compiled_mo_is_current(po, tmp_path):
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} missing: run make messages"
    out = tmp_path / "x.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(out), str(po)], check=True)
    assert out.read_bytes() == mo.read_bytes(), f"{mo} is stale: run `sqms compilemessages`"
