"""Officer uploads: multipart parts streamed straight into a dock folder, never into memory.

Every part's file name goes through ``upload_name`` once, and that normalised name is the
one written, checked and recorded. A body is taken in only whole: one that passes its
allowance, ends before its closing boundary, or drops its connection is refused and its
folder removed, so no partial file is ever left for ingest.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import uuid
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from fastapi import Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect

from evidence.access import Principal
from evidence.dock import SIDECAR_SUFFIX
from evidence.errors import InvalidInput, PermissionDenied
from evidence.sidecar import SIDECAR_LIMIT, parse_sidecar
from evidence.upload_rules import BodyAllowance, officer_refusal, shown, upload_name

TEXT_FIELD_LIMIT = 1024


class UploadedDock:
    """Receives one multipart body: file parts become dock files, text parts options."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: list[str] = []
        self.fields: dict[str, str] = {}
        self.complete = False
        self._folders: set[str] = set()
        self._headers: dict[bytes, bytes] = {}
        self._field = b""
        self._value = b""
        self._name = ""
        self._out: BinaryIO | None = None
        self._text = bytearray()
        self._error: InvalidInput | None = None

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": lambda data, start, end: self._add("_field", data[start:end]),
            "on_header_value": lambda data, start, end: self._add("_value", data[start:end]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
            "on_end": self._end,
        }

    def _add(self, attribute: str, data: bytes) -> None:
        setattr(self, attribute, getattr(self, attribute) + data)

    def _part_begin(self) -> None:
        self._headers, self._text, self._out = {}, bytearray(), None

    def _header_end(self) -> None:
        self._headers[self._field.lower()] = self._value
        self._field, self._value = b"", b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        if not filename or self._error is not None:  # a browser's empty file input sends ""
            return
        try:
            relative = self._place(filename)
            target = self.root.joinpath(*relative.split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            self._out = target.open("xb")
        except InvalidInput as exc:
            self._error = exc
            return
        except OSError as exc:
            self._error = InvalidInput(
                f"{shown(filename.decode('utf-8', 'replace'))}: cannot be written as sent "
                f"({exc.strerror})"
            )
            return
        self.files.append(relative)

    def _place(self, filename: bytes) -> str:
        """The part's normalised dock path, refused if the upload already uses it."""
        try:
            relative = upload_name(filename.decode("utf-8"))
        except UnicodeDecodeError:
            raise InvalidInput(f"{filename[:60]!r}: the name is not UTF-8 text") from None
        if relative in self.files:
            raise InvalidInput(f"{relative}: sent twice in one upload")
        if relative in self._folders:
            raise InvalidInput(f"{relative}: also a folder in this upload")
        folders = [parent.as_posix() for parent in PurePosixPath(relative).parents][:-1]
        for folder in folders:
            if folder in self.files:
                raise InvalidInput(f"{relative}: {folder} is also sent as a file")
        self._folders.update(folders)
        return relative

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._out is not None:
            self._out.write(data[start:end])
        elif len(self._text) < TEXT_FIELD_LIMIT:
            self._text += data[start:end]

    def _part_end(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None
        elif self._name:
            self.fields[self._name] = self._text.decode("utf-8", "replace").strip()

    def _end(self) -> None:
        self.complete = True

    def close(self) -> None:
        if self._out is not None:
            self._out.close()

    def raise_error(self) -> None:
        if self._error is not None:
            raise self._error
        if not self.complete:
            raise InvalidInput(
                "the upload ended before its closing boundary, so it was cut short; "
                "nothing of it was kept, send it again"
            )
        if not self.files:
            raise InvalidInput("the upload holds no files; choose the dock's files to send")


async def receive_dock(
    request: Request, uploads_root: Path, allowance: BodyAllowance
) -> UploadedDock:
    """Stream the request body into a fresh folder under ``uploads_root``."""
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise InvalidInput("an upload is sent as multipart/form-data with one part per file")
    declared = request.headers.get("content-length", "")
    if declared.isdigit():
        allowance.check(int(declared))
    dock = UploadedDock(uploads_root / uuid.uuid4().hex)
    dock.root.mkdir(parents=True)
    parser = MultipartParser(boundary, dock.callbacks())  # type: ignore[arg-type]
    try:
        await _stream(request, parser, allowance)
        dock.raise_error()
    except BaseException:  # a refusal, a dropped connection or a cancelled request alike
        dock.close()
        discard(dock.root)
        raise
    dock.close()
    return dock


async def _stream(request: Request, parser: MultipartParser, allowance: BodyAllowance) -> None:
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            allowance.check(received)
            parser.write(chunk)
    except ClientDisconnect:
        raise InvalidInput(
            "the connection closed before the upload was complete; nothing of it was kept"
        ) from None
    except MultipartParseError as exc:
        raise InvalidInput(
            f"the upload is not well-formed multipart/form-data ({exc}); nothing of it was kept"
        ) from None
    parser.finalize()


def check_sidecars(dock: UploadedDock, principal: Principal) -> None:
    """An officer may not upload a recording that its sidecar says is someone else's.

    A sidecar that cannot be read is left for ingest to reject with its reason; ingest
    also holds the uploader's collar id, so this check is the early, whole-upload refusal.
    """
    for relative in dock.files:
        if not relative.endswith(SIDECAR_SUFFIX):
            continue
        path = dock.root.joinpath(*relative.split("/"))
        if path.stat().st_size > SIDECAR_LIMIT:
            continue
        try:
            named = parse_sidecar(path.read_bytes(), relative).officer
        except InvalidInput:
            continue
        refusal = officer_refusal(relative, named, principal.officer_id)
        if refusal is not None:
            raise PermissionDenied(refusal)


def bytes_held(*folders: Path) -> int:
    """The bytes in the regular files under ``folders``, links never followed."""
    total = 0
    for folder in folders:
        for directory, _, names in os.walk(folder):
            for name in names:
                with contextlib.suppress(FileNotFoundError):
                    info = (Path(directory) / name).lstat()
                    total += info.st_size if stat.S_ISREG(info.st_mode) else 0
    return total


def discard(root: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        shutil.rmtree(root)
