"""Entrypoints: the CLI and the HTTP API. The only place errors become exit codes or statuses."""
