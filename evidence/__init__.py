"""The evidence domain: items, fixity, custody, cases and bundles.

Nothing here imports Prefect, SQLAlchemy or an object-store client; adapters live in
``storage`` and are wired by ``storage.bootstrap``.
"""
