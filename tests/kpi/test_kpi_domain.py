import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sqms.kpi import domain

TZ = ZoneInfo("Asia/Shanghai")


def test_bucket_index_edges():
    assert domain.bucket_index(-3) == 0
    assert domain.bucket_index(0) == 0
    assert domain.bucket_index(4.9) == 0
    assert domain.bucket_index(5) == 1
    assert domain.bucket_index(59) == 4
    assert domain.bucket_index(60) == 5
    assert domain.bucket_index(10**9) == domain.N_BUCKETS - 1
    for i, edge in enumerate(domain.BUCKET_EDGES):
        assert domain.bucket_index(edge) == i


def hist_of(values):
    h = [0] * domain.N_BUCKETS
    for v in values:
        h[domain.bucket_index(v)] += 1
    return h


def test_percentile_empty_and_single_bucket():
    assert domain.percentile([0] * domain.N_BUCKETS, 0.9) is None
    h = hist_of([100] * 10)  # bucket [60, 120)
    assert domain.percentile(h, 0.5) == pytest.approx(90)
    assert domain.percentile(h, 1.0) == pytest.approx(120)
    assert domain.percentile(h, 0.0) == pytest.approx(60)


def test_percentile_open_last_bucket_returns_its_edge():
    h = hist_of([2_000_000, 3_000_000])
    assert domain.percentile(h, 0.9) == domain.BUCKET_EDGES[-1]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_percentile_close_to_numpy_on_lognormal_data(seed):
    rng = np.random.default_rng(seed)
    values = rng.lognormal(mean=6, sigma=1.2, size=20_000)  # median ~ 400 s
    h = hist_of(values)
    for q in (0.5, 0.75, 0.9, 0.95):
        exact = float(np.percentile(values, q * 100))
        est = domain.percentile(h, q)
        b = domain.bucket_index(exact)
        lo = domain.BUCKET_EDGES[b]
        hi = domain.BUCKET_EDGES[b + 1]
        # never further than one bucket width, and in practice within 15 %
        assert lo - (hi - lo) <= est <= hi + (hi - lo)
        assert est == pytest.approx(exact, rel=0.15)


def test_percentile_exact_on_uniform_bucket_data():
    # values spread uniformly inside buckets: interpolation is then exact (up to sampling)
    values = np.linspace(600, 900, 100_001)[:-1]
    h = hist_of(values)
    assert domain.percentile(h, 0.9) == pytest.approx(float(np.percentile(values, 90)), rel=1e-3)


def raw(**kw):
    row = {
        "external_id": "X1",
        "unit": "BA",
        "service_type": "repair",
        "channel": "phone",
        "requested_at": "2026-10-01T09:00:00",
        "first_response_at": "2026-10-01T09:01:00",
        "completed_at": "2026-10-01T10:00:00",
        "promised_at": "2026-10-01T12:00:00",
        "first_contact_resolution": "true",
        "rating": "5",
    }
    row.update(kw)
    return row


def test_validate_row_ok_and_naive_times_are_local():
    row, errors = domain.validate_row(raw(), TZ)
    assert errors == {}
    assert row.requested_at == dt.datetime(2026, 10, 1, 9, tzinfo=TZ)
    assert row.first_contact_resolution is True and row.rating == 5


def test_validate_row_reasons_per_field():
    row, errors = domain.validate_row(
        raw(
            external_id="",
            completed_at="2026-10-01T08:00:00",
            rating="6",
            first_response_at="yesterday",
            first_contact_resolution="maybe",
        ),
        TZ,
    )
    assert row is None
    assert set(errors) == {
        "external_id",
        "completed_at",
        "rating",
        "first_response_at",
        "first_contact_resolution",
    }
    assert errors["completed_at"] == ["Must not be earlier than requested_at."]


def test_validate_row_requires_requested_at():
    _row, errors = domain.validate_row(raw(requested_at=None), TZ)
    assert errors["requested_at"] == ["This field is required."]


def fact(unit=1, hour=9, response=60, handling=3600, promise=7200, fcr=True, rating=4, channel="phone"):
    start = dt.datetime(2026, 10, 1, hour, tzinfo=TZ)
    return domain.Fact(
        unit,
        "repair",
        channel,
        start,
        start + dt.timedelta(seconds=response) if response is not None else None,
        start + dt.timedelta(seconds=handling) if handling is not None else None,
        start + dt.timedelta(seconds=promise) if promise is not None else None,
        fcr,
        rating,
    )


def test_rollup_delta_counts_and_local_day():
    # 01:00 local on Oct 2 is Oct 1 17:00 UTC: the local date decides the day
    late = fact(hour=9)._replace(requested_at=dt.datetime(2026, 10, 1, 17, tzinfo=dt.UTC))
    delta = domain.rollup_delta([fact(), fact(handling=9000, rating=None, fcr=False), late], TZ)
    d = delta[(1, dt.date(2026, 10, 1), "repair", "phone")]
    assert (d.total, d.completed, d.with_promise, d.on_time, d.fcr) == (2, 2, 2, 1, 1)
    assert (d.rating_count, d.rating_sum, d.responded, d.response_seconds) == (1, 4, 2, 120)
    assert d.handling_seconds == 3600 + 9000
    assert (1, dt.date(2026, 10, 2), "repair", "phone") in delta


def test_rollup_delta_add_then_remove_is_empty():
    f = fact()
    assert domain.rollup_delta([f], TZ, removed=[f]) == {}


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 3),
            st.integers(0, 23),
            st.one_of(st.none(), st.integers(0, 200_000)),
            st.one_of(st.none(), st.integers(0, 2_000_000)),
            st.one_of(st.none(), st.integers(0, 200_000)),
            st.booleans(),
            st.one_of(st.none(), st.integers(1, 5)),
        ),
        max_size=30,
    ),
    st.data(),
)
def test_rollup_delta_is_additive(items, data):
    facts = [fact(*i) for i in items]
    split = data.draw(st.integers(0, len(facts)))
    whole = domain.rollup_delta(facts, TZ)
    parts = domain.rollup_delta(facts[:split], TZ)
    for key, d in domain.rollup_delta(facts[split:], TZ).items():
        parts.setdefault(key, domain.Delta()).add(d)
    assert {k: v for k, v in parts.items() if not v.is_zero()} == whole
