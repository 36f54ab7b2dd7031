"""The NDJSON exports whose bytes are pinned: two synthetic stores, the digest of every file.

``test_fhir_ndjson_pinned.py`` exports both stores and compares each ``<Type>.ndjson`` file's
SHA-256 with ``ndjson_digests.json``; speed-ups of the exporter, the note text or the store's
read path must leave every byte as it was. The digests were written by the code *before* those
speed-ups. Regenerate them (only when the output is meant to change, and say why in the commit):

    .venv/bin/python plugins/kapnotes-fhir/tests/pinned/pins.py

Nothing in the output depends on the time of the export or on kapnotes' version (notes carry
neither), so nothing needs fixing beyond the stores' own data. Everything is synthetic.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DIGESTS = HERE / "ndjson_digests.json"

#: The exports pinned: name -> ``ExportOptions.extra``.
EXPORTS: dict[str, dict[str, Any]] = {
    "text": {},
    "text-binary": {"note_attachment": "binary"},
}
# Word attachments are left out: the .docx bytes belong to the docx exporter, whose output is
# allowed to change (the text is what the NDJSON export's speed-ups must not change).


def demo_store(path: Path) -> None:
    """The demo clinic (4 clients, 44 sessions), saved as ``kapnotes demo`` does."""
    from kapnotes.store import open_store
    from kapnotes.synthetic import build_document

    with open_store(path) as store:
        store.save(build_document(), actor="pins")


def hand_store(path: Path) -> None:
    """Another seed and size, with addenda, an amendment, an unsigned addendum and drafts."""
    from kapnotes.model import Addendum, AddendumKind, NoteStatus, Signature, SignatureRole, evolve
    from kapnotes.store import open_store
    from kapnotes.store.content import addendum_content_hash
    from kapnotes.synthetic import build_document

    doc = build_document(clients=3, dosings=2, seed=7, first_client=10)
    # the last session of each course stays a draft (its note is rendered with the rules' findings)
    courses = []
    for course in doc.courses:
        last = course.sessions[-1]
        draft = evolve(last, status=NoteStatus.DRAFT, signatures=(), addenda=())
        courses.append(evolve(course, sessions=(*course.sessions[:-1], draft)))
    doc = evolve(doc, courses=tuple(courses))
    with open_store(path) as store:
        store.save(doc, actor="pins")
        course = doc.courses[0]
        signed = [s for s in course.sessions if s.status is not NoteStatus.DRAFT]
        clinicians = store.clinicians()
        for n, (s, kind, text, reason, signs) in enumerate(
            [
                (signed[0], AddendumKind.ADDENDUM, "Collateral from partner: sleep improving — “better”.", None, True),
                (signed[0], AddendumKind.AMENDMENT, "Correction: referral came from the PCP.", "referral source wrong", True),
                (signed[0], AddendumKind.ADDENDUM, "Unsigned addendum <b>with markup</b> & ümlauts.", None, False),
                (signed[1], AddendumKind.AMENDMENT, "Correction: BP taken seated.", "position not recorded", True),
            ]
        ):
            author = s.signatures[0].clinician_id
            who = clinicians[author]
            at = s.signatures[0].signed_at + dt.timedelta(days=n + 1)
            body = Addendum(id=f"{s.id}-add-{n}", kind=kind, author_id=author, written_at=at, text=text, reason=reason)
            if signs:
                body = evolve(
                    body,
                    signature=Signature(
                        clinician_id=author, signer_name=who.name, credentials=who.credentials,
                        role=SignatureRole.AUTHOR, signed_at=at, content_hash=addendum_content_hash(body),
                        statement="Addendum electronically signed.",
                    ),
                )
            store.append_addendum(s.id, body, actor="pins")


STORES = {"demo": demo_store, "hand-built": hand_store}


def export(store_path: Path, extra: dict[str, Any], out: Path) -> dict[str, str]:
    """Export a store (read-only, as a bulk export reads it): file name -> SHA-256."""
    from kapnotes.exporting import ExportOptions, RecordView, export_record
    from kapnotes.store import open_store

    with open_store(store_path, create=False, read_only=True) as store:
        paths = export_record(
            RecordView.of_store(store), "fhir-ndjson", options=ExportOptions(extra=dict(extra)),
            directory=out, audit=False,
        )
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def build(tmp: Path) -> dict[str, Path]:
    """Both stores, in ``tmp``."""
    paths = {}
    for name, make in STORES.items():
        paths[name] = tmp / f"{name}.db"
        make(paths[name])
    return paths


def digests(stores: dict[str, Path], tmp: Path) -> dict[str, dict[str, str]]:
    """``"<store>/<export>"`` -> file name -> SHA-256, for every store and export."""
    return {
        f"{s}/{e}": export(path, extra, tmp / f"{s}-{e}")
        for s, path in stores.items()
        for e, extra in EXPORTS.items()
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        found = digests(build(Path(tmp)), Path(tmp))
    DIGESTS.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {DIGESTS} ({sum(len(v) for v in found.values())} files)", file=sys.stderr)


if __name__ == "__main__":
    main()
