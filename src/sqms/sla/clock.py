"""The SLA clock: from a ticket's event log and ``now`` to the state of each target.

The clock is a pure function of ``(calendar, events, now)`` — no database, no wall clock, no
randomness — so the same events always give the same answer, a changed calendar is applied by
simply recomputing, and the periodic sweep, the ticket page and the reports cannot disagree.

Model
-----
A ticket carries a :class:`ClockPolicy` (from its SLA policy and priority): a set of
:class:`TargetSpec` (first response, resolution, optional customer confirmation, ...) and the
statuses that pause the clock.  Each target is measured on a *metric*:

* ``business_hours`` and ``working_days`` targets count **business seconds** (working windows of
  the calendar only).  A working-days target is turned into a business-time budget when it
  starts: the business time from the start to the end of the n-th working day (see
  :mod:`sqms.sla.arithmetic`).  Measuring both on business time is what makes "a pause pushes
  the due time out by the business time paused" hold for both.
* ``natural_days`` targets count **wall-clock seconds**: the budget runs from the start to local
  24:00 of the n-th day, and a pause pushes the due time out by the *wall-clock* duration of the
  pause (regulators stop a natural-day period while waiting on the customer, and resume it with
  the days left).  Elapsed, remaining and paused figures of such a target are wall-clock seconds.

Event semantics (the conventions the app relies on)
---------------------------------------------------
* :class:`Created` starts every target whose ``starts_on`` is ``"created"``.
* :class:`StatusChanged` into a pause status stops the counting of every running *pausable*
  target; leaving it resumes them.  Paused time is reported per target.
* :class:`Milestone` (``"responded"``, ``"resolved"``, ``"confirmed"`` or any custom name) fulfils
  targets whose ``stops_on`` matches and starts pending targets whose ``starts_on`` matches (the
  confirmation target starts on ``"resolved"``).  Only the first fulfilment counts.
* :class:`Reopened` applies each target's ``on_reopen``: ``keep`` (first response), ``resume``
  (resolution: the clock goes on with the time already used; the time between resolution and
  reopening is not counted), ``restart`` (confirmation: back to pending until the next start).
* :class:`ExtensionApproved` adds ``amount`` in the target's own unit (hours or days), capped by
  ``max_amount`` (e.g. a bank complaint: 15 natural days, extendable to 30).  An extension
  approved after the target was breached or fulfilled is ignored and counted in
  ``ignored_extensions``: an approval cannot erase a breach that already happened.
* :class:`PolicyChanged` (priority or policy change) replaces the pause statuses and the targets.
  A replaced target keeps its start, used time and extensions and is re-measured against the new
  amount *from its original start* (raising the priority can make a ticket overdue at once: then
  ``due`` and ``breached_at`` are the time of the change, since the new deadline was never in
  force before it).  A target new to the ticket is measured from its start milestone with the
  status pauses since then deducted.  Targets not in the new policy disappear; already met or
  breached results never change.
* Met means fulfilled at or before the due instant; a target fulfilled late stays ``breached``
  (with ``fulfilled_at`` set).  ``breached_at`` is the due instant that was missed.
* Events are applied in time order; events at the same instant keep their given order.  Events
  after ``now`` are ignored; events dated before :class:`Created` count as happening at it
  (clock skew between app servers must not crash a sweep).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final, NamedTuple

from sqms.sla.arithmetic import from_ts, natural_days_end_ts, to_ts, working_days_ts
from sqms.sla.calendar import BusinessCalendar, Timeline

__all__ = [
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
    "compute_many",
    "compute_ticket",
    "runs_for",
    "threshold_time",
]


class Unit(StrEnum):
    """How a target's amount is expressed."""

    BUSINESS_HOURS = "business_hours"
    WORKING_DAYS = "working_days"
    NATURAL_DAYS = "natural_days"


class State(StrEnum):
    """State of one target at ``now``."""

    PENDING = "pending"  # its start milestone has not happened (e.g. confirmation before resolution)
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"


class OnReopen(StrEnum):
    """What a reopen does to a target (see module docstring)."""

    KEEP = "keep"
    RESUME = "resume"
    RESTART = "restart"


#: Defaults for the three standard targets: (starts_on, stops_on, on_reopen).
STANDARD_TARGETS: Final[Mapping[str, tuple[str, str, OnReopen]]] = {
    "first_response": ("created", "responded", OnReopen.KEEP),
    "resolution": ("created", "resolved", OnReopen.RESUME),
    "confirmation": ("resolved", "confirmed", OnReopen.RESTART),
}


@dataclass(frozen=True, slots=True)
class TargetSpec:
    """One SLA target.  ``starts_on``/``stops_on``/``on_reopen`` default by ``name``.

    ``amount`` is in ``unit``: hours (fractions allowed) or whole days.  ``max_amount`` caps
    amount plus approved extensions.  ``extend_past_holidays`` applies to natural-day targets
    whose last day falls on a day off (Civil Code art. 203).
    """

    name: str
    unit: Unit
    amount: float
    starts_on: str = ""
    stops_on: str = ""
    on_reopen: OnReopen | None = None
    pausable: bool = True
    max_amount: float | None = None
    extend_past_holidays: bool = False

    def __post_init__(self) -> None:
        starts, stops, reopen = STANDARD_TARGETS.get(self.name, ("created", self.name, OnReopen.KEEP))
        if not self.starts_on:
            object.__setattr__(self, "starts_on", starts)
        if not self.stops_on:
            object.__setattr__(self, "stops_on", stops)
        if self.on_reopen is None:
            object.__setattr__(self, "on_reopen", reopen)
        object.__setattr__(self, "unit", Unit(self.unit))
        if self.amount < 0:
            raise ValueError(f"target {self.name}: amount must not be negative")
        if self.unit is not Unit.BUSINESS_HOURS and self.amount != int(self.amount):
            raise ValueError(f"target {self.name}: {self.unit} needs a whole number of days")


@dataclass(frozen=True, slots=True)
class ClockPolicy:
    """Targets and pause statuses in force for a ticket (from its SLA policy and priority)."""

    targets: tuple[TargetSpec, ...]
    pause_statuses: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        names = [t.name for t in self.targets]
        if len(names) != len(set(names)):
            raise ValueError(f"duplicate target names in policy: {names}")
        object.__setattr__(self, "targets", tuple(self.targets))
        object.__setattr__(self, "pause_statuses", frozenset(self.pause_statuses))


# ---------------------------------------------------------------------- events
@dataclass(frozen=True, slots=True)
class Created:
    """The ticket was created (starts the clock) with its initial policy and status."""

    at: datetime
    policy: ClockPolicy
    status: str = "new"


@dataclass(frozen=True, slots=True)
class StatusChanged:
    """Workflow status change; pause statuses stop pausable targets."""

    at: datetime
    status: str


@dataclass(frozen=True, slots=True)
class Milestone:
    """A fulfilment/start point: ``responded``, ``resolved``, ``confirmed`` or custom."""

    at: datetime
    name: str


@dataclass(frozen=True, slots=True)
class Reopened:
    """The ticket was reopened after resolution (or closure)."""

    at: datetime


@dataclass(frozen=True, slots=True)
class ExtensionApproved:
    """An approved extension of one target, ``amount`` in the target's unit."""

    at: datetime
    target: str
    amount: float


@dataclass(frozen=True, slots=True)
class PolicyChanged:
    """Priority or policy change: replaces pause statuses and targets."""

    at: datetime
    policy: ClockPolicy


type Event = Created | StatusChanged | Milestone | Reopened | ExtensionApproved | PolicyChanged


# ---------------------------------------------------------------------- results
class TargetStatus(NamedTuple):
    """One target at ``now``.  Times are UTC epoch seconds with datetime properties.

    ``elapsed``, ``remaining``, ``paused`` and ``budget`` are seconds on the target's metric:
    business seconds, or wall-clock seconds for natural-day targets (``natural`` is True).
    ``remaining`` is negative once overdue.  Times are stored as ints so that computing 100,000
    tickets does not build 400,000 datetime objects nobody looks at.
    """

    name: str
    unit: Unit
    state: State
    natural: bool
    budget: int
    elapsed: int
    remaining: int
    paused: int
    started_ts: int | None
    due_ts: int | None
    breached_ts: int | None
    fulfilled_ts: int | None
    ignored_extensions: int = 0

    @property
    def started_at(self) -> datetime | None:
        """When the target started counting (UTC)."""
        return None if self.started_ts is None else from_ts(self.started_ts)

    @property
    def due_at(self) -> datetime | None:
        """Due instant in force (projected from ``now`` while paused); None while pending."""
        return None if self.due_ts is None else from_ts(self.due_ts)

    @property
    def breached_at(self) -> datetime | None:
        """The missed due instant, if breached."""
        return None if self.breached_ts is None else from_ts(self.breached_ts)

    @property
    def fulfilled_at(self) -> datetime | None:
        """When the stopping milestone happened, if it did."""
        return None if self.fulfilled_ts is None else from_ts(self.fulfilled_ts)

    @property
    def fraction_used(self) -> float:
        """Share of the budget used (for the 50/75/100 % escalation ladder); 1.0 for a zero budget."""
        if self.budget <= 0:
            return 1.0 if self.state is not State.PENDING else 0.0
        return self.elapsed / self.budget


class TicketClock(NamedTuple):
    """All targets of one ticket at ``now``, plus calendar-coverage warnings."""

    targets: Mapping[str, TargetStatus]
    status: str
    paused: bool
    #: Local years touched by the ticket whose holidays the calendar does not know (warn!).
    uncovered_years: tuple[int, ...] = ()


# ---------------------------------------------------------------------- engine
class _T:
    """Mutable working state of one target during a pass (internal)."""

    __slots__ = (
        "breached",
        "budget",
        "consumed",
        "counting",
        "due_fixed",
        "ext",
        "fulfilled",
        "ignored",
        "last_m",
        "last_ts",
        "nat",
        "pause_m",
        "paused",
        "spec",
        "start_ts",
        "started",
    )

    def __init__(self, spec: TargetSpec) -> None:
        self.spec = spec
        self.nat = spec.unit is Unit.NATURAL_DAYS
        self.ext = 0.0
        self.ignored = 0
        self.reset()

    def reset(self) -> None:
        self.started = False
        self.start_ts = 0
        self.budget = 0
        self.consumed = 0
        self.last_m = 0
        self.last_ts = 0
        self.counting = False
        self.pause_m = 0
        self.paused = 0
        self.fulfilled: int | None = None
        self.breached: int | None = None
        self.due_fixed: int | None = None


class _Pass:
    """One evaluation of one ticket; holds the calendar's timeline and the ticket state."""

    __slots__ = (
        "cal",
        "milestones",
        "p_bus",
        "p_nat",
        "pause_set",
        "paused",
        "since_mb",
        "since_ts",
        "status",
        "targets",
        "tl",
    )

    def __init__(self, cal: BusinessCalendar) -> None:
        self.cal = cal
        self.tl: Timeline = cal.timeline
        self.targets: dict[str, _T] = {}
        self.status = ""
        self.pause_set: frozenset[str] = frozenset()
        self.paused = False
        self.since_ts = 0
        self.since_mb = 0
        self.p_bus = 0  # ticket-level paused business seconds (closed pauses)
        self.p_nat = 0
        # milestone name -> (ts, business metric, paused business, paused natural) at its last occurrence
        self.milestones: dict[str, tuple[int, int, int, int]] = {}

    # -- helpers -------------------------------------------------------------------------
    def budget(self, t: _T, start_ts: int, start_mb: int) -> int:
        spec = t.spec
        amount = spec.amount + t.ext
        if spec.max_amount is not None and amount > spec.max_amount:
            amount = max(spec.max_amount, spec.amount)
        unit = spec.unit
        if unit is Unit.BUSINESS_HOURS:
            return round(amount * 3600)
        if unit is Unit.WORKING_DAYS:
            return self.tl.cum_at(working_days_ts(self.cal, start_ts, int(amount))) - start_mb
        end = natural_days_end_ts(
            self.cal, start_ts, int(amount), extend_past_holidays=spec.extend_past_holidays
        )
        return end - start_ts

    def due(self, t: _T, ts: int, mb: int) -> int:
        """Due instant in force at ``ts`` for an unfinished target."""
        rem = t.budget - t.consumed
        if t.counting:
            if rem <= 0:
                return t.last_ts
            return t.last_m + rem if t.nat else self.tl.ts_at_cum(t.last_m + rem)
        if rem <= 0:
            return ts
        return ts + rem if t.nat else self.tl.ts_at_cum(mb + rem)

    def check_breach(self, t: _T, ts: int, mb: int) -> None:
        """Mark a counting target breached if its due instant passed before ``ts``.

        Called only right before something changes the target (pause, fulfilment, extension,
        policy change, reopen) and at ``now``: its due instant cannot move in between, so a
        breach found late still reports the same ``breached_at`` — and the commonest events
        (plain status changes) cost nothing.
        """
        m = ts if t.nat else mb
        if t.consumed + (m - t.last_m) >= t.budget:
            due = self.due(t, ts, mb)
            if ts > due:
                t.breached = due
                t.due_fixed = due

    def settle(self, t: _T, ts: int, mb: int) -> None:
        """Bring a counting target's used time up to ``ts``."""
        if t.counting:
            m = ts if t.nat else mb
            t.consumed += m - t.last_m
            t.last_m = m
            t.last_ts = ts

    def start(self, t: _T, ts: int, mb: int) -> None:
        t.started = True
        t.start_ts = ts
        t.budget = self.budget(t, ts, mb)
        m = ts if t.nat else mb
        t.last_m = m
        t.last_ts = ts
        t.counting = not (self.paused and t.spec.pausable)
        t.pause_m = m

    def paused_since(self, snap: tuple[int, int, int, int], ts: int, mb: int, nat: bool) -> int:
        """Ticket-level status-paused metric between a snapshot and ``ts``."""
        if nat:
            now_total = self.p_nat + (ts - self.since_ts if self.paused else 0)
            return now_total - snap[3]
        now_total = self.p_bus + (mb - self.since_mb if self.paused else 0)
        return now_total - snap[2]

    def snapshot(self, name: str, ts: int, mb: int) -> None:
        pb = self.p_bus + (mb - self.since_mb if self.paused else 0)
        pn = self.p_nat + (ts - self.since_ts if self.paused else 0)
        self.milestones[name] = (ts, mb, pb, pn)

    # -- event handlers ------------------------------------------------------------------
    def set_pause(self, paused: bool, ts: int, mb: int) -> None:
        if paused == self.paused:
            return
        if paused:
            self.since_ts, self.since_mb = ts, mb
        else:
            self.p_bus += mb - self.since_mb
            self.p_nat += ts - self.since_ts
        self.paused = paused
        for t in self.targets.values():
            if not t.started or t.fulfilled is not None or not t.spec.pausable:
                continue
            m = ts if t.nat else mb
            if paused and t.counting:
                if t.breached is None:
                    self.check_breach(t, ts, mb)
                t.consumed += m - t.last_m
                t.counting = False
                t.pause_m = m
            elif not paused and not t.counting:
                t.paused += m - t.pause_m
                t.last_m = m
                t.last_ts = ts
                t.counting = True

    def add_targets(self, policy: ClockPolicy, ts: int, mb: int, *, initial: bool) -> None:
        old = self.targets
        new: dict[str, _T] = {}
        for spec in policy.targets:
            t = old.get(spec.name)
            if t is None:
                t = _T(spec)
                new[spec.name] = t
                snap = self.milestones.get(spec.starts_on)
                if snap is None:
                    continue
                if initial:
                    self.start(t, ts, mb)
                    continue
                # Retroactive start: measured from its start milestone, status pauses deducted.
                s_ts, s_mb = snap[0], snap[1]
                t.started = True
                t.start_ts = s_ts
                t.budget = self.budget(t, s_ts, s_mb)
                m = ts if t.nat else mb
                p = self.paused_since(snap, ts, mb, t.nat) if spec.pausable else 0
                t.consumed = (m - (s_ts if t.nat else s_mb)) - p
                t.paused = p
                t.last_m = m
                t.last_ts = ts
                t.pause_m = m
                t.counting = not (self.paused and spec.pausable)
            else:
                new[spec.name] = t
                t.spec = spec
                t.nat = spec.unit is Unit.NATURAL_DAYS
                if not t.started or t.fulfilled is not None:
                    continue
                start_mb = self.tl.cum_at(t.start_ts) if not t.nat else 0
                t.budget = self.budget(t, t.start_ts, start_mb)
            if t.started and t.fulfilled is None and t.breached is None and t.consumed > t.budget:
                # The new deadline had already passed when it came into force.
                t.breached = ts
                t.due_fixed = ts
        self.targets = new

    def change_policy(self, policy: ClockPolicy, ts: int, mb: int) -> None:
        for t in self.targets.values():
            if t.counting and t.breached is None:
                self.check_breach(t, ts, mb)
            self.settle(t, ts, mb)
        # A metric switch (e.g. hours -> natural days) needs used time re-expressed; the start
        # instant and the pauses are what is kept, so recompute from the snapshot of the start.
        for spec in policy.targets:
            old = self.targets.get(spec.name)
            if (
                old is not None
                and old.started
                and old.fulfilled is None
                and (spec.unit is Unit.NATURAL_DAYS) != old.nat
            ):
                del self.targets[spec.name]  # re-added retroactively below
        self.pause_set = policy.pause_statuses
        self.set_pause(self.status in self.pause_set, ts, mb)
        self.add_targets(policy, ts, mb, initial=False)

    def milestone(self, name: str, ts: int, mb: int) -> None:
        self.snapshot(name, ts, mb)
        for t in self.targets.values():
            spec = t.spec
            if spec.stops_on == name and t.started and t.fulfilled is None:
                if t.counting and t.breached is None:
                    self.check_breach(t, ts, mb)
                if t.breached is None:
                    t.due_fixed = self.due(t, ts, mb)
                if t.counting:
                    self.settle(t, ts, mb)
                else:  # fulfilled while paused: close the pause
                    t.paused += (ts if t.nat else mb) - t.pause_m
                t.counting = False
                t.fulfilled = ts
        for t in self.targets.values():
            if t.spec.starts_on == name and not t.started:
                self.start(t, ts, mb)

    def reopen(self, ts: int, mb: int) -> None:
        for t in self.targets.values():
            if t.counting and t.breached is None:
                self.check_breach(t, ts, mb)
            mode = t.spec.on_reopen
            if mode is OnReopen.RESTART:
                if t.started:
                    t.ext = 0.0
                    t.reset()
            elif mode is OnReopen.RESUME and t.fulfilled is not None:
                t.fulfilled = None
                if t.breached is None:
                    t.due_fixed = None
                m = ts if t.nat else mb
                t.last_m = m
                t.last_ts = ts
                t.pause_m = m
                t.counting = not (self.paused and t.spec.pausable)

    def extend(self, name: str, amount: float, ts: int, mb: int) -> None:
        t = self.targets.get(name)
        if t is None:
            return
        if t.counting and t.breached is None:
            self.check_breach(t, ts, mb)
        if t.fulfilled is not None or t.breached is not None:
            t.ignored += 1
            return
        t.ext += amount
        if t.started:
            start_mb = 0 if t.nat else self.tl.cum_at(t.start_ts)
            t.budget = self.budget(t, t.start_ts, start_mb)

    # -- result --------------------------------------------------------------------------
    def result(self, now: int, mb: int, created_ts: int | None) -> TicketClock:
        out: dict[str, TargetStatus] = {}
        last_ts = now
        for name, t in self.targets.items():
            spec = t.spec
            if not t.started:
                out[name] = TargetStatus(
                    name, spec.unit, State.PENDING, t.nat, 0, 0, 0, 0, None, None, None, None, t.ignored
                )
                continue
            m = now if t.nat else mb
            if t.fulfilled is None:
                if t.counting and t.breached is None:
                    self.check_breach(t, now, mb)
                elapsed = t.consumed + (m - t.last_m if t.counting else 0)
                paused = t.paused + (0 if t.counting else m - t.pause_m)
                if t.breached is not None:
                    state, due = State.BREACHED, t.due_fixed
                else:
                    state = State.RUNNING if t.counting else State.PAUSED
                    due = self.due(t, now, mb)
            else:
                elapsed = t.consumed
                paused = t.paused
                due = t.due_fixed
                state = State.BREACHED if t.breached is not None else State.MET
            if due is not None and due > last_ts:
                last_ts = due
            out[name] = TargetStatus(
                name,
                spec.unit,
                state,
                t.nat,
                t.budget,
                elapsed,
                t.budget - elapsed,
                paused,
                t.start_ts,
                due,
                t.breached,
                t.fulfilled,
                t.ignored,
            )
        uncovered: tuple[int, ...] = ()
        covered = self.cal.covered_years
        if covered is not None and created_ts is not None:
            tl = self.tl
            first, last = tl.local_year(created_ts), tl.local_year(last_ts)
            if first not in covered or last not in covered or last - first > 1:
                uncovered = tuple(y for y in range(first, last + 1) if y not in covered)
        return TicketClock(out, self.status, self.paused, uncovered)


def compute_ticket(cal: BusinessCalendar, events: Sequence[Event], now: datetime) -> TicketClock:
    """Compute every target of one ticket in a single pass over its events.

    ``events`` must contain a :class:`Created`; order does not matter (they are sorted by time,
    ties keep the given order).  ``now`` is an aware datetime; events after it are ignored.

    This is the hot path of the sweep and the benchmark, hence the inlined business-time lookup
    and type dispatch; the rarer events go through the :class:`_Pass` methods.
    """
    now_ts = to_ts(now)
    stamps: list[int] = []
    ordered = True
    prev = -(2**62)
    for ev in events:
        at = ev.at
        if at.tzinfo is None:
            raise ValueError(f"naive datetime {at!r}: SLA arithmetic needs aware datetimes")
        x = at.timestamp()
        ts = int(x)
        if ts > x:  # floor, for instants before 1970
            ts -= 1
        if ts < prev:
            ordered = False
        prev = ts
        stamps.append(ts)
    if not stamps:
        raise ValueError("the event log has no Created event")
    order: Sequence[int] = (
        range(len(stamps)) if ordered else sorted(range(len(stamps)), key=stamps.__getitem__)
    )
    run = _Pass(cal)
    tl = run.tl
    tl.ensure(stamps[order[0]])
    tl.ensure(now_ts)
    starts, ends, cum_end = tl.iv  # covers every event up to now: one bisect per event below
    created_ts: int | None = None
    for i in order:
        ev = events[i]
        ts = stamps[i]
        if ts > now_ts:
            break
        if type(ev) is StatusChanged and created_ts is not None:
            # The commonest event: only a change into or out of a pause status does any work.
            status = ev.status
            run.status = status
            if (status in run.pause_set) is run.paused:
                continue
        elif created_ts is None and type(ev) is not Created:
            continue  # deferred: replayed at creation below
        k = bisect_right(starts, ts) - 1
        mb = cum_end[k] - max(ends[k] - ts, 0) if k >= 0 else cum_end[0] - (ends[0] - starts[0])
        if created_ts is None:
            assert isinstance(ev, Created)
            created_ts = ts
            run.status = ev.status
            run.pause_set = ev.policy.pause_statuses
            run.set_pause(ev.status in run.pause_set, ts, mb)
            run.snapshot("created", ts, mb)
            run.add_targets(ev.policy, ts, mb, initial=True)
            # Events stamped before creation (clock skew) count as happening at creation.
            for j in order:
                if j == i:
                    break
                _apply(run, events[j], ts, mb)
        elif type(ev) is StatusChanged:
            run.set_pause(not run.paused, ts, mb)
        else:
            _apply(run, ev, ts, mb)
    if created_ts is None:
        if not any(type(e) is Created for e in events):
            raise ValueError("the event log has no Created event")
        return TicketClock({}, "", False, ())  # created after now: nothing runs yet
    k = bisect_right(starts, now_ts) - 1
    mb = cum_end[k] - max(ends[k] - now_ts, 0) if k >= 0 else cum_end[0] - (ends[0] - starts[0])
    return run.result(now_ts, mb, created_ts)


def _apply(run: _Pass, ev: Event, ts: int, mb: int) -> None:
    kind = type(ev)
    if kind is StatusChanged:
        assert isinstance(ev, StatusChanged)
        run.status = ev.status
        run.set_pause(ev.status in run.pause_set, ts, mb)
    elif kind is Milestone:
        assert isinstance(ev, Milestone)
        run.milestone(ev.name, ts, mb)
    elif kind is ExtensionApproved:
        assert isinstance(ev, ExtensionApproved)
        run.extend(ev.target, ev.amount, ts, mb)
    elif kind is PolicyChanged:
        assert isinstance(ev, PolicyChanged)
        run.change_policy(ev.policy, ts, mb)
    elif kind is Reopened:
        run.reopen(ts, mb)
    # A second Created is ignored: a ticket is created once.


def compute_many(
    cal: BusinessCalendar, tickets: Iterable[Sequence[Event]], now: datetime
) -> list[TicketClock]:
    """:func:`compute_ticket` for many tickets sharing one calendar (the sweep's entry point).

    Large batches go through the vectorised :func:`sqms.sla.batch.compute_batch`, which returns
    exactly the same objects (tickets it does not model fall back to :func:`compute_ticket`).
    """
    from sqms.sla.batch import MIN_BATCH, compute_batch  # batch imports this module: import late

    logs = tickets if isinstance(tickets, list) else list(tickets)
    if len(logs) < MIN_BATCH:
        return [compute_ticket(cal, events, now) for events in logs]
    return compute_batch(cal, logs, now)


def threshold_time(
    cal: BusinessCalendar, status: TargetStatus, fraction: float, now: datetime
) -> datetime | None:
    """When an open, counting target reaches ``fraction`` of its budget (escalation at 50/75/100 %).

    Meant for scheduling the escalation ladder: returns None for a pending, paused or fulfilled
    target (a paused target's threshold moves), and ``now`` when the threshold is already
    passed (the ladder should fire at once).  ``status`` must come from the same ``now``.
    """
    if status.fulfilled_ts is not None or status.state not in (State.RUNNING, State.BREACHED):
        return None
    now_ts = to_ts(now)
    missing = round(status.budget * fraction) - status.elapsed
    if missing <= 0:
        return from_ts(now_ts)
    if status.natural:
        return from_ts(now_ts + missing)
    return from_ts(cal.timeline.add(now_ts, missing))


def runs_for(cal: BusinessCalendar, status: TargetStatus, now: datetime) -> int | None:
    """For how many seconds from ``now`` the target's time left keeps falling (a countdown's guide):
    None without end (a natural-day target counts wall-clock time), the rest of the current working
    window for business time, 0 when it stands still (pending, paused, fulfilled, or outside working
    time). ``status`` must come from the same ``now``."""
    if status.fulfilled_ts is not None or status.state not in (State.RUNNING, State.BREACHED):
        return 0
    if status.natural:
        return None
    now_ts = to_ts(now)
    end = cal.timeline.window_end(now_ts)
    return 0 if end is None else end - now_ts
