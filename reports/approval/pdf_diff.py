"""What a signature's own revision may change: only signature fields and their appearances.

pyHanko reviews the revisions *after* a signature, and skips the review when the signature
covers the whole file; a signature whose own incremental update also rewrites a page is then
reported intact. So the review is run here from the approved revision (the PDF as baocao wrote
it) over every later one, the signature's included.

LibreOffice's PDFs have no ``/AcroForm``; pyHanko's form rule raises ``PdfReadError`` on such
a base revision instead of judging it. :class:`FormlessBaseFormRule` vets a form created by the
signing revision as if the base had an empty one, then runs pyHanko's own field rules (which
allow the new signature field, its widget and appearance streams, and the page's ``/Annots``).
It uses two of pyHanko's private helpers (``_list_fields``, ``misc._as_gen``): pyHanko is pinned
to 0.38 in pyproject and tests/test_signed_pdf.py exercises this rule.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from pyhanko.pdf_utils import generic, misc
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import (
    DEFAULT_DIFF_POLICY,
    DiffResult,
    FormUpdate,
    FormUpdatingRule,
    ModificationLevel,
    StandardDiffPolicy,
    SuspiciousModification,
    form_rules_api,
)
from pyhanko.sign.diff_analysis.commons import compare_key_refs, qualify_transforming
from pyhanko.sign.diff_analysis.constants import ACROFORM_EXEMPT_STRICT_COMPARISON

_NEW_ACROFORM_KEYS = ACROFORM_EXEMPT_STRICT_COMPARISON | {"/SigFlags"}


def _empty() -> Any:
    return generic.DictionaryObject()  # type: ignore[no-untyped-call]


class FormlessBaseFormRule(FormUpdatingRule):  # type: ignore[misc]
    """pyHanko's form rule, and for a base revision without a form: the form a later revision
    creates holds only new (signature) fields, vetted by pyHanko's field rules."""

    def apply(self, old: Any, new: Any) -> Iterable[Any]:
        if "/AcroForm" in old.root:
            yield from super().apply(old, new)
            return
        if "/AcroForm" not in new.root:
            return
        _, new_acroform = yield from qualify_transforming(
            ModificationLevel.LTA_UPDATES,
            compare_key_refs("/AcroForm", old, old.root, new.root),
            transform=FormUpdate.curry_ref(field_name=None),
        )
        if not isinstance(new_acroform, generic.DictionaryObject):
            raise SuspiciousModification("/AcroForm is not a dictionary")
        extra = set(new_acroform.keys()) - _NEW_ACROFORM_KEYS
        if extra:
            raise SuspiciousModification(f"New /AcroForm has unexpected keys {extra}")
        _, new_fields = yield from qualify_transforming(
            ModificationLevel.LTA_UPDATES,
            compare_key_refs("/Fields", old, _empty(), new_acroform),
            transform=FormUpdate.curry_ref(field_name=None),
        )
        _, new_dr = yield from qualify_transforming(
            ModificationLevel.FORM_FILLING,
            compare_key_refs("/DR", old, _empty(), new_acroform),
            transform=FormUpdate.curry_ref(field_name=None),
        )
        if new_dr is not None:
            deps = new.collect_dependencies(new_dr, since_revision=old.revision + 1)
            yield from qualify_transforming(
                ModificationLevel.FORM_FILLING,
                misc._as_gen(deps),
                transform=FormUpdate.curry_ref(field_name=None),
            )
        fields = form_rules_api._list_fields(generic.ArrayObject(), new_fields, old_path=None)
        context = form_rules_api.FieldComparisonContext(field_specs=dict(fields), old=old, new=new)
        for rule in self.field_rules:
            yield from rule.apply(context)


assert DEFAULT_DIFF_POLICY.form_rule is not None
FORMLESS_BASE_POLICY = StandardDiffPolicy(
    global_rules=DEFAULT_DIFF_POLICY.global_rules,
    form_rule=FormlessBaseFormRule(field_rules=DEFAULT_DIFF_POLICY.form_rule.field_rules),
)


def changes_beyond_signatures(approved: bytes, reader: PdfFileReader) -> str | None:
    """None when every revision after ``approved`` (in ``reader``, the signed file) changes only
    signature fields and their appearances; otherwise what else changed (pyHanko's words)."""
    from pyhanko.pdf_utils.misc import PdfReadError

    try:
        base = PdfFileReader(io.BytesIO(approved)).xrefs.total_revisions - 1
        result = FORMLESS_BASE_POLICY.review_file(reader, base)
    except (PdfReadError, ValueError, KeyError) as exc:
        return f"unreadable revision: {exc}"
    if not isinstance(result, DiffResult):
        return str(result)
    if result.modification_level > ModificationLevel.FORM_FILLING:
        return f"modification level {result.modification_level.name}"
    return None
