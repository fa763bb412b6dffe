"""Pure SLA engine: business calendars, business-time arithmetic and the SLA clock.

Nothing here imports Django (an import-linter contract enforces it); the Django app maps its
models to these immutable dataclasses and calls the functions re-exported below.
"""

from sqms.sla.arithmetic import (
    add_business_minutes,
    add_business_seconds,
    add_natural_days,
    add_working_days,
    business_minutes_between,
    business_seconds_between,
    is_working_time,
)
from sqms.sla.calendar import CN_WINDOWS, BusinessCalendar, cn_known_years, cn_preset, hm, windows
from sqms.sla.clock import (
    ClockPolicy,
    Created,
    Event,
    ExtensionApproved,
    Milestone,
    OnReopen,
    PolicyChanged,
    Reopened,
    State,
    StatusChanged,
    TargetSpec,
    TargetStatus,
    TicketClock,
    Unit,
    compute_many,
    compute_ticket,
    runs_for,
    threshold_time,
)

__all__ = [
    "CN_WINDOWS",
    "BusinessCalendar",
    "ClockPolicy",
    "Created",
    "Event",
    "ExtensionApproved",
    "Milestone",
    "OnReopen",
    "PolicyChanged",
    "Reopened",
    "State",
    "StatusChanged",
    "TargetSpec",
    "TargetStatus",
    "TicketClock",
    "Unit",
    "add_business_minutes",
    "add_business_seconds",
    "add_natural_days",
    "add_working_days",
    "business_minutes_between",
    "business_seconds_between",
    "cn_known_years",
    "cn_preset",
    "compute_many",
    "compute_ticket",
    "hm",
    "is_working_time",
    "runs_for",
    "threshold_time",
    "windows",
]
