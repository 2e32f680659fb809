"""A bundle's name is its identifier: two exports of a case must never share one."""

from __future__ import annotations

from evidence.bundle import bundle_name


def test_exports_in_the_same_second_get_different_names() -> None:
    first = bundle_name("01YZ1234524", "2026-11-26T04:04:11.000001Z")
    second = bundle_name("01YZ1234524", "2026-11-26T04:04:11.000002Z")
    assert first == "01YZ1234524_20261126T040411.000001Z"
    assert first != second
