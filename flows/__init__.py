"""Prefect flows: thin wrappers that pass paths and ids to the plain functions in ``evidence``."""
