"""The Word package a note is written into: prepared once per base document, copied per note.

A .docx is a zip of XML parts. Of the parts of a note, only a few depend on the note: the body
(``word/document.xml``), the page headers and footers, the document properties
(``docProps/core.xml``) and, when the note has figures, its pictures with their relationships and
content types. :class:`BasePackage` holds everything else of a base document (the house style or
a clinic template) ready to copy — each unchanged part already compressed — and the note-dependent
parts split around the place where the note's XML goes (a *slot*). :meth:`BasePackage.write`
assembles a note's package from it and writes the zip.

The zip entries carry a fixed time (the note's, see :meth:`BasePackage.write`), so the same note
gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Mapping

from docx.image.image import Image
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.parts.coreprops import CorePropertiesPart
from docx.opc.spec import default_content_types

from kapnotes.exporters.docx_xml import attr

__all__ = ["SLOT", "SLOT_TAG", "BasePackage", "Pictures", "core_properties"]

#: The element marking where a note's XML goes in a prepared part, and how it is serialized
#: (it never reaches a written file: the note's XML takes its place).
SLOT_TAG = "w:kapnotesSlot"
SLOT = f"<{SLOT_TAG}/>"
CONTENT_TYPES = "[Content_Types].xml"
_COMPRESS_LEVEL = zlib.Z_DEFAULT_COMPRESSION  # as python-docx (zipfile) writes parts


class _Stored:
    """A part compressed once (raw deflate), with what the zip headers need."""

    __slots__ = ("crc", "data", "size")

    def __init__(self, content: bytes) -> None:
        self.crc = zlib.crc32(content)
        self.size = len(content)
        compressor = zlib.compressobj(_COMPRESS_LEVEL, zlib.DEFLATED, -15)
        self.data = compressor.compress(content) + compressor.flush()


class _Slotted:
    """A part with one slot: the XML before it and after it."""

    __slots__ = ("after", "before")

    def __init__(self, content: bytes) -> None:
        xml = content.decode("utf-8")
        before, found, after = xml.partition(SLOT)
        if not found:
            raise ValueError("a prepared part has no slot")
        self.before, self.after = before, after

    def fill(self, xml: str) -> bytes:
        return (self.before + xml + self.after).encode("utf-8")


class Pictures:
    """The pictures of one note: image parts added to the package, named as python-docx does.

    :meth:`add` gives the relationship id of an image (one part per distinct image, by SHA-1)
    and the ``wp:docPr`` id of a new drawing (1, 2, ... in the body).
    """

    def __init__(self, base: BasePackage) -> None:
        self._base = base
        self.parts: dict[str, tuple[str, str, bytes]] = {}  # sha1 -> (partname, rId, blob)
        self.content_types: dict[str, str] = {}  # partname -> content type
        self.drawings = 0

    def add(self, image: Image) -> tuple[str, int]:
        """The relationship id of ``image`` from the body, and the id of its new drawing."""
        self.drawings += 1
        known = self.parts.get(image.sha1)
        if known is not None:
            return known[1], self.drawings
        base = self._base
        partname = base.images.get(image.sha1)
        if partname is None:
            used = set(base.image_numbers) | {
                _image_number(p) for p, _rid, _blob in self.parts.values()
            }
            count = len(base.image_numbers) + len(self.parts)
            n = next((k for k in range(1, count + 1) if k not in used), count + 1)
            partname = f"/word/media/image{n}.{image.ext}"
            blob = image.blob
        else:
            blob = b""  # already in the package
        rid = base.body_rels.get(partname)
        if rid is None:
            taken = set(base.body_rel_ids) | {r for _p, r, _b in self.parts.values()}
            rid = next(f"rId{k}" for k in range(1, len(taken) + 2) if f"rId{k}" not in taken)
        self.parts[image.sha1] = (partname, rid, blob)
        if blob:
            self.content_types[partname] = image.content_type
        return rid, self.drawings


def _image_number(partname: str) -> int:
    match = re.search(r"(\d+)\.[^./]*$", partname)
    return int(match.group(1)) if match else 0


class BasePackage:
    """A base document, prepared: every part not written per note, ready to copy.

    Built from the bytes of a .docx (saved by python-docx) whose body, page headers and page
    footers each hold one :data:`SLOT` where a note's content goes.
    """

    def __init__(self, data: bytes, *, body: str, headers: Mapping[str, bool],
                 footers: Iterable[str], core: str | None, style_ids: Mapping[str, str | None],
                 width: int, picture_ns: str) -> None:
        self.body_part = body
        #: page header parts (zip names) -> whether the note's letterhead goes in (else only
        #: the client banner, under the template's own letterhead)
        self.headers = dict(headers)
        self.footers = list(footers)
        self.style_ids = dict(style_ids)
        self.width = width  # text width, EMU
        self.picture_ns = picture_ns  # namespace declarations a picture needs in the body
        self.order: list[str] = []
        self.stored: dict[str, _Stored] = {}
        self.slotted: dict[str, _Slotted] = {}
        self.core_part = core
        self.core_xml = b""
        self.content_types_xml = b""
        self.body_rels_xml = b""
        names = {body, *self.headers, *self.footers}
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for info in z.infolist():
                content = z.read(info)
                self.order.append(info.filename)
                if info.filename in names:
                    self.slotted[info.filename] = _Slotted(content)
                elif info.filename == core:
                    self.core_xml = content
                else:
                    self.stored[info.filename] = _Stored(content)
                if info.filename == CONTENT_TYPES:
                    self.content_types_xml = content
                if info.filename == _rels_name(body):
                    self.body_rels_xml = content
        # target partname -> rId, and every rId of the body's relationships
        self.body_rels, self.body_rel_ids = _relationships(self.body_rels_xml)
        self.images = _images(data, self.order)  # sha1 -> partname of the package's images
        self.image_numbers = [_image_number(p) for p in self.images.values()]

    def write(self, parts: Mapping[str, str], pictures: Pictures, core: CorePropertiesPart | None,
              when: dt.datetime | None) -> bytes:
        """The .docx of a note: ``parts`` (zip name -> the XML of its slot), its pictures and
        core properties; every zip entry dated ``when`` (naive UTC; 1980-01-01 when None)."""
        entries: list[tuple[str, _Stored]] = []
        new_images = [(p, r, b) for p, r, b in pictures.parts.values() if b]
        new_rels = any(p not in self.body_rels for p, _r, _b in pictures.parts.values())
        for name in self.order:
            if name in self.slotted:
                entries.append((name, _Stored(self.slotted[name].fill(parts[name]))))
            elif name == self.core_part and core is not None:
                entries.append((name, _Stored(core.blob)))
            elif name == CONTENT_TYPES and pictures.content_types:
                entries.append((name, _Stored(self._content_types(pictures.content_types))))
            elif name == _rels_name(self.body_part) and new_rels:
                entries.append((name, _Stored(self._body_rels(pictures))))
            else:
                entries.append((name, self.stored[name]))
        entries += [(p.lstrip("/"), _Stored(blob)) for p, _rid, blob in new_images]
        return _zip(entries, when)

    def _content_types(self, added: Mapping[str, str]) -> bytes:
        """``[Content_Types].xml`` with the new image parts: a Default per extension where
        python-docx would write one (sorted by extension), else an Override (sorted)."""
        xml = self.content_types_xml.decode("utf-8")
        defaults = dict(re.findall(r'<Default Extension="([^"]*)" ContentType="([^"]*)"/>', xml))
        overrides = dict(re.findall(r'<Override PartName="([^"]*)" ContentType="([^"]*)"/>', xml))
        for partname, content_type in added.items():
            ext = partname.rpartition(".")[2]
            if (ext.lower(), content_type) in default_content_types:
                defaults[ext.lower()] = content_type
            else:
                overrides[partname] = content_type
        head = xml[: xml.index("<Types")]
        root = re.match(r"<Types[^>]*>", xml[len(head):])
        assert root is not None
        body = "".join(
            f'<Default Extension="{attr(e)}" ContentType="{attr(t)}"/>'
            for e, t in sorted(defaults.items())
        ) + "".join(
            f'<Override PartName="{attr(p)}" ContentType="{attr(t)}"/>'
            for p, t in sorted(overrides.items())
        )
        return (head + root.group() + body + "</Types>").encode("utf-8")

    def _body_rels(self, pictures: Pictures) -> bytes:
        """The body's relationships with those of the new pictures appended."""
        xml = self.body_rels_xml.decode("utf-8")
        added = "".join(
            f'<Relationship Id="{rid}" Type="{RT.IMAGE}" Target="{attr(_relative(partname))}"/>'
            for partname, rid, blob in pictures.parts.values()
            if partname not in self.body_rels
        )
        end = xml.rindex("</Relationships>")
        return (xml[:end] + added + xml[end:]).encode("utf-8")


def core_properties(base: BasePackage) -> CorePropertiesPart | None:
    """A fresh copy of the base's core properties part (to be set for one note)."""
    if base.core_part is None:
        return None
    part: CorePropertiesPart = CorePropertiesPart.load(
        PackURI("/" + base.core_part), CT.OPC_CORE_PROPERTIES, base.core_xml, None  # type: ignore[arg-type]
    )
    return part


def _rels_name(partname: str) -> str:
    folder, _, name = partname.rpartition("/")
    return f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"


def _relative(partname: str) -> str:
    """A partname relative to ``/word/`` (where the body is), as python-docx writes targets."""
    return partname[len("/word/"):] if partname.startswith("/word/") else "../" + partname.lstrip("/")


def _relationships(xml: bytes) -> tuple[dict[str, str], list[str]]:
    """The relationships of the body: target partname -> (first) rId, and every rId."""
    out: dict[str, str] = {}
    ids: list[str] = []
    for element in re.findall(rb"<Relationship [^>]*>", xml):
        rid = re.search(rb'Id="([^"]*)"', element)
        target = re.search(rb'Target="([^"]*)"', element)
        if rid is None or target is None:
            continue
        value = target.group(1).decode()
        key = value if b'TargetMode="External"' in element else _absolute(value)
        out.setdefault(key, rid.group(1).decode())
        ids.append(rid.group(1).decode())
    return out, ids


def _absolute(target: str) -> str:
    if target.startswith("/"):
        return target
    parts = ["word"]
    for piece in target.split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece and piece != ".":
            parts.append(piece)
    return "/" + "/".join(parts)


def _images(data: bytes, names: Iterable[str]) -> dict[str, str]:
    """The package's image parts (under ``word/media/``): SHA-1 of the bytes -> partname."""
    out: dict[str, str] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in names:
            if name.startswith("word/media/"):
                out.setdefault(hashlib.sha1(z.read(name)).hexdigest(), "/" + name)
    return out


# --- the zip -------------------------------------------------------------------------------------


def _dos_time(when: dt.datetime | None) -> tuple[int, int]:
    if when is None or when.year < 1980 or when.year > 2107:
        when = dt.datetime(1980, 1, 1)
    date = (when.year - 1980) << 9 | when.month << 5 | when.day
    time = when.hour << 11 | when.minute << 5 | when.second // 2
    return time, date


def _zip(entries: list[tuple[str, _Stored]], when: dt.datetime | None) -> bytes:
    """A zip of deflated entries, in order (what zipfile writes, without extra fields)."""
    time, date = _dos_time(when)
    out = io.BytesIO()
    directory = []
    for name, stored in entries:
        encoded = name.encode("utf-8")
        flags = 0 if encoded.isascii() else 0x800
        offset = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, 8, time, date, stored.crc,
                              len(stored.data), stored.size, len(encoded), 0))
        out.write(encoded)
        out.write(stored.data)
        directory.append(
            struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, 8, time, date,
                        stored.crc, len(stored.data), stored.size, len(encoded), 0, 0, 0, 0, 0,
                        offset)
            + encoded
        )
    start = out.tell()
    for record in directory:
        out.write(record)
    size = out.tell() - start
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), size, start, 0))
    return out.getvalue()
