"""Offline verifier for CPS evidence bundles; standard library, cryptography and rfc8785 only."""
