"""The verifier's two errors: the material does not verify, or the input is not usable."""

from __future__ import annotations


class VerificationError(Exception):
    """A signature, proof or digest does not check out; the message names what and why."""


class BadInput(Exception):
    """The verifier was given something it cannot use (no such folder, not a PEM key)."""
