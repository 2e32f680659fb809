"""Adapters behind the domain's ports: object stores, database, search, media, speech."""
