"""Pure rules: the state machine, numbering, versions, review dates, diff, matrix cells."""

from __future__ import annotations

from datetime import date

import pytest

from sqms.documents import domain


def test_state_machine_allows_only_the_lifecycle() -> None:
    assert domain.can_move("draft", "in_review")
    assert domain.can_move("in_review", "approved")
    assert domain.can_move("approved", "effective")
    assert domain.can_move("effective", "superseded")
    assert not domain.can_move("draft", "approved")
    assert not domain.can_move("draft", "effective")
    assert not domain.can_move("superseded", "effective")
    assert not domain.can_move("obsolete", "draft")
    with pytest.raises(domain.IllegalTransition):
        domain.check_move("in_review", "effective")


def test_numbering_by_type() -> None:
    assert domain.next_number("quality_policy", []) == "QP-001"
    assert domain.next_number("procedure", ["PR-001", "PR-011", "WI-040", "junk"]) == "PR-012"
    assert domain.next_number("work_instruction", ["PR-001", "WI-040"]) == "WI-041"


def test_version_numbers() -> None:
    assert domain.next_version([], major=False) == (1, 0)
    assert domain.next_version([(1, 0), (1, 1)], major=False) == (1, 2)
    assert domain.next_version([(1, 0), (1, 1)], major=True) == (2, 0)


def test_review_dates() -> None:
    assert domain.review_due(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert domain.review_due(date(2026, 3, 1), 12) == date(2027, 3, 1)
    assert domain.review_reminder_due(date(2026, 2, 1), date(2026, 1, 10))
    assert not domain.review_reminder_due(date(2026, 6, 1), date(2026, 1, 10))


def test_side_by_side_diff() -> None:
    rows = domain.side_by_side("a\nb\nc\n", "a\nB\nc\nd\n")
    kinds = [r.kind for r in rows]
    assert kinds == ["same", "changed", "same", "added"]
    assert rows[1].left == "b" and rows[1].right == "B"
    assert "+B" in domain.unified("a\nb\n", "a\nB\n", "v1.0", "v1.1")


def test_matrix_cells() -> None:
    today = date(2026, 5, 1)
    assert (
        domain.cell_status(
            required=True, completed=False, due=date(2026, 4, 1), certificate_expires=None, today=today
        )
        == "overdue"
    )
    assert (
        domain.cell_status(
            required=True, completed=False, due=date(2026, 6, 1), certificate_expires=None, today=today
        )
        == "due"
    )
    assert (
        domain.cell_status(
            required=True, completed=True, due=None, certificate_expires=date(2026, 1, 1), today=today
        )
        == "expired"
    )
    assert (
        domain.cell_status(required=True, completed=True, due=None, certificate_expires=None, today=today)
        == "done"
    )
    assert domain.completion(4, 1) == 25.0 and domain.completion(0, 0) == 0.0
