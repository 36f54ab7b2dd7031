"""The built-in note formats, each a :class:`FormatSpec`: a mapping from the topics of
:mod:`kapnotes.notes.blocks` to the format's section headings.

========== ====================================================================================
soap       Subjective / Objective / Assessment / Plan
dap        Data / Assessment / Plan
birp       Behavior / Intervention / Response / Plan
girp       Goal (the course's goals) / Intervention / Response / Plan
pirp       Problem (indications, presenting concerns) / Intervention / Response / Plan
kap-dosing The KAP dosing-session record (dosing sessions)
integration The KAP integration note (integration sessions)
========== ====================================================================================

They are registered by :mod:`kapnotes.default_plugins.note_formats` exactly like a clinic's own.
"""

from __future__ import annotations

from kapnotes.notes.format import NoteFormat
from kapnotes.notes.formats import birp, dap, girp, integration, kap_dosing, pirp, soap
from kapnotes.notes.formats.spec import (
    ADDITIONAL,
    FIGURES,
    FINDINGS,
    FormatSpec,
    SectionSpec,
    standard_sections,
)

#: The modules of the built-in formats (each has ``SPEC``, ``OMITTED`` and ``FORMAT``).
BUILTIN_MODULES = (soap, dap, birp, girp, pirp, kap_dosing, integration)
BUILTIN_SPECS: tuple[FormatSpec, ...] = tuple(m.SPEC for m in BUILTIN_MODULES)
BUILTIN_FORMATS: tuple[NoteFormat, ...] = tuple(m.FORMAT for m in BUILTIN_MODULES)

__all__ = [
    "ADDITIONAL",
    "BUILTIN_FORMATS",
    "BUILTIN_MODULES",
    "BUILTIN_SPECS",
    "FIGURES",
    "FINDINGS",
    "FormatSpec",
    "SectionSpec",
    "standard_sections",
]
