"""Turn what cattrs and the model raise into :class:`~kapnotes.errors.Problem` lists with JSON paths."""

from __future__ import annotations

from cattrs.errors import (
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
)

from kapnotes.errors import ModelError, Problem
from kapnotes.serialization.converter import EdgeError


def problems_from(exc: BaseException, path: str = "$") -> list[Problem]:
    """Every problem inside ``exc``, each with its path under ``path``."""
    out: list[Problem] = []
    if isinstance(exc, IterableValidationError):
        items, rest = exc.group_exceptions()
        for sub, item in items:
            out += problems_from(sub, f"{path}[{item.index!r}]")
        for sub in rest:
            out += problems_from(sub, path)
    elif isinstance(exc, ClassValidationError):
        attributes, others = exc.group_exceptions()
        for sub, attribute in attributes:
            out += problems_from(sub, f"{path}.{attribute.name}")
        for sub in others:
            out += problems_from(sub, path)
    elif isinstance(exc, ModelError):
        out += [p.under(path) for p in exc.problems]
    elif isinstance(exc, ForbiddenExtraKeysError):
        for key in sorted(exc.extra_fields):
            out.append(Problem(f"{path}.{key}", f"unknown key {key!r}"))
    elif isinstance(exc, KeyError):
        out.append(Problem(path, "required but missing"))
    elif isinstance(exc, EdgeError):
        out.append(Problem(path, str(exc)))
    elif isinstance(exc, (TypeError, ValueError)):
        out.append(Problem(path, _clean(str(exc))))
    else:  # pragma: no cover - a bug, not bad input: let it surface
        raise exc
    return out


def _clean(message: str) -> str:
    return message.splitlines()[0] if message else "invalid value"
