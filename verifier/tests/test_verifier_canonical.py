"""RFC 8785 known answers (the RFC's own examples) and the two custody hash formats."""

from __future__ import annotations

import hashlib
import json
import struct

import pytest
import rfc8785

from bundle_verifier.canonical import CURRENT_FORMAT, canonical_bytes, event_hash, leaf_entry

# RFC 8785 section 3.2.2 (input) and 3.2.4 (its canonical form).
RFC_INPUT = (
    '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],'
    ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
    ' "literals": [null, true, false]}'
)
RFC_OUTPUT = (
    '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
    '"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
)

# RFC 8785 Appendix B: IEEE 754 bit patterns and their canonical text.
APPENDIX_B = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


def double(bits: str) -> float:
    return struct.unpack(">d", bytes.fromhex(bits))[0]


def test_the_rfc_example_object_canonicalises_as_the_rfc_prints_it() -> None:
    assert canonical_bytes(json.loads(RFC_INPUT), 2) == RFC_OUTPUT.encode("utf-8")


@pytest.mark.parametrize(("bits", "expected"), APPENDIX_B)
def test_appendix_b_numbers(bits: str, expected: str) -> None:
    assert canonical_bytes(double(bits), 2) == expected.encode()


@pytest.mark.parametrize("bits", ["7fffffffffffffff", "7ff0000000000000", "fff0000000000000"])
def test_nan_and_infinity_are_refused(bits: str) -> None:
    with pytest.raises(rfc8785.CanonicalizationError):
        canonical_bytes(double(bits), 2)


def test_property_names_sort_by_utf16_code_units() -> None:
    # RFC 8785 section 3.2.3's sorting example.
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    order = list(json.loads(canonical_bytes(value, 2)))
    assert order == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


def test_format_1_is_python_sorted_json_as_before() -> None:
    value = {"b": 1, "a": "\u00e9", "c": [1.5, None]}
    assert canonical_bytes(value, 1) == '{"a":"\u00e9","b":1,"c":[1.5,null]}'.encode()
    with pytest.raises(ValueError, match="unknown canonical format 3"):
        canonical_bytes(value, 3)


def test_event_hash_uses_the_events_own_format_and_skips_its_hash() -> None:
    # 0.000001 and the key order tell the formats apart: Python writes 1e-06 and sorts by
    # code point; RFC 8785 writes 0.000001 and sorts by UTF-16 code unit.
    old = {"seq": 1, "value": 0.000001, "\ufb33": 1, "\U0001f600": 2, "hash": "ignored"}
    expected_old = '{"seq":1,"value":1e-06,"\ufb33":1,"\U0001f600":2}'.encode()
    assert event_hash(old) == hashlib.sha256(expected_old).hexdigest()
    new = {**old, "format": 2}
    expected_new = '{"format":2,"seq":1,"value":0.000001,"\U0001f600":2,"\ufb33":1}'.encode()
    assert event_hash(new) == hashlib.sha256(expected_new).hexdigest()
    assert CURRENT_FORMAT == 2


def test_leaf_entry_commits_to_the_log_and_the_whole_record() -> None:
    record = {"seq": 1, "hash": "ab"}
    assert leaf_entry("custody", record) == b'{"event":{"hash":"ab","seq":1},"log":"custody"}'
    assert leaf_entry("audit", record) != leaf_entry("custody", record)
