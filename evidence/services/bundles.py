"""Export a case as a signed CPS bundle. (Verifying one needs no database and none of this:
``bundle_verifier.bundle.verify_bundle``.)

An export is several transactions on one unit of work, not one: the checkpoint a bundle
carries must commit to the bundle's own export events, and a checkpoint is only ever signed
over committed leaves (a checkpoint in the store over a rolled-back tree would make every
later one refuse to sign). So, in order:

1. read the case, its exhibits and their transcripts (a refusal is recorded and committed);
2. copy the media into a hidden staging folder, verifying each digest while copying;
3. record every exhibit's ``exported-to-cps`` custody event, in one commit;
4. sign a checkpoint over the log as it now stands, and prove each event against it;
5. finish and sign the bag, rename it into place, then record the cut the bundle was made
   against and the audit event ``export-bundle``, in one commit.

The custody log is append-only: when anything fails after step 3, each exhibit gets an
``export-abandoned`` event rather than losing its ``exported-to-cps`` one.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from evidence.access import Permission
from evidence.bagit_writer import BagWriter
from evidence.bundle import (
    ABANDONED_ACTION,
    EXPORT_ACTION,
    BundleInputs,
    add_custody,
    copy_exhibits,
    finish,
    staging_paths,
    transcript_files,
)
from evidence.errors import InvalidInput
from evidence.model import CustodyEvent, iso_utc, utcnow
from evidence.ports import UnitOfWork
from evidence.services.caller import Caller, audit
from evidence.services.case_access import visible_case
from evidence.services.log import Installation
from evidence.tlog import Cut
from evidence.tlog_bundle import BundleLog, ExhibitEvents, bundle_log

EXPORT_AUDIT = "export-bundle"
REFUSED_AUDIT = "access-refused"


def export_case_bundle(
    uow: UnitOfWork, caller: Caller, installation: Installation, urn: str, out_dir: Path
) -> Path:
    """Write the case's exhibits as a signed bundle under ``out_dir``; returns its folder."""
    inputs = read_case(uow, caller, installation, urn)
    staging, final = staging_paths(out_dir, inputs.name)
    exported = False
    try:
        writer = BagWriter(staging)
        listing = copy_exhibits(writer, inputs, installation.store)
        logs = record_exports(uow, caller, inputs)
        exported = True
        proven = add_custody(writer, inputs, listing, logs)
        material = log_material(uow, installation, inputs, proven)
        finish(writer, staging, inputs, material.files)
        staging.rename(final)
        record_cut(uow, caller, material.cut)
    except BaseException as exc:
        if exported:
            abandon(uow, caller, inputs, str(exc) or repr(exc))
        raise
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return final


def read_case(
    uow: UnitOfWork, caller: Caller, installation: Installation, urn: str
) -> BundleInputs:
    with uow:
        case = visible_case(uow, caller, urn, Permission.DOWNLOAD_BUNDLES)
        exhibits = sorted(uow.bundles.exhibits(case.urn), key=lambda e: e.exhibit_ref)
        if not exhibits:
            raise InvalidInput(
                f"case {case.urn}: no exhibits are linked; there is nothing to export"
            )
        transcripts = {
            e.item.id: transcript_files(uow.bundles.transcript(e.item.id)) for e in exhibits
        }
    return BundleInputs(
        case=case,
        exhibits=tuple(exhibits),
        transcripts=transcripts,
        key=installation.key,
        organisation=installation.organisation,
        exported_at=iso_utc(utcnow()),
    )


def record_exports(
    uow: UnitOfWork, caller: Caller, inputs: BundleInputs
) -> dict[str, list[CustodyEvent]]:
    """Each exhibit's export event, committed together; returns the custody logs they end."""
    with uow:
        logs = {}
        for exhibit in inputs.exhibits:
            item_id = exhibit.item.id
            uow.items.append_event(
                item_id, EXPORT_ACTION, caller.actor, inputs.export_details(exhibit)
            )
            logs[item_id] = uow.items.custody(item_id)
        uow.commit()
    return logs


def log_material(
    uow: UnitOfWork,
    installation: Installation,
    inputs: BundleInputs,
    proven: Sequence[ExhibitEvents],
) -> BundleLog:
    with uow:
        return bundle_log(
            uow.tlog,
            installation.store,
            installation.notary,
            inputs.case.urn,
            inputs.name,
            proven,
            installation.stamper,
        )


def record_cut(uow: UnitOfWork, caller: Caller, cut: Cut) -> None:
    with uow:
        uow.tlog.record_cut(cut)
        audit(uow, caller, EXPORT_AUDIT, f"case:{cut.urn}", {"bundle": cut.bundle})
        uow.commit()


def abandon(uow: UnitOfWork, caller: Caller, inputs: BundleInputs, reason: str) -> None:
    with uow:
        for exhibit in inputs.exhibits:
            details = {"bundle": inputs.name, "reason": reason}
            uow.items.append_event(exhibit.item.id, ABANDONED_ACTION, caller.actor, details)
        uow.commit()
