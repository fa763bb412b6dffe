"""The periodic SLA sweep, column-wise: open tickets and their timeline rows are read with
``values_list`` in chunks (no model instances), turned straight into the engine's event columns
(:func:`sqms.sla.batch.columns_from_arrays`), computed with :func:`sqms.sla.batch.compute_columns`
one batch per calendar, and the escalation thresholds crossed are found with numpy. Model instances
are loaded only for the tickets that escalate now.

The answers are those of the per-ticket path (``services.ticket_events`` + ``compute_ticket``):
tickets the vectorised engine does not model (a priority change, a reopening, events out of order)
get their full event log through ``calendars.events_for``, exactly as before.

Incremental: each computed ticket stores ``sla_next_at``, the instant its figures next change
without a new event (its next 50/75/100 % crossing, exact on the calendar; for a paused ticket, the
instant its stored due time would fall due; far in the future when nothing changes until an event).
A new clock event, a calendar edit or a policy edit clears it (``models.invalidate_sla``). A sweep
reads only the tickets with ``sla_next_at`` unset or reached; ``full=True`` reads every open ticket.
Writes are plain ``UPDATE`` statements (``executemany``) of the rows that changed; ``sla_next_at`` is
written only if ``sla_seq`` is still the one read, so an event that arrives while the sweep computes
leaves the ticket marked for the next sweep."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import Any, NamedTuple

import numpy as np
from django.db import connection, transaction
from django.db.models import BigIntegerField, Func, Q

from sqms import sla
from sqms.feedback import domain
from sqms.feedback.calendars import clock_policy, engine_for, events_for
from sqms.feedback.models import (
    CLOCK_KINDS,
    OPEN_STATUSES,
    Calendar,
    Escalation,
    SlaPolicy,
    Status,
    Ticket,
    TicketEvent,
)
from sqms.sla import batch as sb
from sqms.sla.arithmetic import from_ts

#: the timeline kinds the clock reads (other kinds carry nothing for it)
SWEEP_KINDS = CLOCK_KINDS

#: ``sla_next_at`` of a ticket whose figures change only with a new event (2999-12-31 UTC)
NEVER_TS = 32503593600

_BREACHED = sb.STATES.index(sla.State.BREACHED)
_NO_STEP = (sb.STATES.index(sla.State.PENDING), sb.STATES.index(sla.State.MET))


class EpochSeconds(Func):  # type: ignore[misc]
    """UTC epoch seconds (floor) of a datetime column, computed by the database: the sweep reads
    integers instead of having Django parse a datetime per row."""

    output_field = BigIntegerField()
    template = "CAST(FLOOR(EXTRACT(EPOCH FROM %(expressions)s)) AS BIGINT)"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)", **extra
        )


class EventRow(NamedTuple):
    """The fields of a timeline row that the SLA clock reads (see ``calendars.events_for``)."""

    ticket_id: int
    kind: str
    at: datetime
    to_status: str
    data: dict[str, Any]


class _Interned(dict[str, int]):
    def __missing__(self, key: str) -> int:
        code = len(self)
        self[key] = code
        return code


class _Sweep:
    """State shared by the chunks of one sweep: policy rows, engine policies, interned strings."""

    def __init__(self) -> None:
        self.policy_rows: dict[int, SlaPolicy | None] = {}
        self.policies: list[sla.ClockPolicy] = []
        self.policy_index: dict[tuple[str, int], int] = {}
        self.statuses = _Interned()
        self.names = _Interned()
        self.targets = _Interned()

    def load_policies(self, pks: set[int]) -> None:
        missing = [pk for pk in pks if pk not in self.policy_rows]
        if missing:
            found = {p.pk: p for p in SlaPolicy.objects.filter(pk__in=missing)}
            for pk in missing:
                self.policy_rows[pk] = found.get(pk)

    def policy_of(
        self, priority: str | None, policy_id: Any, ticket_priority: str, ticket_policy: int
    ) -> int:
        """Index of the engine policy ``services.ticket_events``' ``policy_for`` would return."""
        prio = priority or ticket_priority
        pid = ticket_policy
        if policy_id is not None and policy_id != ticket_policy:
            if policy_id not in self.policy_rows:
                self.load_policies({policy_id})
            if self.policy_rows.get(policy_id) is not None:
                pid = policy_id
        key = (prio, pid)
        idx = self.policy_index.get(key)
        if idx is None:
            row = self.policy_rows[pid]
            idx = len(self.policies)
            self.policies.append(clock_policy(row, prio))
            self.policy_index[key] = idx
        return idx


def sla_sweep_columns(
    now: datetime, batch: int = 2000, fire: Callable[..., bool] | None = None, *, full: bool = False
) -> dict[str, int]:
    """The sweep of :func:`sqms.feedback.services.sla_sweep` (which calls this with its ``_fire``).

    ``full``: every open ticket; otherwise only those whose ``sla_next_at`` is unset or reached.
    ``stats["tickets"]`` counts the tickets computed."""
    assert fire is not None
    state = _Sweep()
    stats = {"tickets": 0, "escalations": 0, "breaches": 0}
    qs = Ticket.objects.filter(
        status__in=[*OPEN_STATUSES, Status.RESOLVED], sla_policy__isnull=False, archived_at__isnull=True
    )
    if not full:
        qs = qs.filter(Q(sla_next_at__isnull=True) | Q(sla_next_at__lte=now))
    ids = list(qs.order_by("pk").values_list("pk", flat=True))
    fields = (
        "pk",
        "priority",
        "sla_policy_id",
        "sla_policy__calendar_id",
        "rx_ts",
        "fr_ts",
        "rs_ts",
        "breached",
        "next_ts",
        "sla_seq",
    )
    rows_qs = Ticket.objects.annotate(
        rx_ts=EpochSeconds("received_at"),
        fr_ts=EpochSeconds("first_response_due"),
        rs_ts=EpochSeconds("resolution_due"),
        next_ts=EpochSeconds("sla_next_at"),
    ).order_by("pk")
    for start in range(0, len(ids), batch):
        part = ids[start : start + batch]
        lo, hi = part[0], part[-1]
        dense = len(part) * 2 >= hi - lo + 1
        if dense:  # a full sweep: read by id range, no query parameter per ticket
            wanted = set(part)
            rows = rows_qs.filter(pk__gte=lo, pk__lte=hi).values_list(*fields)
            chunk = [row for row in rows if row[0] in wanted]
        else:
            chunk = list(rows_qs.filter(pk__in=part).values_list(*fields))
        stats["tickets"] += len(chunk)
        _sweep_chunk(state, chunk, now, stats, fire, (lo, hi) if dense else None)
    return stats


def _raw_rows(qs: Any, index: dict[int, int]) -> list[tuple[Any, ...]]:
    """The rows of a ``values_list`` query of timeline rows, run on the cursor (no per-row converters:
    the instants are integers already; ``data`` is parsed only when not empty), keeping the rows of
    the tickets in ``index``."""
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        raw = cursor.fetchall()
    out = []
    loads = json.loads
    for tid, kind, at, to_status, data in raw:
        if tid not in index:
            continue
        if isinstance(data, str):
            data = _EMPTY if data == "{}" else loads(data)
        out.append((tid, kind, int(at), to_status, data or _EMPTY))
    return out


_EMPTY: dict[str, Any] = {}


def _sweep_chunk(
    state: _Sweep,
    chunk: list[tuple[Any, ...]],
    now: datetime,
    stats: dict[str, int],
    fire: Callable[..., bool],
    span: tuple[int, int] | None = None,
) -> None:
    n = len(chunk)
    pks = [t[0] for t in chunk]
    index = {pk: i for i, pk in enumerate(pks)}
    prio = [t[1] for t in chunk]
    tpol = [t[2] for t in chunk]
    state.load_policies(set(tpol))
    events = TicketEvent.objects.filter(kind__in=SWEEP_KINDS)
    if span is not None:
        events = events.filter(ticket_id__gte=span[0], ticket_id__lte=span[1])
    else:
        events = events.filter(ticket_id__in=pks)
    rows = _raw_rows(
        events.order_by("ticket_id", "at", "id")
        .annotate(at_ts=EpochSeconds("at"))
        .values_list("ticket_id", "kind", "at_ts", "to_status", "data"),
        index,
    )
    # ---- event columns (one pass over the rows; sub-events of a row share its instant)
    statuses, names, targets = state.statuses, state.names, state.targets
    out: list[tuple[int, int, int, int, float]] = []
    add = out.append
    policy = [-1] * n
    has_created = [False] * n
    begin = [0] * n
    end = [0] * n
    responded, resolved, confirmed = names["responded"], names["resolved"], names["confirmed"]
    K_CREATED, K_STATUS, K_MILESTONE, K_EXTENSION, K_OTHER = (
        sb.K_CREATED,
        sb.K_STATUS,
        sb.K_MILESTONE,
        sb.K_EXTENSION,
        sb.K_OTHER,
    )
    no_code = sb.NO_CODE
    prev = -1
    for r, (tid, kind, at, to_status, data) in enumerate(rows):
        i = index[tid]
        if i != prev:
            begin[i] = r
            prev = i
        end[i] = r + 1
        if kind == "created":
            p = state.policy_of(data.get("priority", prio[i]), data.get("policy", tpol[i]), prio[i], tpol[i])
            if not has_created[i]:
                has_created[i] = True
                policy[i] = p
            add((i, K_CREATED, at, statuses[to_status or "new"], 0.0))
        elif kind == "status":
            add((i, K_STATUS, at, statuses[to_status], 0.0))
            if to_status == "resolved":
                add((i, K_MILESTONE, at, resolved, 0.0))
            elif to_status in ("confirmed", "closed"):
                add((i, K_MILESTONE, at, confirmed, 0.0))
            if data.get("reopen"):
                add((i, K_OTHER, at, no_code, 0.0))
        elif kind == "reply":
            add((i, K_MILESTONE, at, responded, 0.0))
        elif kind == "priority":
            add((i, K_OTHER, at, no_code, 0.0))
        elif kind == "extension":
            add((i, K_EXTENSION, at, targets[data.get("target", "resolution")], float(data.get("amount", 0))))
        if data.get("responded"):
            add((i, K_MILESTONE, at, responded, 0.0))
    count = len(out)
    # tickets without a "created" row start with Created(received_at, their policy, "new")
    for i in range(n):
        if not has_created[i]:
            policy[i] = state.policy_of(prio[i], tpol[i], prio[i], tpol[i])
            add((i, K_CREATED, chunk[i][4], statuses["new"], 0.0))
    if out:
        ev_t, ev_k, ev_at, ev_c, ev_a = zip(*out, strict=True)
    else:
        ev_t = ev_k = ev_at = ev_c = ev_a = ()
    t_col = np.asarray(ev_t, dtype=np.int64)
    k_col = np.asarray(ev_k, dtype=np.int64)
    ts_col = np.asarray(ev_at, dtype=np.int64)
    c_col = np.asarray(ev_c, dtype=np.int64)
    a_col = np.asarray(ev_a, dtype=np.float64)
    seq = np.arange(len(out), dtype=np.int64)
    seq[count:] = -1  # the synthetic Created goes first in its ticket's log
    if count < len(out):
        order = np.lexsort((seq, t_col))
        t_col, k_col, ts_col, c_col, a_col = (
            t_col[order],
            k_col[order],
            ts_col[order],
            c_col[order],
            a_col[order],
        )
    pol_col = np.asarray(policy, dtype=np.int64)

    def full_log(i: int) -> Sequence[sla.Event]:
        """Ticket ``i``'s event log as ``services.ticket_events`` builds it (per-ticket engine)."""
        ticket = SimpleNamespace(priority=prio[i], sla_policy_id=tpol[i])

        def policy_for(priority: str, policy_id: int | None) -> sla.ClockPolicy:
            return state.policies[state.policy_of(priority, policy_id, prio[i], tpol[i])]

        mine = [EventRow(r[0], r[1], from_ts(r[2]), r[3], r[4]) for r in rows[begin[i] : end[i]]]
        events = events_for(ticket, mine, policy_for)
        if not any(isinstance(e, sla.Created) for e in events):
            events.insert(0, sla.Created(from_ts(chunk[i][4]), policy_for(prio[i], tpol[i])))
        return events

    # ---- one batch per calendar
    cal_ids = [t[3] for t in chunk]
    calendars = {c.pk: c for c in Calendar.objects.filter(pk__in=set(cal_ids))}
    cal_col = np.asarray(cal_ids, dtype=np.int64)
    ev_cal = cal_col[t_col] if len(t_col) else np.zeros(0, dtype=np.int64)
    stored_fr = [t[5] for t in chunk]
    stored_rs = [t[6] for t in chunk]
    stored_br = [t[7] for t in chunk]
    stored = (stored_fr, stored_rs, stored_br, [t[8] for t in chunk], [t[9] for t in chunk])
    updates: list[tuple[Any, ...]] = []
    for cal_id in sorted(calendars):
        mine_t = np.nonzero(cal_col == cal_id)[0]
        remap = np.full(n, -1, dtype=np.int64)
        remap[mine_t] = np.arange(len(mine_t), dtype=np.int64)
        sel = ev_cal == cal_id
        g_idx = mine_t.tolist()
        cols = sb.columns_from_arrays(
            n=len(mine_t),
            ticket=remap[t_col[sel]],
            kind=k_col[sel],
            ts=ts_col[sel],
            code=c_col[sel],
            amount=a_col[sel],
            policy=pol_col[mine_t],
            policies=state.policies,
            statuses=tuple(statuses),
            names=tuple(names),
            targets=tuple(targets),
            fallback=lambda j, g=g_idx: full_log(g[j]),  # type: ignore[misc]
        )
        cal = engine_for(calendars[cal_id])
        result = sb.compute_columns(cal, cols, now)
        wake = result.wake_ts(cal, now, [pct for pct, _who in domain.LADDER])
        _apply(result, state, g_idx, pks, stored, wake, now, stats, fire, updates)
    _write(updates)


_UPDATE_SQL = (
    "UPDATE {table} SET {fr} = %s, {rs} = %s, {br} = %s, "
    "{nx} = CASE WHEN {seq} = %s THEN %s ELSE {nx} END WHERE {pk} = %s"
)


def _write(updates: list[tuple[Any, ...]]) -> None:
    """One ``executemany`` of plain UPDATEs: (first response due, resolution due, breached, next
    check, the ``sla_seq`` read, pk). The next check is kept only if no event came in meanwhile."""
    if not updates:
        return
    q = connection.ops.quote_name
    sql = _UPDATE_SQL.format(
        table=q(Ticket._meta.db_table),
        fr=q("first_response_due"),
        rs=q("resolution_due"),
        br=q("breached"),
        nx=q("sla_next_at"),
        seq=q("sla_seq"),
        pk=q("id"),
    )
    adapt = connection.ops.adapt_datetimefield_value
    params = [
        (
            adapt(None if fr < 0 else from_ts(fr)),
            adapt(None if rs < 0 else from_ts(rs)),
            br,
            seq,
            adapt(from_ts(nx)),
            pk,
        )
        for fr, rs, br, nx, seq, pk in updates
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for k in range(0, len(params), 5000):
            cursor.executemany(sql, params[k : k + 5000])


def _stored_ts(values: list[Any]) -> np.ndarray:
    """Epoch seconds (or -1) of stored instants read as epoch seconds."""
    return np.asarray([-1 if v is None else v for v in values], dtype=np.int64)


def _apply(
    result: sb.BatchResult,
    state: _Sweep,
    g_idx: list[int],
    pks: list[int],
    stored: tuple[list[Any], ...],
    wake: np.ndarray,
    now: datetime,
    stats: dict[str, int],
    fire: Callable[..., bool],
    updates: list[tuple[Any, ...]],
) -> None:
    m = result.n
    names = {spec.name for p in state.policies for spec in p.targets}
    for clock in result.fallback.values():
        names.update(clock.targets)
    breached = np.zeros(m, dtype=np.bool_)
    reached_steps: list[tuple[int, str, int]] = []  # (ticket index, target, step) reached at now
    due: dict[str, np.ndarray] = {}
    for name in sorted(names):
        col = result.target(name)
        if not col.present.any():
            continue
        breached |= col.present & (col.state == _BREACHED)
        if name in ("first_response", "resolution"):
            due[name] = np.where(col.present, col.due_ts, -1)
        open_ = col.present & (col.fulfilled_ts < 0) & ~np.isin(col.state, _NO_STEP)
        for pct, _who in domain.LADDER:
            reached = (col.budget <= 0) | (col.elapsed * 100 >= pct * col.budget)
            reached_steps.extend((j, name, pct) for j in np.nonzero(open_ & reached)[0].tolist())
    # ---- cached due times, breach flag and next check: only the rows that changed are written
    stored_fr, stored_rs, stored_br, stored_next, seqs = stored
    no_due = np.full(m, -1, dtype=np.int64)
    new_fr, new_rs = due.get("first_response", no_due), due.get("resolution", no_due)
    new_next = np.where(wake < 0, NEVER_TS, wake)
    fr_ts = _stored_ts([stored_fr[i] for i in g_idx])
    rs_ts = _stored_ts([stored_rs[i] for i in g_idx])
    next_ts = _stored_ts([stored_next[i] for i in g_idx])
    old_br = np.asarray([bool(stored_br[i]) for i in g_idx], dtype=np.bool_)
    changed = (fr_ts != new_fr) | (rs_ts != new_rs) | (old_br != breached) | (next_ts != new_next)
    for j in np.nonzero(changed)[0].tolist():
        i = g_idx[j]
        updates.append((int(new_fr[j]), int(new_rs[j]), bool(breached[j]), int(new_next[j]), seqs[i], pks[i]))
    # ---- escalations: only tickets with a reached step not fired yet build a clock and load their row
    if not reached_steps:
        return
    cand_pks = sorted({pks[g_idx[j]] for j, _n, _p in reached_steps})
    fired = set(Escalation.objects.filter(ticket_id__in=cand_pks).values_list("ticket_id", "target", "step"))
    due_now = sorted({j for j, name, pct in reached_steps if (pks[g_idx[j]], name, pct) not in fired})
    if not due_now:
        return
    todo = [(pks[g_idx[j]], clock) for j, clock in zip(due_now, result.clocks_for(due_now), strict=True)]
    tickets = Ticket.objects.select_related("org_unit", "assignee", "sla_policy__calendar").in_bulk(
        [pk for pk, _c in todo]
    )
    for pk, clock in todo:
        t = tickets.get(pk)
        if t is None:
            continue
        for name, st in clock.targets.items():
            if st.fulfilled_ts is not None or st.state in (sla.State.PENDING, sla.State.MET):
                continue
            for pct, who in domain.steps_reached(st.elapsed, st.budget):
                if (pk, name, pct) in fired:
                    continue
                if fire(t, name, pct, who, st, now):
                    stats["escalations"] += 1
                    if pct == 100:
                        stats["breaches"] += 1
