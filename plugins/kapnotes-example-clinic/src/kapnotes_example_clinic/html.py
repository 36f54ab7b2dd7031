"""A note exporter: a self-contained HTML page (for a clinic portal), from any note format.

Every string goes through kapnotes' one sanitizer (``kapnotes.notes.sanitize.clean``) and then
``html.escape``: recorded text can never inject markup, and control characters stay visible.
"""

from __future__ import annotations

import base64
import html

from kapnotes.exporting import ExportOptions, NoteExporter
from kapnotes.notes.document import (
    BulletList,
    Fields,
    Figure,
    Note,
    Paragraph,
    SignatureBlock,
    Table,
)
from kapnotes.notes.sanitize import clean

CSS = (
    "body{font-family:Calibri,Arial,sans-serif;max-width:48rem;margin:2rem auto;color:#222}"
    "table{border-collapse:collapse;width:100%;margin:.5rem 0}"
    "td,th{border:1px solid #999;padding:.25rem .5rem;text-align:left;vertical-align:top}"
    "th{background:#dde6f2}.draft{color:#b00;font-weight:bold;border:2px solid #b00;padding:.5rem}"
    "footer{font-size:.8rem;color:#666;border-top:1px solid #ccc;margin-top:2rem}"
)


def esc(text: str) -> str:
    return html.escape(clean(text)).replace("\n", "<br>")


def _block(b: object) -> str:
    if isinstance(b, Paragraph):
        label = f"<strong>{esc(b.label)}:</strong> " if b.label else ""
        return f"<p>{label}{esc(b.text)}</p>"
    if isinstance(b, BulletList):
        return "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in b.items) + "</ul>"
    if isinstance(b, Fields):
        return "<table>" + "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in b.items) + "</table>"
    if isinstance(b, Table):
        head = "".join(f"<th>{esc(c)}</th>" for c in b.columns)
        rows = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in b.rows)
        cap = f"<caption>{esc(b.caption)}</caption>" if b.caption else ""
        return f"<table>{cap}<tr>{head}</tr>{rows}</table>"
    if isinstance(b, Figure):
        data = base64.b64encode(b.image).decode("ascii")
        return f'<figure><img alt="{esc(b.caption)}" src="data:{b.media_type};base64,{data}"><figcaption>{esc(b.caption)}</figcaption></figure>'
    if isinstance(b, SignatureBlock):
        return _signature(b)
    raise TypeError(f"unknown note block {type(b).__name__}")


def _signature(sig: SignatureBlock) -> str:
    if sig.signed_at is None:
        return f"<p>Awaiting signature: {esc(sig.signer)}, {esc(sig.credentials)} ({esc(sig.role)})</p>"
    return (
        f"<p>Electronically signed by {esc(sig.signer)}, {esc(sig.credentials)} ({esc(sig.role)}) "
        f"at {esc(sig.signed_at.isoformat())}<br><small>SHA-256 {esc(sig.content_hash or '')}</small></p>"
    )


def export_html(note: Note, options: ExportOptions) -> bytes:
    p = note.patient
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="en"><head><meta charset="utf-8"><title>{esc(note.title)}</title><style>{CSS}</style></head><body>',
        f"<header><strong>{esc(note.letterhead.clinic_name)}</strong> &middot; {esc(p.name)}"
        f" &middot; DOB {esc(p.date_of_birth.isoformat() if p.date_of_birth else '')} &middot; MRN {esc(p.mrn or '')}</header>",
    ]
    if note.is_draft:
        parts.append('<p class="draft">DRAFT — NOT SIGNED</p>')
    parts.append(f"<h1>{esc(note.title)}</h1>")
    parts.append(_block(Fields(note.facts)))
    for section in note.sections:
        parts.append(f"<h2>{esc(section.heading)}</h2>")
        parts += [_block(b) for b in section.blocks]
    parts.append("<h2>Signatures</h2>")
    parts += [_signature(s) for s in note.signatures]
    for a in note.addenda:
        parts.append(f"<h2>{esc(a.kind.capitalize())} — {esc(a.author)}, {esc(a.credentials)}, {esc(a.written_at.isoformat())}</h2>")
        if a.reason:
            parts.append(f"<p><strong>Reason:</strong> {esc(a.reason)}</p>")
        parts.append(f"<p>{esc(a.text)}</p>")
        if a.signature is not None:
            parts.append(_signature(a.signature))
    parts.append(f"<footer>{esc(note.confidentiality)}</footer></body></html>\n")
    return "\n".join(parts).encode("utf-8")


HTML = NoteExporter(
    name="html",
    description="A self-contained HTML page (clinic portal).",
    media_type="text/html",
    extension="html",
    export=export_html,
)
