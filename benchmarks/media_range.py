"""A 1 MiB range at the end of a large object on S3 (moto): ranged read vs read-and-discard.

Starts a moto S3 server on a free loopback port, stores one object of SIZE MiB (random
bytes, under COMPLIANCE retention as in production), then times, alternating, REPEAT times:

- ranged: ``S3Store.open_range`` for the last 1 MiB (what the web media route now does);
- discard: ``S3Store.open`` from byte 0, reading and dropping everything before the last
  1 MiB in 256 KiB chunks (what it did before).

Both must give the same bytes. Prints the medians, the bytes each fetched from the store
and the ratios. A 1-byte read at the start is timed too: moto keeps objects in memory and
pays a fixed cost per GET that grows with the object, which a real MinIO, reading from disk
at the offset, does not; it bounds how far the time ratio can go on moto.

    .venv/bin/python benchmarks/media_range.py [--mib 256] [--repeat 5]
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from storage.s3_store import S3Store

MiB = 1024 * 1024
CHUNK = 256 * 1024


@contextmanager
def moto_server() -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not _answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("moto_server did not start")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _answers(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        connection.request("GET", "/")
        connection.getresponse().read()
    except OSError:
        return False
    finally:
        connection.close()
    return True


def store_object(store: S3Store, size: int) -> str:
    with tempfile.TemporaryFile() as source:
        seed = hashlib.sha256(b"media-range").digest()
        written = 0
        while written < size:
            block = hashlib.shake_256(seed + written.to_bytes(8, "big")).digest(
                min(MiB, size - written)
            )
            source.write(block)
            written += len(block)
        source.seek(0)
        return store.put(source, label="benchmark.mp4").key


def ranged(store: S3Store, key: str, start: int, length: int) -> bytes:
    with store.open_range(key, start, length) as stream:
        return stream.read()


def discard(store: S3Store, key: str, start: int, length: int) -> bytes:
    with store.open(key) as stream:
        to_skip = start
        while to_skip > 0:
            to_skip -= len(stream.read(min(CHUNK, to_skip)))
        return stream.read(length)


def first_byte(store: S3Store, key: str, start: int, length: int) -> bytes:
    """One byte at the start: the server's fixed cost of a GET on this object."""
    return ranged(store, key, 0, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    size = args.mib * MiB
    start, length = size - MiB, MiB
    with moto_server() as endpoint:
        store = S3Store("media-range-bench", endpoint, "testing", "testing")
        began = time.perf_counter()
        key = store_object(store, size)
        print(f"stored {args.mib} MiB in {time.perf_counter() - began:.1f} s")
        times: dict[str, list[float]] = {"ranged": [], "discard": [], "1-byte": []}
        answers: dict[str, bytes] = {}
        for _ in range(args.repeat):
            for name, read in (("ranged", ranged), ("discard", discard), ("1-byte", first_byte)):
                began = time.perf_counter()
                answers[name] = read(store, key, start, length)
                times[name].append(time.perf_counter() - began)
        if answers["ranged"] != answers["discard"] or len(answers["ranged"]) != length:
            raise SystemExit("the two reads gave different bytes")
    medians = {name: statistics.median(values) for name, values in times.items()}
    fetched = {"ranged": length, "discard": size, "1-byte": 1}
    for name, median in medians.items():
        print(
            f"{name:8s} median {median * 1000:9.1f} ms over {args.repeat} runs, "
            f"{fetched[name] / MiB:8.2f} MiB from the store"
        )
    print(f"time:  discard / ranged = {medians['discard'] / medians['ranged']:.1f}x")
    print(f"bytes: discard / ranged = {size / length:.0f}x")


if __name__ == "__main__":
    main()
