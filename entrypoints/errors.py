"""Domain errors mapped to exit codes and HTTP statuses, once."""

from __future__ import annotations

from evidence import errors

EXIT_CODES: list[tuple[type[errors.EvidenceError], int]] = [
    (errors.InvalidInput, 2),
    (errors.NotFound, 3),
    (errors.FixityError, 4),
    (errors.PermissionDenied, 5),
    (errors.ConfigurationError, 6),
    (errors.Conflict, 7),
    (errors.StoreError, 8),
    (errors.TranscriptionError, 9),
    (errors.TooLarge, 2),
    (errors.QuotaExceeded, 8),
]

HTTP_STATUSES: list[tuple[type[errors.EvidenceError], int]] = [
    (errors.InvalidInput, 422),
    (errors.NotFound, 404),
    (errors.FixityError, 409),
    (errors.PermissionDenied, 403),
    (errors.Conflict, 409),
    (errors.ConfigurationError, 500),
    (errors.StoreError, 503),
    (errors.TranscriptionError, 500),
    (errors.TooLarge, 413),
    (errors.QuotaExceeded, 507),
]


def exit_code(error: errors.EvidenceError) -> int:
    return next((code for cls, code in EXIT_CODES if isinstance(error, cls)), 1)


def http_status(error: errors.EvidenceError) -> int:
    return next((code for cls, code in HTTP_STATUSES if isinstance(error, cls)), 500)
