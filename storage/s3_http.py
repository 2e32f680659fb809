"""The HTTP client under the S3 store: minio's own, but with bounded patience.

minio's default client waits 300 s for each read and retries 5 times, so an endpoint that
accepts connections and never answers hung every command for half an hour.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Collection, Iterator

import certifi
from minio.error import MinioException, S3Error
from urllib3 import PoolManager, Retry, Timeout
from urllib3.exceptions import HTTPError, MaxRetryError, ProtocolError
from urllib3.exceptions import TimeoutError as ReadOrConnectTimeout

from evidence.errors import NotFound, StoreError

# What an endpoint that is down, silent or cut off raises once the retries are spent.
UNANSWERED = (MaxRetryError, ReadOrConnectTimeout, ProtocolError)


def bounded_http_client(connect_timeout: float, read_timeout: float, retries: int) -> PoolManager:
    """minio's client settings, with the timeouts and retries given. A retry is safe: every
    write is keyed by its content and carries its checksum."""
    return PoolManager(
        timeout=Timeout(connect=connect_timeout, read=read_timeout),
        maxsize=10,
        cert_reqs="CERT_REQUIRED",
        ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
        retries=Retry(
            total=retries,
            backoff_factor=0.2,
            status_forcelist=[500, 502, 503, 504],
        ),
    )


def cause(exc: Exception) -> str:
    return str(exc.reason) if isinstance(exc, MaxRetryError) else str(exc)


@contextlib.contextmanager
def s3_errors(
    subject: str,
    action: str,
    url: str,
    endpoint: str,
    *,
    missing: Collection[str],
    patience: str = "",
) -> Iterator[None]:
    """minio's and urllib3's exceptions as our errors, naming ``subject`` and what it could
    not ``action``: a code in ``missing`` is ``NotFound``; anything else, a silent endpoint
    included, is ``StoreError``."""
    try:
        yield
    except S3Error as exc:
        if exc.code in missing:
            raise NotFound(f"{subject} is missing from {url} ({exc.code})") from exc
        raise StoreError(
            f"{subject}: could not {action} in {url} ({exc.code}: {exc.message})"
        ) from exc
    except UNANSWERED as exc:
        waited = f"{patience}; " if patience else ""
        raise StoreError(
            f"{subject}: could not {action} in {url}: {endpoint} did not answer "
            f"({waited}{cause(exc)})"
        ) from exc
    except (MinioException, HTTPError, OSError) as exc:
        raise StoreError(f"{subject}: could not {action} in {url} ({exc})") from exc
