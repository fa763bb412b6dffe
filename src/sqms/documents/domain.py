"""Pure rules of controlled documents and training: the version lifecycle, numbering, version numbers,
text diffs, review dates and training-matrix cells. No Django import; ``today`` is always passed in."""

from __future__ import annotations

import calendar
import difflib
import re
from dataclasses import dataclass
from datetime import date

DRAFT = "draft"
IN_REVIEW = "in_review"
APPROVED = "approved"
EFFECTIVE = "effective"
SUPERSEDED = "superseded"
OBSOLETE = "obsolete"

# The explicit state machine of a document version: state -> the states it may move to.
TRANSITIONS: dict[str, frozenset[str]] = {
    DRAFT: frozenset({IN_REVIEW, OBSOLETE}),
    IN_REVIEW: frozenset({DRAFT, APPROVED, OBSOLETE}),
    APPROVED: frozenset({EFFECTIVE, OBSOLETE}),
    EFFECTIVE: frozenset({SUPERSEDED, OBSOLETE}),
    SUPERSEDED: frozenset(),
    OBSOLETE: frozenset(),
}
EDITABLE = frozenset({DRAFT})
LIVE = frozenset({DRAFT, IN_REVIEW, APPROVED})

TYPE_PREFIX: dict[str, str] = {
    "quality_policy": "QP",
    "quality_manual": "QM",
    "procedure": "PR",
    "work_instruction": "WI",
    "form": "FM",
    "process_flowchart": "PF",
    "service_standard": "SS",
}

NUMBER_RE = re.compile(r"^([A-Z]{2})-(\d{3,})$")


class IllegalTransition(ValueError):
    def __init__(self, current: str, target: str):
        self.current, self.target = current, target
        super().__init__(f"{current} -> {target}")


def can_move(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def check_move(current: str, target: str) -> None:
    if not can_move(current, target):
        raise IllegalTransition(current, target)


def next_number(doc_type: str, existing: list[str]) -> str:
    """The next free number of a type: QP-001, PR-012 …; gaps are not reused."""
    prefix = TYPE_PREFIX[doc_type]
    highest = 0
    for number in existing:
        m = NUMBER_RE.match(number)
        if m and m.group(1) == prefix:
            highest = max(highest, int(m.group(2)))
    return f"{prefix}-{highest + 1:03d}"


def next_version(versions: list[tuple[int, int]], major: bool) -> tuple[int, int]:
    """A new version after ``versions`` (major.minor pairs): a major change gives (M+1).0, a minor M.(m+1);
    the first version is 1.0."""
    if not versions:
        return (1, 0)
    top = max(versions)
    return (top[0] + 1, 0) if major else (top[0], top[1] + 1)


def version_label(major: int, minor: int) -> str:
    return f"{major}.{minor}"


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year = day.year + month0 // 12
    month = month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def review_due(effective: date, interval_months: int) -> date:
    return add_months(effective, max(1, interval_months))


def review_reminder_due(next_review: date | None, today: date, lead_days: int = 30) -> bool:
    return next_review is not None and (next_review - today).days <= lead_days


@dataclass(frozen=True)
class DiffRow:
    kind: str  # "same" | "changed" | "added" | "removed"
    left_no: int | None
    left: str
    right_no: int | None
    right: str


def side_by_side(old: str, new: str) -> list[DiffRow]:
    """Line diff of two texts as rows for a two-column view."""
    a, b = old.splitlines(), new.splitlines()
    rows: list[DiffRow] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            rows += [
                DiffRow("same", i + 1, a[i], j + 1, b[j])
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            ]
        elif tag == "delete":
            rows += [DiffRow("removed", i + 1, a[i], None, "") for i in range(i1, i2)]
        elif tag == "insert":
            rows += [DiffRow("added", None, "", j + 1, b[j]) for j in range(j1, j2)]
        else:
            n = max(i2 - i1, j2 - j1)
            for k in range(n):
                i, j = i1 + k, j1 + k
                rows.append(
                    DiffRow(
                        "changed",
                        i + 1 if i < i2 else None,
                        a[i] if i < i2 else "",
                        j + 1 if j < j2 else None,
                        b[j] if j < j2 else "",
                    )
                )
    return rows


def unified(old: str, new: str, old_label: str, new_label: str) -> str:
    return "\n".join(
        difflib.unified_diff(
            old.splitlines(), new.splitlines(), fromfile=old_label, tofile=new_label, lineterm=""
        )
    )


# --- training -----------------------------------------------------------------------------------------

DONE = "done"
DUE = "due"
OVERDUE = "overdue"
EXPIRED = "expired"
NOT_REQUIRED = "none"


def cell_status(
    *,
    required: bool,
    completed: bool,
    due: date | None,
    certificate_expires: date | None,
    today: date,
) -> str:
    """One cell of the training matrix (a person × a course)."""
    if completed:
        if certificate_expires is not None and certificate_expires < today:
            return EXPIRED
        return DONE
    if not required:
        return NOT_REQUIRED
    if due is not None and due < today:
        return OVERDUE
    return DUE


def passed(score: float | None, pass_score: float) -> bool:
    return score is not None and score >= pass_score


def completion(total: int, done: int) -> float:
    return 0.0 if total <= 0 else round(100.0 * done / total, 1)
