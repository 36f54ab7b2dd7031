"""The topics of notes, one module per subject (see :mod:`kapnotes.notes.topics.registry`)."""
