"""kapnotes-rems: the SPRAVATO® REMS Patient Monitoring Form as a kapnotes plugin.

Written only through kapnotes' public hooks: versioned form definitions
(:mod:`kapnotes_rems.forms`), a filler that derives every field the record holds
(:mod:`kapnotes_rems.fill`), the clinician's answers as extension fields
(:mod:`kapnotes_rems.answers`), rules that block signing an incomplete form and track the
7-day deadline (:mod:`kapnotes_rems.rules`), the form as a note and as CSV
(:mod:`kapnotes_rems.outputs`), and ``kapnotes rems due`` / ``mark-submitted``.
"""

__version__ = "0.1.0"
