"""Hand-built synthetic notes for the exporter tests and the benchmark (no real person in them)."""

from __future__ import annotations

import datetime as dt
import struct
import zlib

import attrs

from kapnotes.notes.document import (
    Addendum,
    BulletList,
    Fields,
    Figure,
    Letterhead,
    Note,
    Paragraph,
    PatientBanner,
    Section,
    SignatureBlock,
    Table,
)

UTC = dt.timezone.utc
HASH_AUTHOR = "3f2a9c0e1b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a"
HASH_COSIGN = "9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b"
HASH_ADDENDUM = "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"


def png(width: int = 240, height: int = 120) -> bytes:
    """A small RGB PNG (a synthetic trend line on a grid), written with zlib and struct only."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    line = [height // 2 + int((height / 3) * ((x % 80) / 80 - 0.5)) for x in range(width)]
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            if abs(y - line[x]) <= 1:
                rows += b"\x1f\x38\x64"
            elif x % 40 == 0 or y % 30 == 0:
                rows += b"\xd0\xd7\xe5"
            else:
                rows += b"\xff\xff\xff"
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


VITALS_COLUMNS = ("Time", "BP (mmHg)", "HR (bpm)", "SpO₂ (%)", "RASS", "Comment")


def vitals_rows(n: int) -> tuple[tuple[str, ...], ...]:
    rows = []
    for i in range(n):
        minute = 5 * i
        rows.append(
            (
                f"{9 + (2 + minute) // 60:02d}:{(2 + minute) % 60:02d}",
                f"{128 + (i * 7) % 15}/{78 + (i * 3) % 9}",
                str(72 + (i * 5) % 13),
                str(97 + i % 3),
                str(-(i % 3)),
                "Baseline before dose" if i == 0 else ("Dose given" if i == 1 else "Resting"),
            )
        )
    return tuple(rows)


def full_note() -> Note:
    """A signed-and-amended KAP dosing note with every block type, two signatures, two addenda."""
    author_sig = SignatureBlock(
        signer="Dr. Avery Example",
        credentials="MD",
        role="author",
        signed_at=dt.datetime(2026, 3, 2, 15, 10, 42, tzinfo=UTC),
        content_hash=HASH_AUTHOR,
        statement="Electronically signed by Dr. Avery Example, MD on 2026-03-02 15:10:42 UTC",
    )
    cosign = SignatureBlock(
        signer="Dr. Blake Placeholder",
        credentials="PhD, ABPP",
        role="co-signer (supervisor)",
        signed_at=dt.datetime(2026, 3, 3, 9, 0, 5, tzinfo=UTC),
        content_hash=HASH_COSIGN,
        statement=None,
    )
    attestation = SignatureBlock(
        signer="Sam Sample",
        credentials="LMFT",
        role="co-therapist (attestation)",
        signed_at=dt.datetime(2026, 3, 2, 15, 30, tzinfo=UTC),
        content_hash=HASH_COSIGN[::-1],
        statement="I was present for the whole session and attest to this record.",
    )
    sections = (
        Section(
            "subjective",
            "Subjective",
            (
                Paragraph(
                    "Client reports low mood 'a bit lighter' since the last session; sleep "
                    "6-7 hours; no new stressors.",
                    label="Chief concern",
                ),
                Paragraph(
                    "Intention for today: to revisit the memory of the move with curiosity.\n"
                    "Client asked about driving after the session; reminded of the plan."
                ),
            ),
        ),
        Section(
            "preparation",
            "Preparation and consent",
            (
                BulletList(
                    (
                        "Informed consent for KAP reviewed and on file (signed 2026-01-12).",
                        "NPO since 05:30; transport home arranged with a named support person.",
                        "Medications reconciled; no changes since last visit.",
                    )
                ),
                Fields(
                    (
                        ("Pre-session PHQ-9", "14 (moderate)"),
                        ("Pre-session GAD-7", "9 (mild)"),
                        ("C-SSRS screen", "Negative"),
                    )
                ),
            ),
        ),
        Section(
            "dosing",
            "Dosing",
            (
                Fields(
                    (
                        ("Medication", "Ketamine hydrochloride"),
                        ("Route", "Intramuscular (deltoid)"),
                        ("Dose", "0.5 mg/kg = 35 mg"),
                        ("Lot / expiry", "SYN-LOT-0042 / 2027-05"),
                        ("Time given", "09:07"),
                    )
                ),
            ),
        ),
        Section(
            "monitoring",
            "Monitoring",
            (
                Table(VITALS_COLUMNS, vitals_rows(15), caption="Vital signs during the session"),
                Figure(png(), caption="Heart rate over the session (synthetic)", width_in=4.0),
            ),
        ),
        Section(
            "assessment",
            "Assessment",
            (
                Paragraph(
                    "Tolerated the dose well; peak dissociation at 09:25; returned to baseline "
                    "by 10:40. No adverse events."
                ),
            ),
        ),
        Section(
            "plan",
            "Plan",
            (
                BulletList(
                    (
                        "Integration session on 2026-03-04.",
                        "Next dosing session in one week if PHQ-9 does not worsen.",
                    )
                ),
                attestation,
            ),
        ),
    )
    addenda = (
        Addendum(
            kind="addendum",
            author="Dr. Avery Example",
            credentials="MD",
            written_at=dt.datetime(2026, 3, 4, 10, 12, tzinfo=UTC),
            text="Client called on 2026-03-03: slept well, no headache, no nausea.",
            signature=SignatureBlock(
                "Dr. Avery Example",
                "MD",
                "author of the addendum",
                dt.datetime(2026, 3, 4, 10, 13, tzinfo=UTC),
                HASH_ADDENDUM,
                None,
            ),
        ),
        Addendum(
            kind="amendment",
            author="Sam Sample",
            credentials="LMFT",
            written_at=dt.datetime(2026, 3, 5, 8, 45, tzinfo=UTC),
            text="Correction: the lot number is SYN-LOT-0043, not SYN-LOT-0042.",
            signature=None,
            reason="Transcription error in the lot number",
        ),
    )
    return Note(
        title="KAP Dosing Session Note",
        format="kap-dosing",
        letterhead=Letterhead(
            "Synthetic Harbor Psychiatry",
            ("100 Example Way, Suite 2, Springfield, ZZ 00000", "Tel (555) 010-0100"),
        ),
        patient=PatientBanner("Jordan Q. Testperson", dt.date(1984, 7, 19), "SYN-004217"),
        facts=(
            ("Date of service", "2026-03-02"),
            ("Session", "Dosing session 3 of 6"),
            ("Time", "09:02–11:15 (133 min)"),
            ("Location", "Treatment room B"),
            ("Clinician", "Dr. Avery Example, MD"),
            ("Co-therapist", "Sam Sample, LMFT"),
            ("Course", "KAP course 2026-01"),
        ),
        sections=sections,
        signatures=(author_sig, cosign),
        addenda=addenda,
        status="amended",
        author="Dr. Avery Example, MD",
        created=dt.datetime(2026, 3, 2, 14, 55, tzinfo=UTC),
        subject="KAP dosing session 2026-03-02",
    )


def draft_note() -> Note:
    """The same note as an unsigned draft: one pending signature, no addenda."""
    note = full_note()
    pending = attrs.evolve(note.signatures[0], signed_at=None, content_hash=None, statement=None)
    return attrs.evolve(note, status="draft", signatures=(pending,), addenda=())


def note_with_text(text: str) -> Note:
    """A minimal note with ``text`` in every kind of place (title, header, table, fields, ...)."""
    sig = SignatureBlock(text or "x", text, text, dt.datetime(2026, 1, 1, tzinfo=UTC), text, text)
    return Note(
        title=text,
        format="test",
        letterhead=Letterhead(text, (text,)),
        patient=PatientBanner(text, None, text),
        facts=((text, text),),
        sections=(
            Section(
                "s",
                text,
                (
                    Paragraph(text, label=text),
                    BulletList((text,)),
                    Fields(((text, text),)),
                    Table((text,), ((text,),), caption=text),
                    sig,
                ),
            ),
        ),
        signatures=(sig,),
        addenda=(Addendum("addendum", text, text, dt.datetime(2026, 1, 2), text, sig, text),),
        status="signed",
        author=text,
        subject=text,
        confidentiality=text,
    )


def empty_note() -> Note:
    """A signed note with nothing optional in it and every block empty."""
    return Note(
        title="Empty",
        format="test",
        letterhead=Letterhead("Clinic"),
        patient=PatientBanner("Client", None, None),
        facts=(),
        sections=(
            Section("empty", "Empty section", ()),
            Section(
                "blocks",
                "Empty blocks",
                (BulletList(()), Fields(()), Table((), (), caption="Empty caption"), Paragraph("")),
            ),
        ),
        status="signed",
    )
