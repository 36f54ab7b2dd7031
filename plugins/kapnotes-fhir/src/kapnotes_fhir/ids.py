"""Identity of exported resources: deterministic UUIDs, business identifiers and references.

* **Logical ids.** Every resource's id is a UUID v5 over a fixed namespace and
  ``clinic id / resource type / kapnotes key`` (a session id, ``<session id>/vitals/3/bp``, ...).
  The same record always gives the same ids, so two exports are the same bytes, and a resource
  keeps its id from one export to the next.
* **Business identifiers.** Every resource carries an ``identifier`` in a system of this clinic
  (``urn:kapnotes:<clinic id>:session`` by default, or under ``options.extra["identifier_base"]``,
  e.g. ``https://ehr.example.org/sid/kap``), and a transaction creates it conditionally on that
  identifier (``ifNoneExist``), so that posting the same record twice creates nothing new.
* **References.** In a Bundle a reference is the ``urn:uuid:`` fullUrl of the entry; in Bulk Data
  NDJSON it is ``Type/id``.
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from typing import Any, Literal
from urllib.parse import quote

import attrs

#: The namespace of every kapnotes FHIR UUID (uuid5 of the URL below, itself never resolved).
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://kapnotes.invalid/fhir/resource")

DEFAULT_BASE = "urn:kapnotes"


def join(base: str, *parts: str) -> str:
    """``base`` extended by ``parts``: with ``/`` for a URL, with ``:`` for a URN."""
    sep = "/" if "://" in base else ":"
    return sep.join([base.rstrip("/:"), *parts])


_NAMESPACE_BYTES = NAMESPACE.bytes


@functools.lru_cache(maxsize=256)  # references repeat within a course: a small cache is enough
def resource_uuid(clinic_id: str, resource_type: str, key: str) -> str:
    """The deterministic id of a resource: UUID v5 of ``clinic/type/key``.

    Computed as RFC 4122 defines UUID v5 (SHA-1 of namespace and name, version and variant bits
    set), without building a ``uuid.UUID`` (an export computes one per resource); a test checks
    it against ``uuid.uuid5``.
    """
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + f"{clinic_id}/{resource_type}/{key}".encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@attrs.frozen
class Systems:
    """The identifier systems of one clinic's export.

    :ivar base: ``urn:kapnotes:<clinic id>`` unless the caller set ``identifier_base``.
    """

    base: str

    @classmethod
    def for_clinic(cls, clinic_id: str, base: str | None = None) -> Systems:
        """The systems of ``clinic_id``: under ``base`` if given, else ``urn:kapnotes:<clinic>``."""
        return cls(base.rstrip("/:") if base else join(DEFAULT_BASE, clinic_id))

    def of(self, name: str) -> str:
        """The system called ``name`` (``mrn``, ``session``, ``measure``, ...)."""
        return join(self.base, name)

    @property
    def mrn(self) -> str:
        return self.of("mrn")

    @property
    def measure(self) -> str:
        return self.of("measure")

    @property
    def session(self) -> str:
        return self.of("session")

    @property
    def document(self) -> str:
        return self.of("document")


def identifier(system: str, value: str, **extra: Any) -> dict[str, Any]:
    """A FHIR ``Identifier``."""
    return {**extra, "system": system, "value": value}


def escape_token(value: str) -> str:
    """A token search value with FHIR's search escapes (``\\``, ``|``, ``,``, ``$``)."""
    for ch in ("\\", "|", ",", "$"):
        value = value.replace(ch, "\\" + ch)
    return value


def if_none_exist(system: str, value: str) -> str:
    """The ``ifNoneExist`` query of a conditional create on an identifier (URL-encoded)."""
    token = f"{system}|{escape_token(value)}"
    return "identifier=" + quote(token, safe=":/|@-._~")


#: Resource types for which R4 defines no ``identifier`` search parameter
#: (hl7.org/fhir/R4/adverseevent.html#search: actuality, category, date, event, location,
#: recorder, resultingcondition, seriousness, severity, study, subject, substance; Binary has no
#: search parameter of its own). A conditional create on ``identifier`` is not understood for
#: them (a server ignores it and creates a duplicate), so a transaction writes them with an
#: update of their stable id instead (``PUT Type/<id>``: created once, then unchanged).
NO_IDENTIFIER_SEARCH = frozenset({"AdverseEvent", "Binary"})


def transaction_request(resource_type: str, rid: str, condition: tuple[str, str]) -> dict[str, str]:
    """The ``Bundle.entry.request`` that creates a resource once, however often it is posted."""
    if resource_type in NO_IDENTIFIER_SEARCH:
        return {"method": "PUT", "url": f"{resource_type}/{rid}"}
    return {"method": "POST", "url": resource_type, "ifNoneExist": if_none_exist(*condition)}


RefMode = Literal["urn", "relative"]


@attrs.frozen
class Refs:
    """How references are written: ``urn:uuid:<id>`` inside a Bundle, ``Type/<id>`` in NDJSON."""

    clinic_id: str
    mode: RefMode = "urn"

    def id(self, resource_type: str, key: str) -> str:
        """The logical id of the resource of ``resource_type`` with kapnotes key ``key``."""
        return resource_uuid(self.clinic_id, resource_type, key)

    def ref(self, resource_type: str, key: str) -> dict[str, str]:
        """A ``Reference`` to that resource."""
        rid = self.id(resource_type, key)
        return {"reference": f"urn:uuid:{rid}" if self.mode == "urn" else f"{resource_type}/{rid}"}
