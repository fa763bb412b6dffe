"""SPSS ``.sav`` export of a campaign's responses (wide: one case per response), written with pyreadstat.

What an analyst gets in SPSS
    * **Variables**: the response's metadata (id, submission time, unit code, channel, source, duration,
      inclusion and cleaning flags), then one variable per numeric item (Likert, star, NPS, single choice,
      number, each matrix row), one 0/1 variable per option of a multiple-choice question
      (``<code>_<option value>``) and one string variable per text question.
    * **Variable labels**: the question wording in the user's language (matrix rows: "question: row").
    * **Value labels**: the answer options (the Likert labels 非常不满意 … 非常满意, the choices), 0/1 for
      inclusion and multiple-choice options.
    * **Missing values**: an unanswered numeric question is stored as −1 and declared *user-missing*
      (value label "No answer"), so SPSS reports it as missing and the reason is kept; text left empty is
      an empty string.

SPSS variable names must start with a letter and use letters, digits and ``_ . @ # $`` (at most 64
bytes); question codes are mapped to such names (and made unique) and the original code is kept in the
variable label when they differ.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from sqms.surveys import domain
from sqms.surveys.models import Response, SurveyVersion

NO_ANSWER = -1
_NUMERIC = ("likert", "nps", "stars", "single", "number")


def spss_name(code: str, taken: set[str]) -> str:
    """A valid, unique SPSS variable name for ``code``."""
    name = re.sub(r"[^A-Za-z0-9_.@#$]", "_", code) or "v"
    if not name[0].isalpha():
        name = "v" + name
    name = name.rstrip(".")[:60]
    base, i = name, 1
    while name.lower() in taken:
        i += 1
        name = f"{base}_{i}"
    taken.add(name.lower())
    return name


def _text(obj: Mapping[str, Any], key: str, lang: str) -> str:
    if lang.startswith("en") and obj.get(f"{key}_en"):
        return str(obj[f"{key}_en"])
    return str(obj.get(key, ""))


def _value_labels(q: Mapping[str, Any], lang: str) -> dict[float, str]:
    labels: dict[float, str] = {}
    for o in domain.options_of(q):
        v = o.get("value")
        if isinstance(v, int | float) and not isinstance(v, bool):
            labels[float(v)] = _text(o, "label", lang)
    return labels


def write_sav(version: SurveyVersion, rows: Iterable[Response], *, lang: str, file_label: str = "") -> bytes:
    """The ``.sav`` file (bytes) of ``rows`` (responses of ``version``)."""
    import pandas as pd
    import pyreadstat

    taken: set[str] = set()
    meta = ["response_id", "submitted_at", "org_unit", "channel", "source", "duration_s", "included", "flags"]
    for m in meta:
        taken.add(m)
    col_labels: dict[str, str] = {
        "response_id": _("Response ID"),
        "submitted_at": _("Submitted at"),
        "org_unit": _("Org unit code"),
        "channel": _("Channel"),
        "source": _("Source"),
        "duration_s": _("Duration (s)"),
        "included": _("Included in analysis"),
        "flags": _("Cleaning flags"),
    }
    yes_no = {0.0: pgettext("spss value label", "No"), 1.0: pgettext("spss value label", "Yes")}
    value_labels: dict[str, dict[float, str]] = {"included": yes_no}
    measure: dict[str, str] = {"included": "nominal", "duration_s": "scale"}
    missing: dict[str, list[Any]] = {}
    no_answer = _("No answer")
    # (variable, kind, answer key, option value) — kind: num, multi, text
    plan: list[tuple[str, str, str, Any]] = []
    for q in domain.questions(version.definition):
        qtext = _text(q, "text", lang)
        if q["type"] == "matrix":
            labels = _value_labels(q, lang)
            for r in q.get("rows", []):
                key = f"{q['code']}_{r['code']}"
                var = spss_name(key, taken)
                plan.append((var, "num", key, None))
                col_labels[var] = f"{qtext}: {_text(r, 'text', lang)}"
                value_labels[var] = {**labels, float(NO_ANSWER): no_answer}
                measure[var] = "ordinal"
                missing[var] = [NO_ANSWER]
        elif q["type"] in _NUMERIC:
            var = spss_name(q["code"], taken)
            plan.append((var, "num", q["code"], None))
            col_labels[var] = qtext if var == q["code"] else f"[{q['code']}] {qtext}"
            labels = _value_labels(q, lang) if q["type"] != "number" else {}
            value_labels[var] = {**labels, float(NO_ANSWER): no_answer}
            measure[var] = {"likert": "ordinal", "stars": "ordinal", "single": "nominal"}.get(
                q["type"], "scale"
            )
            missing[var] = [NO_ANSWER]
        elif q["type"] == "multiple":
            for o in domain.options_of(q):
                var = spss_name(f"{q['code']}_{o['value']}", taken)
                plan.append((var, "multi", q["code"], o["value"]))
                col_labels[var] = f"{qtext}: {_text(o, 'label', lang)}"
                value_labels[var] = {0.0: _("Not chosen"), 1.0: _("Chosen"), float(NO_ANSWER): no_answer}
                measure[var] = "nominal"
                missing[var] = [NO_ANSWER]
        else:
            var = spss_name(q["code"], taken)
            plan.append((var, "text", q["code"], None))
            col_labels[var] = qtext

    data: dict[str, list[Any]] = {m: [] for m in meta}
    for var, *_rest in plan:
        data[var] = []
    for r in rows:
        data["response_id"].append(r.pk)
        data["submitted_at"].append(timezone.localtime(r.submitted_at).replace(tzinfo=None))
        data["org_unit"].append(r.org_unit.code)
        data["channel"].append(r.channel)
        data["source"].append(r.source)
        data["duration_s"].append(r.duration_s)
        data["included"].append(int(r.included))
        data["flags"].append(";".join(sorted({x["rule"] for x in r.flags or []})))
        for var, kind, key, opt in plan:
            v = r.answers.get(key)
            if kind == "text":
                data[var].append("" if v is None else str(v))
            elif kind == "multi":
                chosen = v if isinstance(v, list) else ([] if v is None else [v])
                data[var].append(NO_ANSWER if v is None else int(str(opt) in {str(c) for c in chosen}))
            else:
                try:
                    data[var].append(NO_ANSWER if v is None or v == "" else float(v))
                except (TypeError, ValueError):
                    data[var].append(NO_ANSWER)
    frame = pd.DataFrame(data)
    for var, kind, _key, _opt in plan:
        if kind != "text":
            frame[var] = frame[var].astype("float64")
    frame["duration_s"] = frame["duration_s"].astype("float64")
    fd, path = tempfile.mkstemp(suffix=".sav")
    os.close(fd)
    try:
        pyreadstat.write_sav(
            frame,
            path,
            file_label=file_label[:64],
            column_labels=col_labels,
            variable_value_labels=value_labels,
            missing_ranges=missing,
            variable_measure=measure,
        )
        with open(path, "rb") as fh:
            return fh.read()
    finally:
        os.unlink(path)
