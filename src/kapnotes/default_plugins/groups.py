"""Built-in plugin: the ``group-privacy`` rule. A group member's note holds only that client's
data: a blocking finding (``KAP-GROUP-001``) names any text of a member's session that names
another member of the group (given, family, middle or preferred name, as a whole word), so the
note cannot be signed until the text is changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from kapnotes.hookspecs import hookimpl
from kapnotes.references import cite
from kapnotes.rules.base import Finding, Rule, RuleContext, Severity

_SOURCE = cite(
    "kapnotes-default",
    note="each group member's record holds only that member's information (the minimum "
    "necessary); kapnotes blocks signing a member's note that names another member",
)


def _strings(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            if not (k == "id" or k.endswith("_id") or k == "type"):
                yield from _strings(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, (*path, i))


def _names(doc: Any, client_ids: set[str]) -> list[str]:
    out = []
    for c in doc.clients:
        if c.id in client_ids:
            n = c.name
            out += [x for x in (n.given, n.family, n.middle, n.preferred) if x and len(x) > 1]
    return sorted(set(out), key=len, reverse=True)


def _check(ctx: RuleContext) -> Iterator[Finding]:
    s, doc = ctx.session, ctx.document
    if s.group_id is None or doc is None or ctx.course is None:
        return
    others = {c.client_id for c, _ in doc.group_members(s.group_id)} - {ctx.course.client_id}
    names = _names(doc, others)
    if not names:
        return
    pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")\b", re.IGNORECASE)
    from kapnotes.serialization import unstructure

    data = unstructure(s)
    for key in ("signatures", "addenda", "status", "clinicians"):
        data.pop(key, None)
    for path, text in _strings(data):
        m = pattern.search(text)
        if m:
            yield ctx.finding(
                CODES["KAP-GROUP-001"][0], "KAP-GROUP-001",
                "this group member's note names another member of the group; a member's note "
                "holds only that member's information: refer to others without names",
                ctx.at(*path),
            )


#: The finding code the rule emits: ``code -> (severity, meaning)``.
CODES: dict[str, tuple[Severity, str]] = {
    "KAP-GROUP-001": (Severity.BLOCKING, "a group member's note names another member"),
}

GROUP_PRIVACY = Rule(
    name="group-privacy",
    description="A group member's note never names another member of the group.",
    check=_check,
    source=_SOURCE,
    codes=("KAP-GROUP-001",),
)


@hookimpl
def register_rules(register: Callable[[Rule], None]) -> None:
    """Register the group-privacy rule."""
    register(GROUP_PRIVACY)
