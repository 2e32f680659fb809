"""``storage/s3_store.py`` reaches into minio's private multipart calls: pin what it uses.

minio's public ``put_object`` cannot hash the parts as they go and abandon an upload whose
bytes changed before it is completed, so the store drives the multipart upload itself with
``_create_multipart_upload``, ``_upload_part``, ``_complete_multipart_upload`` and
``_abort_multipart_upload``. pyproject.toml pins minio to the minor version tested here; if
an upgrade renames or reshapes any of them, this fails here, by name, before an upload does.
"""

from __future__ import annotations

import inspect
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from minio import Minio
from minio.datatypes import CompleteMultipartUploadResult, Part
from packaging.requirements import Requirement

EXPECTED = {
    "_create_multipart_upload": (["self", "bucket_name", "object_name", "headers"], "str"),
    "_upload_part": (
        ["self", "bucket_name", "object_name", "data", "headers", "upload_id", "part_number"],
        "str",
    ),
    "_complete_multipart_upload": (
        ["self", "bucket_name", "object_name", "upload_id", "parts", "ssec"],
        "CompleteMultipartUploadResult",
    ),
    "_abort_multipart_upload": (["self", "bucket_name", "object_name", "upload_id"], None),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_private_multipart_calls_keep_their_shape(name: str) -> None:
    method = getattr(Minio, name, None)
    assert method is not None, f"minio {version('minio')} has no Minio.{name}"
    parameters, returns = EXPECTED[name]
    signature = inspect.signature(method)
    assert list(signature.parameters) == parameters, f"Minio.{name} changed: {signature}"
    if returns is not None:
        shown = signature.return_annotation
        assert getattr(shown, "__name__", shown) == returns, f"Minio.{name} returns {shown}"


def test_what_the_store_reads_back_from_them() -> None:
    assert Part(1, "etag").part_number == 1
    assert "version_id" in dir(CompleteMultipartUploadResult)


def test_minio_is_pinned_to_a_minor_version_and_that_is_what_runs() -> None:
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    dependencies = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    [pin] = [Requirement(d) for d in dependencies if Requirement(d).name == "minio"]
    assert any(s.operator == "<" for s in pin.specifier), f"{pin}: no upper bound"
    assert pin.specifier.contains(version("minio")), f"minio {version('minio')} is not {pin}"
