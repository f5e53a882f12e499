"""Simulated identity proofing: evidence in, level of assurance out.

A stand-in for a jurisdiction's in-person or remote proofing. It keeps the shape of the real
thing: *foundational* evidence (a birth certificate) establishes that the identity exists;
a *photo identity document* (driver's licence or services card) links it to the person; a
biometric comparison of the person to that photo raises confidence further. Every document
must describe the same person as the application, or proofing fails.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from pctf.reasons import Reason, SandboxError

FOUNDATIONAL = {"birth_certificate", "citizenship_certificate", "permanent_resident_card"}
PHOTO_ID = {"drivers_licence", "services_card", "passport"}
EVIDENCE_TYPES = FOUNDATIONAL | PHOTO_ID
_MATCHED = ("given_name", "family_name", "birthdate")


def _kind(doc: object) -> str | None:
    """A document's type when it is a string (a list or object there is no type, and cannot
    even be looked up in a set)."""
    kind = doc.get("type") if isinstance(doc, dict) else None
    return kind if isinstance(kind, str) else None


def _has_number(doc: dict) -> bool:
    """Whether the document carries its number: non-blank text, or an integer. Anything else
    (null, an object, a list) is no number, and is never turned into text to find out."""
    number = doc.get("number")
    if isinstance(number, str):
        return bool(number.strip())
    return isinstance(number, int) and not isinstance(number, bool)


def _as_kept(value: Any) -> Any:
    """A document's name as the applicant's claims keep names (NFC, trimmed), so one name typed in
    two Unicode forms still matches; anything else as it is."""
    return unicodedata.normalize("NFC", value).strip() if isinstance(value, str) else value


def assess(applicant: dict, evidence: object, *, max_loa: int) -> int:
    """The PCTF level of assurance this evidence supports for ``applicant``, capped at ``max_loa``.

    LoA 2: one foundational or one photo document. LoA 3: foundational *and* photo document.
    LoA 4: LoA 3 evidence plus a biometric comparison to the photo document.
    """
    if not isinstance(evidence, list) or not evidence:
        raise SandboxError(
            Reason.EVIDENCE_INSUFFICIENT, "identity proofing needs at least one evidence document", status_code=422
        )
    kinds: set[str] = set()
    biometric = False
    for doc in evidence:
        kind = _kind(doc)
        if kind not in EVIDENCE_TYPES:
            raise SandboxError(
                Reason.BAD_REQUEST, f"unknown evidence type {kind!r} (accepted: {', '.join(sorted(EVIDENCE_TYPES))})"
            )
        if not _has_number(doc):
            raise SandboxError(Reason.BAD_REQUEST, f"{kind} evidence needs its document number")
        for field in _MATCHED:
            if doc.get(field) is not None and _as_kept(doc.get(field)) != applicant.get(field):
                what = kind.replace("_", " ")
                raise SandboxError(
                    Reason.EVIDENCE_MISMATCH,
                    f"the {what} does not match the applicant's {field.replace('_', ' ')}",
                    status_code=422,
                )
        kinds.add(kind)
        biometric = biometric or (kind in PHOTO_ID and bool(doc.get("biometric_match")))
    has_foundational, has_photo = bool(kinds & FOUNDATIONAL), bool(kinds & PHOTO_ID)
    loa = 2
    if has_foundational and has_photo:
        loa = 4 if biometric else 3
    return min(loa, max_loa)


# A legal change of name is shown by one of these, giving the name before and after.
NAME_CHANGE_EVIDENCE = {"marriage_certificate", "change_of_name_certificate"}


def check_name_change(before: dict, after: dict, evidence: object) -> str:
    """The simulated re-proofing of a change of name: a marriage or change-of-name certificate
    whose ``previous_given_name`` / ``previous_family_name`` are the credential's current names
    and whose ``given_name`` / ``family_name`` are the new ones. Returns the document's type."""
    if not isinstance(evidence, list) or not evidence:
        raise SandboxError(
            Reason.EVIDENCE_INSUFFICIENT,
            "a change of name needs a marriage or change-of-name certificate as evidence",
            status_code=422,
        )
    for doc in evidence:
        kind = _kind(doc)
        if kind not in NAME_CHANGE_EVIDENCE:
            continue
        if not _has_number(doc):
            raise SandboxError(Reason.BAD_REQUEST, f"the {kind.replace('_', ' ')} needs its number")
        for field in ("given_name", "family_name"):
            if doc.get(f"previous_{field}", before.get(field)) != before.get(field):
                raise SandboxError(
                    Reason.EVIDENCE_MISMATCH,
                    f"the {kind.replace('_', ' ')} does not give the current "
                    f"{field.replace('_', ' ')} as the previous one",
                    status_code=422,
                )
            if doc.get(field, before.get(field)) != after.get(field):
                raise SandboxError(
                    Reason.EVIDENCE_MISMATCH,
                    f"the {kind.replace('_', ' ')} does not give the new {field.replace('_', ' ')}",
                    status_code=422,
                )
        if doc.get("birthdate") is not None and doc.get("birthdate") != before.get("birthdate"):
            raise SandboxError(
                Reason.EVIDENCE_MISMATCH,
                f"the {kind.replace('_', ' ')} is about someone born on another date",
                status_code=422,
            )
        return kind
    raise SandboxError(
        Reason.EVIDENCE_INSUFFICIENT,
        "a change of name needs a marriage or change-of-name certificate "
        f"(accepted: {', '.join(sorted(NAME_CHANGE_EVIDENCE))})",
        status_code=422,
    )
