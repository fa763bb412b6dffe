"""Vectorised SLA clock for many tickets at once (the sweep's and the benchmark's hot path).

:func:`compute_batch` returns exactly what ``[compute_ticket(cal, events, now) for events in
tickets]`` returns, but does the work column-wise with numpy:

1. every ticket's events are flattened into arrays (epoch seconds, ticket index, kind, payload
   codes) — the only per-event Python work is reading the attributes;
2. the business-second position of every timestamp comes from one ``np.searchsorted`` on the
   calendar timeline's interval arrays;
3. the per-target state machine of :mod:`sqms.sla.clock` (start, pause, resume, fulfil,
   extension, lazy breach check) runs *across tickets*, one step per event position, on
   ``(ticket, target)`` rows — status changes that do not enter or leave a pause status are
   dropped up front, so a ticket needs only a handful of steps;
4. due instants are mapped back with one more ``searchsorted`` and the result objects are built
   from columns.

Tickets the vectorised path does not model — a :class:`PolicyChanged` or :class:`Reopened`
event, events out of time order or stamped before :class:`Created`, a missing or repeated
``Created``, a ticket created after ``now``, naive datetimes, or a deadline outside the built
timeline range — go through :func:`compute_ticket` instead, so every answer (and every error) is
the per-ticket engine's.  ``tests/sla/test_sla_batch.py`` checks the identity on thousands of
random tickets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from itertools import chain
from operator import attrgetter, methodcaller
from typing import Any, Final, NamedTuple

import numpy as np
import numpy.typing as npt

from sqms.sla.arithmetic import to_ts
from sqms.sla.calendar import BusinessCalendar, Timeline
from sqms.sla.clock import (
    ClockPolicy,
    Created,
    Event,
    ExtensionApproved,
    Milestone,
    PolicyChanged,
    Reopened,
    State,
    StatusChanged,
    TargetStatus,
    TicketClock,
    Unit,
    compute_ticket,
)

__all__ = [
    "STATES",
    "BatchResult",
    "EventColumns",
    "TargetColumn",
    "columns_from_arrays",
    "columns_from_events",
    "compute_batch",
    "compute_columns",
    "epoch_seconds",
]

type I64 = npt.NDArray[np.int64]
type F64 = npt.NDArray[np.float64]
type Bool = npt.NDArray[np.bool_]

K_CREATED: Final = 0
K_STATUS: Final = 1
K_MILESTONE: Final = 2
K_EXTENSION: Final = 3
K_OTHER: Final = 9  # PolicyChanged, Reopened, unknown: per-ticket path


class _Kinds(dict[type, int]):
    def __missing__(self, key: type) -> int:
        return K_OTHER


_KINDS: Final = _Kinds(
    {
        Created: K_CREATED,
        StatusChanged: K_STATUS,
        Milestone: K_MILESTONE,
        ExtensionApproved: K_EXTENSION,
        PolicyChanged: K_OTHER,
        Reopened: K_OTHER,
    }
)
_AT: Final = attrgetter("at")
_STATUS: Final = attrgetter("status")
_NAME: Final = attrgetter("name")
_POLICY: Final = attrgetter("policy")
_TIMESTAMP: Final = methodcaller("timestamp")
_NEW_STATUS: Final = partial(tuple.__new__, TargetStatus)
_NEW_CLOCK: Final = partial(tuple.__new__, TicketClock)

U_HOURS: Final = 0
U_WORKDAYS: Final = 1
U_NATURAL: Final = 2
_UNIT_CODE: Final = {
    Unit.BUSINESS_HOURS: U_HOURS,
    Unit.WORKING_DAYS: U_WORKDAYS,
    Unit.NATURAL_DAYS: U_NATURAL,
}
#: result state codes, in the order of this tuple
_STATES: Final = (State.PENDING, State.RUNNING, State.PAUSED, State.MET, State.BREACHED)
NO_CODE: Final = -2

#: Below this many tickets the per-ticket path is faster than setting up the arrays.
MIN_BATCH: Final = 64


class _TL:
    """numpy copies of one published state of a :class:`Timeline` (cached on the timeline)."""

    __slots__ = (
        "c0",
        "cum",
        "day_end",
        "day_ord",
        "ends",
        "hi",
        "iv",
        "lo",
        "mid",
        "ord0",
        "starts",
        "y0",
        "year_start",
    )

    def __init__(self, tl: Timeline) -> None:
        # The timeline publishes its arrays before its bounds: reading the bounds first means the
        # arrays read next cover at least that range, even if another thread extends it now.
        lo, hi, lo_year, _, year_start = tl.years
        self.iv = iv = tl.iv
        starts, ends, cum_end = iv
        self.starts = np.asarray(starts, dtype=np.int64)
        self.ends = np.asarray(ends, dtype=np.int64)
        self.cum = np.asarray(cum_end, dtype=np.int64)
        self.c0 = int(cum_end[0] - (ends[0] - starts[0])) if starts else 0
        day_ord, day_end = tl.days
        self.day_ord = np.asarray(day_ord, dtype=np.int64)
        self.day_end = np.asarray(day_end, dtype=np.int64)
        self.ord0, midnights = tl.mid
        self.mid = np.asarray(midnights, dtype=np.int64)
        self.lo, self.hi, self.y0 = lo, hi, lo_year
        self.year_start = np.asarray(year_start, dtype=np.int64)

    # Each query returns (values, out_of_range); out-of-range rows get harmless values and the
    # caller sends their tickets to the per-ticket path (which grows the timeline as needed).
    def cum_at(self, ts: I64) -> tuple[I64, Bool]:
        bad = (ts < self.lo) | (ts >= self.hi)
        i = np.searchsorted(self.starts, ts, side="right") - 1
        j = np.maximum(i, 0)
        val = self.cum[j] - np.maximum(self.ends[j] - ts, 0)
        return np.where(i < 0, self.c0, val), bad

    def ts_at_cum(self, cum: I64) -> tuple[I64, Bool]:
        i = np.searchsorted(self.cum, cum, side="left")
        bad = (i >= len(self.cum)) | ((i == 0) & (cum <= self.c0))
        j = np.minimum(i, len(self.cum) - 1)
        return self.ends[j] - (self.cum[j] - cum), bad

    def local_ordinal(self, ts: I64) -> tuple[I64, Bool]:
        bad = (ts < self.lo) | (ts >= self.hi)
        return self.ord0 + np.searchsorted(self.mid, ts, side="right") - 1, bad

    def working_day_end(self, day_ordinal: I64, n: I64) -> tuple[I64, Bool]:
        k = np.searchsorted(self.day_ord, day_ordinal, side="right") + n - 1
        bad = (k >= len(self.day_end)) | (k < 0)
        if len(self.day_ord):
            bad |= self.day_ord[0] > day_ordinal
        return self.day_end[np.clip(k, 0, max(len(self.day_end) - 1, 0))], bad

    def next_working_day(self, day_ordinal: I64) -> tuple[I64, Bool]:
        k = np.searchsorted(self.day_ord, day_ordinal, side="left")
        bad = k >= len(self.day_ord)
        return self.day_ord[np.minimum(k, len(self.day_ord) - 1)], bad

    def midnight(self, day_ordinal: I64) -> tuple[I64, Bool]:
        k = day_ordinal - self.ord0
        bad = (k < 0) | (k >= len(self.mid))
        return self.mid[np.clip(k, 0, len(self.mid) - 1)], bad

    def local_year(self, ts: I64) -> tuple[I64, Bool]:
        bad = (ts < self.lo) | (ts >= self.hi)
        return self.y0 + np.searchsorted(self.year_start, ts, side="right") - 1, bad


def _np_timeline(tl: Timeline) -> _TL:
    cached: _TL | None = tl.np_cache
    if cached is None or cached.iv is not tl.iv:
        cached = _TL(tl)
        tl.np_cache = cached
    return cached


class _Codes(dict[str, int]):
    """Interning of strings (statuses, milestone and target names) to small ints."""

    def __missing__(self, key: str) -> int:
        code = len(self)
        self[key] = code
        return code


class _Policies:
    """Per-policy target tables, ``(n_policies, T)`` arrays indexed by the ticket's policy."""

    def __init__(self, policies: list[ClockPolicy], names: _Codes, targets: _Codes) -> None:
        width = max(1, max(len(p.targets) for p in policies))
        shape = (len(policies), width)
        self.width = width
        self.count = np.array([len(p.targets) for p in policies], dtype=np.int64)
        self.unit = np.zeros(shape, dtype=np.int64)
        self.amount = np.zeros(shape, dtype=np.float64)
        self.max_amount = np.full(shape, np.nan, dtype=np.float64)
        self.pausable = np.zeros(shape, dtype=np.bool_)
        self.extend = np.zeros(shape, dtype=np.bool_)
        self.starts = np.full(shape, NO_CODE, dtype=np.int64)
        self.stops = np.full(shape, NO_CODE, dtype=np.int64)
        self.name = np.full(shape, NO_CODE, dtype=np.int64)
        self.name_obj = np.full(shape, None, dtype=object)
        self.unit_obj = np.full(shape, None, dtype=object)
        for p, policy in enumerate(policies):
            for s, spec in enumerate(policy.targets):
                self.unit[p, s] = _UNIT_CODE[spec.unit]
                self.amount[p, s] = spec.amount
                if spec.max_amount is not None:
                    self.max_amount[p, s] = spec.max_amount
                self.pausable[p, s] = spec.pausable
                self.extend[p, s] = spec.extend_past_holidays
                self.starts[p, s] = names[spec.starts_on]
                self.stops[p, s] = names[spec.stops_on]
                self.name[p, s] = targets[spec.name]
                self.name_obj[p, s] = spec.name
                self.unit_obj[p, s] = spec.unit


class _Machine:
    """The per-target state of :class:`sqms.sla.clock._T` as flat ``(ticket × slot)`` columns."""

    def __init__(self, tl: _TL, pol: _Policies, ticket_pol: I64) -> None:
        self.tl = tl
        width = pol.width
        self.width = width
        n = len(ticket_pol)
        rows = n * width
        self.ticket = np.repeat(np.arange(n, dtype=np.int64), width)
        self.slot = np.tile(np.arange(width, dtype=np.int64), n)
        p = np.repeat(ticket_pol, width)
        s = self.slot
        self.valid = s < pol.count[p]
        flat = p * width + s  # one flat gather per table is cheaper than (p, s) pair indexing
        self.unit = pol.unit.ravel().take(flat)
        self.nat = self.unit == U_NATURAL
        self.amount = pol.amount.ravel().take(flat)
        self.max_amount = pol.max_amount.ravel().take(flat)
        self.pausable = pol.pausable.ravel().take(flat)
        self.extend = pol.extend.ravel().take(flat)
        self.starts_on = pol.starts.ravel().take(flat)
        self.stops_on = pol.stops.ravel().take(flat)
        self.name = pol.name.ravel().take(flat)
        self.pol_row = p  # the objects (names, units) are looked up only when results are built

        def z() -> I64:
            return np.zeros(rows, dtype=np.int64)

        self.started = np.zeros(rows, dtype=np.bool_)
        self.start_ts, self.budget, self.consumed, self.last_m, self.last_ts = z(), z(), z(), z(), z()
        self.counting = np.zeros(rows, dtype=np.bool_)
        self.pause_m, self.paused = z(), z()
        self.ful = np.zeros(rows, dtype=np.bool_)
        self.ful_ts = z()
        self.br = np.zeros(rows, dtype=np.bool_)
        self.br_ts, self.due_fixed, self.ignored = z(), z(), z()
        self.ext = np.zeros(rows, dtype=np.float64)
        self.bad = np.zeros(n, dtype=np.bool_)  # per ticket: redo with the per-ticket path

    def flag(self, rows: I64, bad: Bool) -> None:
        if bad.any():
            self.bad[self.ticket[rows[bad]]] = True

    # -- helpers (all on row subsets) ----------------------------------------------------
    def budget_of(self, rows: I64, start_ts: I64, start_mb: I64) -> I64:
        amount = self.amount[rows] + self.ext[rows]
        cap = self.max_amount[rows]
        over = ~np.isnan(cap) & (amount > cap)
        if over.any():
            amount = np.where(over, np.maximum(cap, self.amount[rows]), amount)
        unit = self.unit[rows]
        out = np.rint(amount * 3600).astype(np.int64)
        days = unit != U_HOURS
        if days.any():
            tl = self.tl
            n = np.trunc(amount).astype(np.int64)
            todo = days & (n > 0)
            out = np.where(days, 0, out)
            if todo.any():
                idx = np.nonzero(todo)[0]
                r, ts, nn = rows[idx], start_ts[idx], n[idx]
                ordinal, bad = tl.local_ordinal(ts)
                work = self.unit[r] == U_WORKDAYS
                end_w, bad_w = tl.working_day_end(ordinal, nn)
                cum_w, bad_c = tl.cum_at(end_w)
                last = ordinal + nn
                nxt, bad_n = tl.next_working_day(last)
                last = np.where(self.extend[r], nxt, last)
                end_n, bad_m = tl.midnight(last + 1)
                bad |= np.where(work, bad_w | bad_c, bad_m | (bad_n & self.extend[r]))
                self.flag(r, bad)
                out[idx] = np.where(work, cum_w - start_mb[idx], end_n - ts)
        return out

    def due_counting(self, rows: I64) -> I64:
        """Due instant of counting rows (``_Pass.due`` with ``counting`` true)."""
        rem = self.budget[rows] - self.consumed[rows]
        target = self.last_m[rows] + rem
        bus = ~self.nat[rows] & (rem > 0)
        out = np.where(rem <= 0, self.last_ts[rows], target)
        if bus.any():
            idx = np.nonzero(bus)[0]
            got, bad = self.tl.ts_at_cum(target[idx])
            self.flag(rows[idx], bad)
            out[idx] = got
        return out

    def due_stopped(self, rows: I64, ts: I64, mb: I64) -> I64:
        """Due instant of non-counting rows at ``ts`` (``_Pass.due`` with ``counting`` false)."""
        rem = self.budget[rows] - self.consumed[rows]
        nat = self.nat[rows]
        out = np.where(rem <= 0, ts, ts + rem)
        bus = ~nat & (rem > 0)
        if bus.any():
            idx = np.nonzero(bus)[0]
            got, bad = self.tl.ts_at_cum(mb[idx] + rem[idx])
            self.flag(rows[idx], bad)
            out[idx] = got
        return out

    def check_breach(self, rows: I64, ts: I64, mb: I64) -> None:
        """``_Pass.check_breach`` for counting, unbreached rows."""
        if not len(rows):
            return
        m = np.where(self.nat[rows], ts, mb)
        hit = self.consumed[rows] + (m - self.last_m[rows]) >= self.budget[rows]
        if not hit.any():
            return
        r, t = rows[hit], ts[hit]
        due = self.due_counting(r)
        late = t > due
        r, due = r[late], due[late]
        self.br[r] = True
        self.br_ts[r] = due
        self.due_fixed[r] = due

    def start(self, rows: I64, ts: I64, mb: I64, ticket_paused: Bool) -> None:
        self.started[rows] = True
        self.start_ts[rows] = ts
        self.budget[rows] = self.budget_of(rows, ts, mb)
        m = np.where(self.nat[rows], ts, mb)
        self.last_m[rows] = m
        self.last_ts[rows] = ts
        self.counting[rows] = ~(ticket_paused & self.pausable[rows])
        self.pause_m[rows] = m

    # -- events (one event per ticket; values broadcast to the ticket's rows) -------------
    def rows_of(self, tickets: I64) -> I64:
        w = self.width
        return (tickets[:, None] * w + np.arange(w, dtype=np.int64)).ravel()

    def set_pause(self, tickets: I64, ts: I64, mb: I64, paused: Bool) -> None:
        w = self.width
        rows = self.rows_of(tickets)
        ts, mb, paused = np.repeat(ts, w), np.repeat(mb, w), np.repeat(paused, w)
        sel = self.started[rows] & ~self.ful[rows] & self.pausable[rows]
        counting = self.counting[rows]
        m = np.where(self.nat[rows], ts, mb)
        stop = sel & paused & counting
        if stop.any():
            chk = stop & ~self.br[rows]
            self.check_breach(rows[chk], ts[chk], mb[chk])
            r, mm = rows[stop], m[stop]
            self.consumed[r] += mm - self.last_m[r]
            self.counting[r] = False
            self.pause_m[r] = mm
        go = sel & ~paused & ~counting
        if go.any():
            r, mm = rows[go], m[go]
            self.paused[r] += mm - self.pause_m[r]
            self.last_m[r] = mm
            self.last_ts[r] = ts[go]
            self.counting[r] = True

    def milestone(self, tickets: I64, ts: I64, mb: I64, code: I64, ticket_paused: Bool) -> None:
        w = self.width
        rows = self.rows_of(tickets)
        ts, mb, code = np.repeat(ts, w), np.repeat(mb, w), np.repeat(code, w)
        hit = (self.stops_on[rows] == code) & self.started[rows] & ~self.ful[rows]
        if hit.any():
            r, t, b = rows[hit], ts[hit], mb[hit]
            counting = self.counting[r]
            chk = counting & ~self.br[r]
            self.check_breach(r[chk], t[chk], b[chk])
            open_ = ~self.br[r]
            if open_.any():
                oc = open_ & counting
                os_ = open_ & ~counting
                self.due_fixed[r[oc]] = self.due_counting(r[oc])
                self.due_fixed[r[os_]] = self.due_stopped(r[os_], t[os_], b[os_])
            m = np.where(self.nat[r], t, b)
            rc, mc = r[counting], m[counting]
            self.consumed[rc] += mc - self.last_m[rc]
            self.last_m[rc] = mc
            self.last_ts[rc] = t[counting]
            rs = r[~counting]
            self.paused[rs] += m[~counting] - self.pause_m[rs]
            self.counting[r] = False
            self.ful[r] = True
            self.ful_ts[r] = t
        begin = (self.starts_on[rows] == code) & ~self.started[rows]
        if begin.any():
            tp = np.repeat(ticket_paused, w)
            self.start(rows[begin], ts[begin], mb[begin], tp[begin])

    def extension(self, tickets: I64, ts: I64, mb: I64, target: I64, amount: F64) -> None:
        w = self.width
        rows = self.rows_of(tickets)
        ts, mb = np.repeat(ts, w), np.repeat(mb, w)
        target, amount = np.repeat(target, w), np.repeat(amount, w)
        hit = (self.name[rows] == target) & self.valid[rows]
        if not hit.any():
            return
        r, t, b, a = rows[hit], ts[hit], mb[hit], amount[hit]
        chk = self.counting[r] & ~self.br[r]
        self.check_breach(r[chk], t[chk], b[chk])
        done = self.ful[r] | self.br[r]
        self.ignored[r[done]] += 1
        r, a = r[~done], a[~done]
        self.ext[r] += a
        st = self.started[r]
        if st.any():
            rs = r[st]
            start_ts = self.start_ts[rs]
            start_mb, bad = self.tl.cum_at(start_ts)
            self.flag(rs, bad)
            start_mb = np.where(self.nat[rs], 0, start_mb)
            self.budget[rs] = self.budget_of(rs, start_ts, start_mb)


@dataclass(frozen=True, eq=False)
class EventColumns:
    """The event logs of many tickets as columns (the input of :func:`compute_columns`).

    Events are numbered ``0..len(kind)-1`` in ticket order (all of ticket 0's events, then ticket
    1's, each ticket's in its log order).  Per event: ``ticket`` (its ticket index), ``kind`` (the
    ``K_*`` code), ``ts`` (UTC epoch seconds, floor), ``code`` (for ``Created``/``StatusChanged``
    the index of its status in ``statuses``, for a ``Milestone`` of its name in ``names``, for an
    ``ExtensionApproved`` of its target in ``targets``; else ``NO_CODE``) and ``amount`` (an
    extension's amount).  Per ticket: ``policy`` (index into ``policies`` of the policy of its
    ``Created`` event, -1 when its log does not start with one), ``first`` (index of its first
    event), ``length`` (its number of events) and ``modelled`` (False when the columns could not
    represent it faithfully, e.g. a naive datetime).

    ``fallback(i)`` returns ticket ``i``'s original event log: tickets the vectorised machine does
    not model (see the module docstring) are computed from it by :func:`compute_ticket`.
    """

    ticket: I64
    kind: I64
    ts: I64
    code: I64
    amount: F64
    policy: I64
    first: I64
    length: I64
    modelled: Bool
    policies: tuple[ClockPolicy, ...]
    statuses: tuple[str, ...]
    names: tuple[str, ...]
    targets: tuple[str, ...]
    fallback: Callable[[int], Sequence[Event]] | None = None

    @property
    def n(self) -> int:
        return len(self.policy)


def columns_from_events(tickets: Sequence[Sequence[Event]]) -> EventColumns:
    """Read a list of event logs into :class:`EventColumns` (the only per-event Python work)."""
    if not isinstance(tickets, list):
        tickets = list(tickets)
    n = len(tickets)
    lens_list = list(map(len, tickets))
    flat: list[Any] = list(chain.from_iterable(tickets))
    count = len(flat)
    lens = np.asarray(lens_list, dtype=np.int64).reshape(n)
    first = np.cumsum(lens) - lens
    ev_ticket = np.repeat(np.arange(n, dtype=np.int64), lens)
    kinds = np.fromiter(map(_KINDS.__getitem__, map(type, flat)), dtype=np.int64, count=count)
    modelled = lens > 0
    try:
        stamps = _epoch_seconds(list(map(_AT, flat)))
    except TypeError:  # a naive datetime (or a tzinfo without an offset): per-ticket path
        ats = list(map(_AT, flat))
        naive = np.fromiter((a.utcoffset() is None for a in ats), dtype=np.bool_, count=count)
        modelled &= np.bincount(ev_ticket[naive], minlength=n) == 0
        stamps = _epoch_seconds([_EPOCH if bad else a for a, bad in zip(ats, naive.tolist(), strict=True)])

    statuses, names, targets = _Codes(), _Codes(), _Codes()
    code = np.full(count, NO_CODE, dtype=np.int64)
    amount = np.zeros(count, dtype=np.float64)
    st_pos = np.nonzero((kinds == K_STATUS) | (kinds == K_CREATED))[0]
    st_strings = map(_STATUS, map(flat.__getitem__, st_pos.tolist()))
    code[st_pos] = np.fromiter(map(statuses.__getitem__, st_strings), dtype=np.int64, count=len(st_pos))
    ms_pos = np.nonzero(kinds == K_MILESTONE)[0]
    ms_names = map(_NAME, map(flat.__getitem__, ms_pos.tolist()))
    code[ms_pos] = np.fromiter(map(names.__getitem__, ms_names), dtype=np.int64, count=len(ms_pos))
    ex_pos = np.nonzero(kinds == K_EXTENSION)[0]
    ex_objs = [flat[i] for i in ex_pos.tolist()]
    code[ex_pos] = np.fromiter((targets[e.target] for e in ex_objs), dtype=np.int64, count=len(ex_objs))
    amount[ex_pos] = np.fromiter((e.amount for e in ex_objs), dtype=np.float64, count=len(ex_objs))

    policy = np.full(n, -1, dtype=np.int64)
    safe_first = np.minimum(first, max(count - 1, 0))
    with_created = np.nonzero((lens > 0) & (kinds[safe_first] == K_CREATED))[0]
    policies: list[ClockPolicy] = []
    if len(with_created):
        pols = list(map(_POLICY, map(flat.__getitem__, first[with_created].tolist())))
        pol_id = np.fromiter(map(id, pols), dtype=np.uint64, count=len(pols))
        _, pol_first, inverse = np.unique(pol_id, return_index=True, return_inverse=True)
        policies = [pols[i] for i in pol_first.tolist()]
        policy[with_created] = inverse.astype(np.int64).reshape(-1)
    return EventColumns(
        ticket=ev_ticket,
        kind=kinds,
        ts=stamps,
        code=code,
        amount=amount,
        policy=policy,
        first=first,
        length=lens,
        modelled=modelled,
        policies=tuple(policies),
        statuses=tuple(statuses),
        names=tuple(names),
        targets=tuple(targets),
        fallback=tickets.__getitem__,
    )


def columns_from_arrays(
    *,
    n: int,
    ticket: I64,
    kind: I64,
    ts: I64,
    code: I64,
    amount: F64,
    policy: I64,
    policies: Sequence[ClockPolicy],
    statuses: Sequence[str],
    names: Sequence[str],
    targets: Sequence[str],
    modelled: Bool | None = None,
    fallback: Callable[[int], Sequence[Event]] | None = None,
) -> EventColumns:
    """:class:`EventColumns` built straight from per-event arrays (no event objects).

    ``ticket`` must be non-decreasing (events grouped by ticket, each ticket's in log order);
    ``first`` and ``length`` are derived from it.  ``kind``/``code``/``amount`` follow the
    :class:`EventColumns` conventions (``K_OTHER`` for an event the vectorised machine does not
    model: that ticket goes to ``fallback``)."""
    ticket = np.asarray(ticket, dtype=np.int64)
    count = len(ticket)
    if not (len(kind) == len(ts) == len(code) == len(amount) == count):
        raise ValueError("event columns differ in length")
    if count and (bool((np.diff(ticket) < 0).any()) or int(ticket[0]) < 0 or int(ticket[-1]) >= n):
        raise ValueError("events must be grouped by ticket in ticket order")
    if len(policy) != n:
        raise ValueError("one policy index per ticket is needed")
    lens = np.bincount(ticket, minlength=n).astype(np.int64)
    first = np.cumsum(lens) - lens
    ok = lens > 0 if modelled is None else (np.asarray(modelled, dtype=np.bool_) & (lens > 0))
    return EventColumns(
        ticket=ticket,
        kind=np.asarray(kind, dtype=np.int64),
        ts=np.asarray(ts, dtype=np.int64),
        code=np.asarray(code, dtype=np.int64),
        amount=np.asarray(amount, dtype=np.float64),
        policy=np.asarray(policy, dtype=np.int64),
        first=first,
        length=lens,
        modelled=ok,
        policies=tuple(policies),
        statuses=tuple(statuses),
        names=tuple(names),
        targets=tuple(targets),
        fallback=fallback,
    )


class TargetColumn(NamedTuple):
    """One target's figures for every ticket of a batch (``present`` false: the ticket has no
    such target; its other values are 0 / -1).  ``state`` indexes :data:`STATES`; the ``*_ts``
    columns are UTC epoch seconds, -1 where the per-ticket result has ``None``."""

    present: Bool
    state: I64
    budget: I64
    elapsed: I64
    remaining: I64
    paused: I64
    due_ts: I64
    breached_ts: I64
    fulfilled_ts: I64


#: the state codes of :attr:`TargetColumn.state`
STATES: Final = _STATES


class BatchResult:
    """The answer of :func:`compute_columns`: arrays, with Python objects built only on request.

    ``rows_*`` arrays have one row per (vectorised ticket, target slot); :meth:`target` gives one
    target's column over all tickets; :meth:`clocks` / :meth:`clock` build the same
    :class:`TicketClock` objects :func:`compute_ticket` returns.  Tickets the machine does not
    model were computed by the per-ticket engine and are kept in ``fallback`` (index → clock).
    """

    def __init__(self, n: int, fast_idx: I64, cols: dict[str, Any], fallback: dict[int, TicketClock]) -> None:
        self.n = n
        self.fast_idx = fast_idx
        self.fallback = fallback
        self._c = cols

    # -- arrays ---------------------------------------------------------------------------
    def target(self, name: str) -> TargetColumn:
        """One target's figures for every ticket (fallback tickets filled from their clocks)."""
        c = self._c
        n = self.n
        present = np.zeros(n, dtype=np.bool_)
        out = {k: np.full(n, -1 if k.endswith("_ts") else 0, dtype=np.int64) for k in _TARGET_FIELDS}
        names = c["names"]
        if name in names:
            sel = np.nonzero(c["valid"] & (c["name"] == names.index(name)))[0]
            tix = self.fast_idx[c["ticket"][sel]]
            present[tix] = True
            for key, values in (
                ("state", c["state"]),
                ("budget", c["budget"]),
                ("elapsed", c["elapsed"]),
                ("remaining", c["remaining"]),
                ("paused", c["paused"]),
            ):
                out[key][tix] = values[sel]
            started = c["started"][sel]
            out["due_ts"][tix] = np.where(started, c["due"][sel], -1)
            out["breached_ts"][tix] = np.where(started & c["br"][sel], c["br_ts"][sel], -1)
            out["fulfilled_ts"][tix] = np.where(started & c["ful"][sel], c["ful_ts"][sel], -1)
        for i, clock in self.fallback.items():
            st = clock.targets.get(name)
            if st is None:
                continue
            present[i] = True
            out["state"][i] = _STATES.index(st.state)
            out["budget"][i], out["elapsed"][i] = st.budget, st.elapsed
            out["remaining"][i], out["paused"][i] = st.remaining, st.paused
            for key, value in (
                ("due_ts", st.due_ts),
                ("breached_ts", st.breached_ts),
                ("fulfilled_ts", st.fulfilled_ts),
            ):
                out[key][i] = -1 if value is None else value
        return TargetColumn(present=present, **out)

    def wake_ts(self, cal: BusinessCalendar, now: datetime, steps: Sequence[int], min_wait: int = 60) -> I64:
        """Per ticket, the earliest instant (epoch seconds) at which its figures next change without
        a new event; -1 when nothing changes until one arrives.  That is the next ``steps`` crossing
        (``elapsed * 100 >= step * budget``, the ladder test) of every running (or breached but
        below a step, after an extension: taken as running, so at worst early), unfulfilled target,
        the second after a running target's due instant (it turns breached then), and, for a
        paused target, its projected due instant (so a due time stored at ``now`` is
        refreshed before it lies in the past), at least ``min_wait`` seconds after ``now``.

        Exact for the vectorised tickets (business time mapped through the calendar timeline); for
        per-ticket (fallback) tickets and outside the built timeline it is ``now`` plus the missing
        seconds, a lower bound (business time never runs faster than the wall clock): waking early
        is harmless, the sweep just finds nothing to do and asks again."""
        now_ts = to_ts(now)
        ladder = sorted(steps)
        out = np.full(self.n, -1, dtype=np.int64)
        c = self._c
        if len(c["ticket"]):
            open_ = c["valid"] & c["started"] & ~c["ful"]
            # a breached target keeps counting towards steps it has not reached (after an extension)
            running = open_ & np.isin(
                c["state"], (_STATES.index(State.RUNNING), _STATES.index(State.BREACHED))
            )
            paused = open_ & (c["state"] == _STATES.index(State.PAUSED))
            budget, elapsed = c["budget"], c["elapsed"]
            need = np.full(len(budget), -1, dtype=np.int64)
            for pct in ladder:
                threshold = -(-pct * budget // 100)  # ceil
                hit = running & (need < 0) & (elapsed < threshold) & (budget > 0)
                need = np.where(hit, threshold - elapsed, need)
            when = np.full(len(budget), -1, dtype=np.int64)
            r = np.nonzero(need > 0)[0]
            when[r] = now_ts + need[r]
            bus = r[~c["nat"][r]]
            if len(bus):
                arr = _np_timeline(cal.timeline)
                now_mb, bad_now = arr.cum_at(np.array([now_ts], dtype=np.int64))
                got, bad = arr.ts_at_cum(now_mb[0] + need[bus])
                good = ~bad & ~bad_now[0]
                when[bus[good]] = got[good]
            # a running target turns breached just after its due instant (the ladder's 100 % is at it)
            live = np.nonzero(open_ & (c["state"] == _STATES.index(State.RUNNING)))[0]
            flip = c["due"][live] + 1
            when[live] = np.where(when[live] < 0, flip, np.minimum(when[live], flip))
            p = np.nonzero(paused)[0]
            when[p] = np.maximum(c["due"][p], now_ts + min_wait)
            w = np.nonzero(when >= 0)[0]
            if len(w):
                tix = self.fast_idx[c["ticket"][w]]
                big = np.iinfo(np.int64).max
                best = np.full(self.n, big, dtype=np.int64)
                np.minimum.at(best, tix, when[w])
                out = np.where(best == big, -1, best)
        for i, clock in self.fallback.items():
            soonest = -1
            for st in clock.targets.values():
                t = -1
                if st.fulfilled_ts is not None:
                    continue
                if st.state in (State.RUNNING, State.BREACHED) and st.budget > 0:
                    for pct in ladder:
                        threshold = -(-pct * st.budget // 100)
                        if st.elapsed < threshold:
                            t = now_ts + threshold - st.elapsed
                            break
                    if st.state is State.RUNNING and st.due_ts is not None:
                        t = st.due_ts + 1 if t < 0 else min(t, st.due_ts + 1)
                elif st.state is State.PAUSED and st.due_ts is not None:
                    t = max(st.due_ts, now_ts + min_wait)
                if t >= 0 and (soonest < 0 or t < soonest):
                    soonest = t
            out[i] = soonest
        return out

    # -- objects --------------------------------------------------------------------------
    def clocks(self) -> list[TicketClock]:
        """Every ticket's :class:`TicketClock`, in input order."""
        results: list[TicketClock | None] = [None] * self.n
        if len(self.fast_idx):
            for i, clock in zip(self.fast_idx.tolist(), self._build(), strict=True):
                results[i] = clock
        for i, clock in self.fallback.items():
            results[i] = clock
        return results  # type: ignore[return-value]

    def clocks_for(self, indices: Sequence[int]) -> list[TicketClock]:
        """The clocks of the tickets ``indices`` (in that order), building only those."""
        fast_pos: list[int] = []
        for i in indices:
            if i not in self.fallback:
                j = int(np.searchsorted(self.fast_idx, i))
                if j >= len(self.fast_idx) or int(self.fast_idx[j]) != i:
                    raise IndexError(i)
                fast_pos.append(j)
        built: dict[int, TicketClock] = {}
        if fast_pos:
            order = np.unique(np.asarray(fast_pos, dtype=np.int64))
            built = dict(zip(self.fast_idx[order].tolist(), self._build(order), strict=True))
        return [self.fallback[i] if i in self.fallback else built[i] for i in indices]

    def clock(self, i: int) -> TicketClock:
        """One ticket's clock (builds only that one)."""
        if i in self.fallback:
            return self.fallback[i]
        j = int(np.searchsorted(self.fast_idx, i))
        if j >= len(self.fast_idx) or int(self.fast_idx[j]) != i:
            raise IndexError(i)
        return self._build(np.array([j], dtype=np.int64))[0]

    def _build(self, only: I64 | None = None) -> list[TicketClock]:
        c = self._c
        nf = len(self.fast_idx)
        valid = c["valid"]
        if only is not None:
            valid = valid & np.isin(c["ticket"], only)
        vr = np.nonzero(valid)[0]
        st_v = c["started"][vr]

        def opt(values: I64, present: Bool) -> list[Any]:
            out = values.astype(object)
            out[~present] = None
            return out.tolist()  # type: ignore[no-any-return]

        state_objs = np.asarray(_STATES, dtype=object)[c["state"][vr]].tolist()
        pr, sl = c["pol_row"][vr], c["slot"][vr]
        names_col = c["pol_name_obj"][pr, sl].tolist()
        statuses_out = list(
            map(
                _NEW_STATUS,
                zip(
                    names_col,
                    c["pol_unit_obj"][pr, sl].tolist(),
                    state_objs,
                    c["nat"][vr].tolist(),
                    c["budget"][vr].tolist(),
                    c["elapsed"][vr].tolist(),
                    c["remaining"][vr].tolist(),
                    c["paused"][vr].tolist(),
                    opt(c["start_ts"][vr], st_v),
                    opt(c["due"][vr], st_v),
                    opt(c["br_ts"][vr], st_v & c["br"][vr]),
                    opt(c["ful_ts"][vr], st_v & c["ful"][vr]),
                    c["ignored"][vr].tolist(),
                    strict=True,
                ),
            )
        )
        which = np.arange(nf, dtype=np.int64) if only is None else only
        counts_v = np.bincount(c["ticket"][vr], minlength=nf)[which]
        width = int(counts_v[0]) if len(which) else 0
        if len(which) and width and bool((counts_v == width).all()):
            # Every ticket has the same number of targets (the usual case): group in C.
            pairs = zip(names_col, statuses_out, strict=True)
            dicts: list[dict[str, TargetStatus]] = list(map(dict, zip(*([pairs] * width), strict=True)))
        else:
            pair_list = list(zip(names_col, statuses_out, strict=True))
            ends = np.cumsum(counts_v).tolist()
            begins_v = [0, *ends[:-1]] if ends else []
            dicts = [dict(pair_list[a:b]) for a, b in zip(begins_v, ends, strict=True)]
        status_tab = c["status_text"]
        final_status = [status_tab[k] for k in c["final_status"][which].tolist()]
        uncovered = c["uncovered"]
        unc = [uncovered.get(j, ()) for j in which.tolist()] if uncovered else [()] * len(which)
        return list(
            map(
                _NEW_CLOCK,
                zip(dicts, final_status, c["final_paused"][which].tolist(), unc, strict=True),
            )
        )


_TARGET_FIELDS: Final = (
    "state",
    "budget",
    "elapsed",
    "remaining",
    "paused",
    "due_ts",
    "breached_ts",
    "fulfilled_ts",
)


def compute_batch(
    cal: BusinessCalendar, tickets: Sequence[Sequence[Event]], now: datetime
) -> list[TicketClock]:
    """``[compute_ticket(cal, events, now) for events in tickets]``, computed column-wise."""
    if not isinstance(tickets, list):
        tickets = list(tickets)
    if not tickets:
        return []
    return compute_columns(cal, columns_from_events(tickets), now).clocks()


def compute_columns(cal: BusinessCalendar, cols: EventColumns, now: datetime) -> BatchResult:
    """The SLA clocks of every ticket in ``cols`` at ``now``, as arrays (:class:`BatchResult`).

    Tickets outside what the vectorised machine models are computed at once by
    :func:`compute_ticket` from ``cols.fallback`` (so its errors are raised here, as in the
    per-ticket path)."""
    n = cols.n
    now_ts = to_ts(now)
    kinds, stamps, ev_ticket, first = cols.kind, cols.ts, cols.ticket, cols.first
    count = len(kinds)
    fast = cols.modelled & (cols.length > 0) & (cols.policy >= 0)
    # ---- which tickets the vectorised path models
    if count:
        safe_first = np.minimum(first, count - 1)
        fast &= kinds[safe_first] == K_CREATED
        fast &= np.bincount(ev_ticket[kinds == K_CREATED], minlength=n) == 1
        fast &= np.bincount(ev_ticket[kinds == K_OTHER], minlength=n) == 0
        if count > 1:
            down = (stamps[1:] < stamps[:-1]) & (ev_ticket[1:] == ev_ticket[:-1])
            fast &= np.bincount(ev_ticket[1:][down], minlength=n) == 0
        fast &= stamps[safe_first] <= now_ts
    tl = cal.timeline
    fast_idx = np.nonzero(fast)[0]
    if len(fast_idx):
        tl.ensure(int(stamps[first[fast_idx]].min()))
    tl.ensure(now_ts)
    arr = _np_timeline(tl)

    columns: dict[str, Any] = {}
    if len(fast_idx):
        columns, redo = _run(cal, arr, cols, fast, fast_idx, now_ts)
        if redo.any():
            fast[fast_idx[redo]] = False
            keep = ~redo
            remap = np.cumsum(keep) - 1
            fast_idx = fast_idx[keep]
            columns = _drop_tickets(columns, keep, remap)
    fallback: dict[int, TicketClock] = {}
    slow = np.nonzero(~fast)[0].tolist()
    if slow:
        if cols.fallback is None:
            raise ValueError(
                f"{len(slow)} tickets need the per-ticket engine but the columns have no fallback"
            )
        for i in slow:
            fallback[i] = compute_ticket(cal, cols.fallback(i), now)
    if not len(fast_idx):
        columns = _empty_columns()
    return BatchResult(n, fast_idx, columns, fallback)


def _empty_columns() -> dict[str, Any]:
    z = np.zeros(0, dtype=np.int64)
    b = np.zeros(0, dtype=np.bool_)
    return {
        **dict.fromkeys(("ticket", "name", "state", "budget", "elapsed", "remaining", "paused"), z),
        **dict.fromkeys(("due", "start_ts", "br_ts", "ful_ts", "ignored", "final_status"), z),
        **dict.fromkeys(("valid", "started", "br", "ful", "nat", "final_paused"), b),
        "pol_row": z,
        "slot": z,
        "pol_name_obj": np.zeros((0, 1), dtype=object),
        "pol_unit_obj": np.zeros((0, 1), dtype=object),
        "names": [],
        "status_text": (),
        "uncovered": {},
    }


def _drop_tickets(c: dict[str, Any], keep: Bool, remap: I64) -> dict[str, Any]:
    """Remove the rows of tickets that go to the per-ticket path (``keep`` per vectorised ticket)."""
    rows = keep[c["ticket"]]
    out = dict(c)
    for key in ("ticket", "name", "state", "budget", "elapsed", "remaining", "paused", "due", "start_ts"):
        out[key] = c[key][rows]
    for key in ("br_ts", "ful_ts", "ignored", "valid", "started", "br", "ful", "nat", "pol_row", "slot"):
        out[key] = c[key][rows]
    out["ticket"] = remap[out["ticket"]]
    out["final_status"] = c["final_status"][keep]
    out["final_paused"] = c["final_paused"][keep]
    out["uncovered"] = {int(remap[j]): v for j, v in c["uncovered"].items() if keep[j]}
    return out


_EPOCH: Final = datetime.fromtimestamp(0).astimezone()
_UTC_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
#: ``a - 1970-01-01T00:00Z`` as a C-level callable for ``map`` (raises TypeError for naive ``a``).
_SINCE_EPOCH: Final[Callable[[datetime], timedelta]] = getattr(_UTC_EPOCH, "__rsub__")  # noqa: B009
_DAYS: Final = attrgetter("days")
_SECONDS: Final = attrgetter("seconds")
#: Beyond this many days from 1970 ``floor(timestamp())`` may round differently from exact floor.
_EXACT_DAYS: Final = 40_000


def _epoch_seconds(ats: list[datetime]) -> I64:
    """``floor(a.timestamp())`` for aware datetimes, without a float per value.

    Aware subtraction is exact (and cheap when both share a tzinfo); the whole-second floor of
    the timedelta is ``days * 86400 + seconds``.  Far from 1970, where the float in
    ``timestamp()`` could round across a second boundary, the per-ticket formula is used.
    """
    deltas = list(map(_SINCE_EPOCH, ats))
    count = len(deltas)
    days = np.fromiter(map(_DAYS, deltas), dtype=np.int64, count=count)
    if count and np.abs(days).max() >= _EXACT_DAYS:
        return np.floor(np.fromiter(map(_TIMESTAMP, ats), dtype=np.float64, count=count)).astype(np.int64)
    return days * 86400 + np.fromiter(map(_SECONDS, deltas), dtype=np.int64, count=count)


def epoch_seconds(ats: list[datetime]) -> I64:
    """UTC epoch seconds (floor) of aware datetimes, as the per-ticket engine computes them."""
    return _epoch_seconds(ats)


def _run(
    cal: BusinessCalendar, tl: _TL, cols: EventColumns, fast: Bool, fast_idx: I64, now_ts: int
) -> tuple[dict[str, Any], Bool]:
    nf = len(fast_idx)
    # Renumber fast tickets 0..nf-1 and keep their events up to now (a prefix: they are sorted).
    new_id = np.full(len(fast), -1, dtype=np.int64)
    new_id[fast_idx] = np.arange(nf, dtype=np.int64)
    keep = fast[cols.ticket] & (cols.ts <= now_ts)
    ev = np.nonzero(keep)[0]
    tk = new_id[cols.ticket[ev]]
    kd = cols.kind[ev]
    ts = cols.ts[ev]
    code = cols.code[ev]
    amount = cols.amount[ev]

    # Policies (only those the vectorised tickets use) and statuses.
    used, ticket_pol = np.unique(cols.policy[fast_idx], return_inverse=True)
    ticket_pol = ticket_pol.astype(np.int64).reshape(-1)
    policies = [cols.policies[p] for p in used.tolist()]
    names = _Codes({k: i for i, k in enumerate(cols.names)})
    targets = _Codes({k: i for i, k in enumerate(cols.targets)})
    pol = _Policies(policies, names, targets)

    is_status = (kd == K_STATUS) | (kd == K_CREATED)
    st_code = code[is_status]
    status_list = cols.statuses
    pause_tab = np.zeros((len(policies), max(len(status_list), 1)), dtype=np.bool_)
    for p, policy in enumerate(policies):
        for s, text in enumerate(status_list):
            pause_tab[p, s] = text in policy.pause_statuses
    st_tk = tk[is_status]
    st_flag = pause_tab[ticket_pol[st_tk], st_code]
    # Final status and pause flag per ticket: the last status-bearing event up to now.
    last_st = np.searchsorted(st_tk, np.arange(nf, dtype=np.int64), side="right") - 1
    final_status = st_code[last_st]
    final_paused = st_flag[last_st]
    # Status changes that enter or leave a pause; the first status-bearing event is Created.
    prev_flag = np.empty_like(st_flag)
    prev_flag[1:] = st_flag[:-1]
    toggles = np.zeros(len(ev), dtype=np.bool_)
    toggles[np.nonzero(is_status)[0]] = (st_flag != prev_flag) & (kd[is_status] == K_STATUS)
    ev_flag = np.zeros(len(ev), dtype=np.bool_)
    ev_flag[np.nonzero(is_status)[0]] = st_flag
    created_flag = ev_flag[kd == K_CREATED]  # one per fast ticket, in ticket order
    # Extension target codes index ``targets``; milestone codes index ``names`` (as interned).

    # Business positions of the instants that are used (creation and the active events below), and
    # of now; any event outside the built timeline sends its ticket to the per-ticket path.
    active = toggles | (kd == K_MILESTONE) | (kd == K_EXTENSION)
    need = np.nonzero(active | (kd == K_CREATED))[0]
    mb = np.zeros(len(ev), dtype=np.int64)
    mb[need] = tl.cum_at(ts[need])[0]
    bad_mb = (ts < tl.lo) | (ts >= tl.hi)
    now_mb_arr, _ = tl.cum_at(np.array([now_ts], dtype=np.int64))
    now_mb = int(now_mb_arr[0])

    mach = _Machine(tl, pol, ticket_pol)
    if bad_mb.any():
        mach.bad[tk[bad_mb]] = True
    ticket_paused = created_flag.copy()

    # Created: start every target whose start is "created".
    cr = np.nonzero(kd == K_CREATED)[0]
    created_code = names["created"]
    rows0 = np.nonzero(mach.starts_on == created_code)[0]
    t_of = mach.ticket[rows0]
    c_ts, c_mb = ts[cr], mb[cr]
    mach.start(rows0, c_ts[t_of], c_mb[t_of], ticket_paused[t_of])

    # The remaining events that can change anything, stepped by their position in the ticket.
    act = np.nonzero(active)[0]
    if len(act):
        a_tk = tk[act]
        counts = np.bincount(a_tk, minlength=nf)
        begins = np.cumsum(counts) - counts
        pos = np.arange(len(act), dtype=np.int64) - begins[a_tk]
        # small non-negative positions: a stable sort of a narrow type is a radix sort
        narrow = np.uint8 if int(pos.max()) < 256 else np.int64
        order = np.argsort(pos.astype(narrow), kind="stable")
        bounds = np.searchsorted(pos[order], np.arange(int(pos.max()) + 2))
        for step in range(int(pos.max()) + 1):
            sel = act[order[bounds[step] : bounds[step + 1]]]
            k = kd[sel]
            for kind in (K_STATUS, K_MILESTONE, K_EXTENSION):
                e = sel[k == kind]
                if not len(e):
                    continue
                tks = tk[e]
                if kind == K_STATUS:
                    flag = ev_flag[e]
                    mach.set_pause(tks, ts[e], mb[e], flag)
                    ticket_paused[tks] = flag
                elif kind == K_MILESTONE:
                    mach.milestone(tks, ts[e], mb[e], code[e], ticket_paused[tks])
                else:
                    mach.extension(tks, ts[e], mb[e], code[e], amount[e])

    # Result at now.
    m = mach
    rows_all = np.arange(len(m.started), dtype=np.int64)
    rn = len(rows_all)
    now_v = np.full(rn, now_ts, dtype=np.int64)
    now_b = np.full(rn, now_mb, dtype=np.int64)
    open_ = m.started & ~m.ful
    chk = open_ & m.counting & ~m.br
    r = rows_all[chk]
    m.check_breach(r, now_v[chk], now_b[chk])
    mm = np.where(m.nat, now_ts, now_mb)
    counting = m.counting
    elapsed = np.where(open_, m.consumed + np.where(counting, mm - m.last_m, 0), m.consumed)
    paused = np.where(open_, m.paused + np.where(counting, 0, mm - m.pause_m), m.paused)
    due = m.due_fixed.copy()
    live = open_ & ~m.br
    lc = rows_all[live & counting]
    due[lc] = m.due_counting(lc)
    ls = rows_all[live & ~counting]
    due[ls] = m.due_stopped(ls, now_v[ls], now_b[ls])
    state = np.where(
        ~m.started,
        0,
        np.where(open_, np.where(m.br, 4, np.where(counting, 1, 2)), np.where(m.br, 4, 3)),
    )
    started = m.started
    budget = np.where(started, m.budget, 0)
    elapsed = np.where(started, elapsed, 0)
    paused = np.where(started, paused, 0)
    remaining = budget - elapsed

    # Calendar coverage warnings: local years from creation to the latest due instant.
    covered = cal.covered_years
    uncovered: dict[int, tuple[int, ...]] = {}
    if covered is not None:
        due_m = np.where(started & m.valid, due, now_ts)
        last_ts = np.maximum(due_m.reshape(nf, m.width).max(axis=1), now_ts)
        y_first, bad1 = tl.local_year(ts[cr])
        y_last, bad2 = tl.local_year(last_ts)
        m.bad |= bad1 | bad2
        cov = np.asarray(sorted(covered), dtype=np.int64)
        warn = ~np.isin(y_first, cov) | ~np.isin(y_last, cov) | (y_last - y_first > 1)
        for j in np.nonzero(warn)[0].tolist():
            a, b = int(y_first[j]), int(y_last[j])
            uncovered[j] = tuple(y for y in range(a, b + 1) if y not in covered)

    out = {
        "ticket": m.ticket,
        "valid": m.valid,
        "name": m.name,
        "pol_row": m.pol_row,
        "slot": m.slot,
        "pol_name_obj": pol.name_obj,
        "pol_unit_obj": pol.unit_obj,
        "nat": m.nat,
        "state": state,
        "budget": budget,
        "elapsed": elapsed,
        "remaining": remaining,
        "paused": paused,
        "due": due,
        "started": started,
        "start_ts": m.start_ts,
        "br": m.br,
        "br_ts": m.br_ts,
        "ful": m.ful,
        "ful_ts": m.ful_ts,
        "ignored": m.ignored,
        "final_status": final_status,
        "final_paused": final_paused,
        "status_text": status_list,
        "names": list(targets),
        "uncovered": uncovered,
    }
    return out, m.bad
