"""Partial upload bodies a crash left behind, removed when the web app starts.

An upload is written into its own folder under ``EVIDENCE_HOME/uploads`` and becomes a job
only once the whole body is there; a refused or dropped body is removed at once. A process
killed mid-request leaves its folder, which no job owns. Such a folder is removed once
nothing in it has changed for ``EVIDENCE_UPLOAD_SWEEP_MINUTES`` (an upload still arriving in
another process keeps writing to it). A job's folder, and anything outside the uploads
folder, is never touched: what is removed was never evidence.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import time
from pathlib import Path

from storage.bootstrap import Services
from storage.upload_repository import UploadJobs

logger = logging.getLogger(__name__)


def sweep_partial_uploads(services: Services, jobs: UploadJobs) -> list[Path]:
    """Remove the upload folders no job owns that are quiet for the sweep age; returns them."""
    root = services.settings.resolved_home / "uploads"
    if not root.is_dir():
        return []
    quiet_since = time.time() - services.settings.upload_sweep_minutes * 60
    removed = []
    for folder in sorted(root.iterdir()):
        if folder.is_symlink() or not folder.is_dir() or jobs.get(folder.name) is not None:
            continue
        if _last_change(folder) > quiet_since:
            continue
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(folder)
        logger.warning("uploads: removed %s, a partial upload that no job owns", folder.name)
        removed.append(folder)
    return removed


def _last_change(folder: Path) -> float:
    """The newest modification time in the folder's tree, links never followed."""
    newest = folder.lstat().st_mtime
    for directory, names, files in os.walk(folder):
        for name in (*names, *files):
            with contextlib.suppress(FileNotFoundError):
                newest = max(newest, (Path(directory) / name).lstat().st_mtime)
    return newest
