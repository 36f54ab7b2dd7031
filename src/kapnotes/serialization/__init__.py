"""The serialization edge: one strict cattrs converter, JSON documents, canonical form, schema."""

from kapnotes.serialization.converter import converter, reset_converter, strict_extensions
from kapnotes.serialization.documents import (
    canonical_bytes,
    canonical_text,
    check_version,
    content_hash,
    dump,
    dumps,
    from_data,
    load,
    loads,
    structure,
    to_data,
    unstructure,
)

__all__ = [
    "canonical_bytes",
    "canonical_text",
    "check_version",
    "content_hash",
    "converter",
    "dump",
    "dumps",
    "from_data",
    "load",
    "loads",
    "reset_converter",
    "strict_extensions",
    "structure",
    "to_data",
    "unstructure",
]
