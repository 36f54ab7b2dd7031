"""Billing: code suggestion with cited rules, for one session or a client's date range.

:func:`bill` suggests the service lines of a session of a document: every line with its
reason, rule and sources; findings for conflicts and for codes whose source is not verified
(never emitted silently). The rules are data (:class:`~kapnotes.billing.rules.CodeRule`),
registered by plugins through the ``register_billing_rules`` hook (the built-ins by
:mod:`kapnotes.default_plugins.billing`), and changed by the clinic configuration's
``billing`` section. See ``docs/billing.md``.

>>> from kapnotes.billing import bill
>>> # bill(document, "cl-001-prep-01").lines[0].line.code  ->  "90837"
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kapnotes.registry import Registry, resolve

if TYPE_CHECKING:  # pragma: no cover
    from kapnotes.billing.engine import Bill
    from kapnotes.billing.rules import CodeRule
    from kapnotes.model.document import Document
    from kapnotes.rules.config import ClinicConfig

__all__ = ["bill", "code_rules"]


def code_rules(*, registry: Registry | None = None) -> list[CodeRule]:
    """Every code rule of ``registry`` (None: the default registry, the loaded plugins)."""
    return list(resolve(registry).billing_rules)


def bill(
    document: Document,
    session_id: str,
    *,
    config: ClinicConfig | None = None,
    rules: list[CodeRule] | None = None,
    registry: Registry | None = None,
) -> Bill:
    """The suggested service lines of session ``session_id`` of ``document``.

    :param config: the clinic configuration (its ``billing`` section); the defaults when None.
    :param rules: the code rules; every registered rule when None.
    :raises KeyError: no such session.
    :raises kapnotes.errors.InvalidError: the configuration names an unknown rule.
    """
    from kapnotes.billing.engine import suggest
    from kapnotes.rules.config import ClinicConfig

    course, session = document.find_session(session_id)
    ci = document.courses.index(course)
    si = course.sessions.index(session)
    cfg = config or ClinicConfig.default()
    return suggest(
        session, rules=code_rules(registry=registry) if rules is None else rules, course=course,
        document=document, config=cfg.billing, score=_scorer(registry),
        path=f"$.courses[{ci}].sessions[{si}]",
    )


def _scorer(registry: Registry | None = None) -> Any:
    from kapnotes.scoring import canonical_name, score

    reg = resolve(registry)
    instruments = reg.instruments

    def run(m: Any) -> Any:
        name = canonical_name(m.instrument, instruments)
        if name not in instruments:
            return None
        return score(name, m.items, registry=reg)

    return run
