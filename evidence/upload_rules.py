"""What a web upload may carry: its part names, its size, and whose recordings it holds.

A part's file name is checked and normalised once (``upload_name``); that one name is what
is written, what the sidecar check reads, what the job records and what ingest sees, so a
name spelt two ways (``clip.mp4.json/``) can never be checked as one file and stored as
another. An officer's upload holds only their own recordings: a sidecar naming another
officer is refused (``officer_refusal``), at the upload and again at ingest.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from evidence.dock import safe_relative
from evidence.errors import InvalidInput, QuotaExceeded, TooLarge

# A rejected file is kept in quarantine under its path flattened into one file name (with
# suffixes such as ``.sidecar.json.reason.json``), which must fit the 255 bytes most file
# systems allow for a name; 200 bytes leaves that room.
MAX_NAME_BYTES = 200
SHOWN_NAME = 60


def shown(name: str) -> str:
    """A name as a message may repeat it: shortened, so a hostile one cannot flood it."""
    return repr(name if len(name) <= SHOWN_NAME else name[:SHOWN_NAME] + "…")


def upload_name(raw: str) -> str:
    """The dock path (POSIX, no ``.`` parts) a part's file name stands for, or why not."""
    if "\\" in raw:
        raise InvalidInput(
            f"{shown(raw)}: the name contains a backslash, which could be a folder separator "
            "or part of the name; send folders with '/'"
        )
    if any(unicodedata.category(char) == "Cc" for char in raw):
        raise InvalidInput(f"{shown(raw)}: the name contains a control character")
    size = len(raw.encode("utf-8"))
    if size > MAX_NAME_BYTES:
        raise InvalidInput(
            f"{shown(raw)}: the name is {size} bytes long; at most {MAX_NAME_BYTES} are accepted"
        )
    posix = safe_relative(raw)
    if not posix.parts:
        raise InvalidInput(f"{shown(raw)}: names no file, only the upload's own folder")
    return posix.as_posix()


def same_officer(named: str | None, uploader: str | None) -> bool:
    return bool(named and uploader) and str(named).strip().upper() == str(uploader).strip().upper()


def officer_refusal(sidecar_name: str, named: str | None, uploader: str | None) -> str | None:
    """Why an officer may not upload a recording whose sidecar names ``named``; None if fine."""
    if named is None or same_officer(named, uploader):
        return None
    return (
        f"{sidecar_name}: names officer {named}; an officer may upload only their own "
        f"recordings (uploaded by {uploader or 'an account with no collar id'})"
    )


@dataclass(frozen=True)
class BodyAllowance:
    """How many bytes one upload may bring.

    ``max_bytes`` bounds one request. The quarantine keeps a copy of every rejected file, and
    any file an upload brings may be rejected, so an upload is also refused when its bytes,
    added to the quarantine and to the uploads still waiting on the server (``used``), could
    take the quarantine past its ``quota``: nothing is taken in that could not be kept.
    """

    max_bytes: int
    quota: int
    used: int

    @property
    def room(self) -> int:
        return max(0, self.quota - self.used)

    def check(self, size: int) -> None:
        """Refuse once ``size`` bytes (declared, or received so far) pass either bound."""
        if size > self.max_bytes:
            raise TooLarge(
                f"the upload is larger than {self.max_bytes} bytes, the most one upload may "
                "bring (EVIDENCE_UPLOAD_MAX_BYTES); send the dock's files in several uploads"
            )
        if size > self.room:
            raise QuotaExceeded(
                f"the upload is larger than the {self.room} bytes left of the quarantine's "
                f"{self.quota}-byte quota (EVIDENCE_QUARANTINE_QUOTA_BYTES; it keeps a copy of "
                "every rejected file, and uploads waiting to be ingested count against it); "
                "nothing more is taken in until an administrator has reviewed the quarantine"
            )
