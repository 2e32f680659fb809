"""Officer uploads: multipart parts streamed straight into a dock folder, never into memory."""

from __future__ import annotations

import contextlib
import json
import shutil
import uuid
from pathlib import Path
from typing import BinaryIO

from fastapi import Request
from python_multipart.multipart import MultipartParser, parse_options_header

from evidence.access import Principal
from evidence.dock import SIDECAR_SUFFIX, safe_relative
from evidence.errors import InvalidInput, PermissionDenied
from evidence.sidecar import SIDECAR_LIMIT

TEXT_FIELD_LIMIT = 1024


class UploadedDock:
    """Receives one multipart body: file parts become dock files, text parts options."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: list[str] = []
        self.fields: dict[str, str] = {}
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
        if filename is None or self._error is not None:
            return
        relative = filename.decode("utf-8", "replace")
        try:
            target = self.root.joinpath(*safe_relative(relative).parts)
        except InvalidInput as exc:
            self._error = exc
            return
        if relative in self.files:
            self._error = InvalidInput(f"{relative}: sent twice in one upload")
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        self._out = target.open("xb")
        self.files.append(relative)

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

    def close(self) -> None:
        if self._out is not None:
            self._out.close()

    def raise_error(self) -> None:
        if self._error is not None:
            raise self._error
        if not self.files:
            raise InvalidInput("the upload holds no files; choose the dock's files to send")


async def receive_dock(request: Request, uploads_root: Path) -> UploadedDock:
    """Stream the request body into a fresh folder under ``uploads_root``."""
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise InvalidInput("an upload is sent as multipart/form-data with one part per file")
    dock = UploadedDock(uploads_root / uuid.uuid4().hex)
    dock.root.mkdir(parents=True)
    parser = MultipartParser(boundary, dock.callbacks())  # type: ignore[arg-type]
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
        dock.raise_error()
    except Exception:
        dock.close()
        discard(dock.root)
        raise
    finally:
        dock.close()
    return dock


def check_sidecars(dock: UploadedDock, principal: Principal) -> None:
    """An officer may not upload a recording that its sidecar says is someone else's."""
    for relative in dock.files:
        if not relative.endswith(SIDECAR_SUFFIX):
            continue
        path = dock.root / relative
        if path.stat().st_size > SIDECAR_LIMIT:
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        named = data.get("officer") if isinstance(data, dict) else None
        if named is not None and str(named).strip() != principal.officer_id:
            raise PermissionDenied(
                f"{relative}: names officer {named}; you may upload only your own "
                f"recordings ({principal.officer_id})"
            )


def discard(root: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        shutil.rmtree(root)
