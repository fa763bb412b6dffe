"""Ready-made SLA policies for regulatory rules (shipped as presets, editable in the app).

* Banking consumer complaints: handled within 15 natural days, extendable to 30 when the case is
  complex (an approved extension adds days up to the cap).  The period is the Civil Code's: the
  day of receipt does not count and the period ends at 24:00 of its last day.
* 好差评 (government service ratings): a bad review must be rectified within 5 working days.
* A generic business-hours ladder per priority, as a starting point for service desks.
"""

from __future__ import annotations

from typing import Final

from sqms.sla.clock import ClockPolicy, TargetSpec, Unit

__all__ = ["BANK_COMPLAINT", "HAOCHAPING_RECTIFICATION", "PRIORITY_BUSINESS_HOURS", "WAITING_STATUSES"]

#: Statuses that stop the clock by default (waiting on the customer).
WAITING_STATUSES: Final = frozenset({"waiting_customer"})

BANK_COMPLAINT: Final = ClockPolicy(
    targets=(
        TargetSpec("first_response", Unit.WORKING_DAYS, 1),
        TargetSpec("resolution", Unit.NATURAL_DAYS, 15, max_amount=30),
    ),
    pause_statuses=WAITING_STATUSES,
)

HAOCHAPING_RECTIFICATION: Final = ClockPolicy(
    targets=(TargetSpec("resolution", Unit.WORKING_DAYS, 5),),
    pause_statuses=frozenset(),
)

#: priority -> policy; hours of business time (first response, resolution) plus 3 natural days
#: for the customer to confirm.
PRIORITY_BUSINESS_HOURS: Final = {
    priority: ClockPolicy(
        targets=(
            TargetSpec("first_response", Unit.BUSINESS_HOURS, response),
            TargetSpec("resolution", Unit.BUSINESS_HOURS, resolution),
            TargetSpec("confirmation", Unit.NATURAL_DAYS, 3, pausable=False),
        ),
        pause_statuses=WAITING_STATUSES,
    )
    for priority, response, resolution in (("P1", 0.5, 4), ("P2", 1, 8), ("P3", 4, 24), ("P4", 8, 40))
}
