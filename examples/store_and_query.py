"""Load a JSON document, store it in SQLite, and query it.

Run: python examples/store_and_query.py [OUT_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

import kapnotes
from kapnotes.synthetic import build_document

out_dir = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
record = out_dir / "record.json"
kapnotes.dump(build_document(), record)  # a kapnotes JSON document (canonical form)

doc = kapnotes.load(record)  # validated: every problem with its JSON path, or a Document
with kapnotes.open_store(out_dir / "example.db") as store:
    summary = store.save(doc)  # one BEGIN IMMEDIATE transaction: all or nothing
    print(f"saved {summary.sessions_written} sessions")
    for s in store.client_sessions("cl-001")[:3]:
        print(s.start.date(), s.kind.value, s.id)
    for row in store.instrument_scores("phq9", client_id="cl-001"):
        print(row["administered_at_utc"][:10], row["context"], row["total"], row["band"])
    print([hit.session_id for hit in store.search("critical voice")][:3])

# Bad input gets every problem with its path:
try:
    kapnotes.loads('{"format": "kapnotes", "format_version": "1.0", "clients": [{"id": "x"}]}')
except kapnotes.InvalidError as err:
    for problem in err.problems:
        print(problem)
