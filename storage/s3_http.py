"""The HTTP client under the S3 store: minio's own, but with bounded patience.

minio's default client waits 300 s for each read and retries 5 times, so an endpoint that
accepts connections and never answers hung every command for half an hour.
"""

from __future__ import annotations

import os

import certifi
from urllib3 import PoolManager, Retry, Timeout
from urllib3.exceptions import MaxRetryError, ProtocolError
from urllib3.exceptions import TimeoutError as ReadOrConnectTimeout

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
