"""GCJ-02 ↔ WGS-84: round trip, the known size of the offset in Shanghai, nothing moves outside the (rough,
rectangular) China area the published formula uses."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from opentrade.domain.geo import gcj02_to_wgs84, wgs84_to_gcj02
from opentrade.refdata.reference import great_circle_km


@settings(max_examples=200, deadline=None)
@given(st.floats(18.0, 53.0), st.floats(74.0, 134.0))
def test_round_trip_inside_china(lat: float, lon: float) -> None:
    g_lat, g_lon = wgs84_to_gcj02(lat, lon)
    w_lat, w_lon = gcj02_to_wgs84(g_lat, g_lon)
    assert abs(w_lat - lat) < 1e-7 and abs(w_lon - lon) < 1e-7


def test_offset_in_yangpu_is_a_few_hundred_metres() -> None:
    lat, lon = 31.2700, 121.5200  # Yangpu riverside, WGS-84
    g_lat, g_lon = wgs84_to_gcj02(lat, lon)
    km = great_circle_km(lat, lon, float(g_lat), float(g_lon))
    assert 0.3 < km < 0.8  # GCJ-02 shifts Shanghai by roughly half a kilometre


def test_outside_china_nothing_moves_and_nan_stays_nan() -> None:
    lat, lon = gcj02_to_wgs84(np.array([35.68, np.nan]), np.array([139.76, 121.5]))  # Tokyo, missing
    assert lat[0] == 35.68 and lon[0] == 139.76 and np.isnan(lat[1])
