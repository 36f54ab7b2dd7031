"""One call from a record to a signed-looking, professional Word note.

Run: python examples/word_note_from_record.py [OUT_DIR]
Uses the synthetic demo clinic; with your own record, use kapnotes.load("record.json").
"""

from __future__ import annotations

import sys
from pathlib import Path

import kapnotes
from kapnotes.synthetic import build_document

out_dir = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
doc = build_document()  # or: doc = kapnotes.load("record.json")
course, session = doc.find_session("cl-001-dose-01")

docx_bytes = kapnotes.render(session, document=doc, format="kap-dosing", to="docx")
path = out_dir / f"{session.id}.docx"
path.write_bytes(docx_bytes)
print(f"wrote {path} ({len(docx_bytes)} bytes)")

# The same session in another note format and another output, with no extra code:
print(kapnotes.render(session, document=doc, format="soap", to="markdown").decode()[:300])
