"""Onboarding: how an issuer becomes accredited. It applies, passes the automated technical
conformance checks (:mod:`registry.conformance`), an assessor marks each PCTF criterion of the
checklist (:mod:`registry.criteria`), and governance decides.

An application moves forward only (see :data:`registry.models.APPLICATION_STATES`). Each step
is written with its audit entry in one transaction; an accreditation registers the entity with
the keys conformance found and grants its types through :meth:`registry.governance.Governance.grant`.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from sqlmodel import Session, col, select

from pctf.trqp import iso_z
from pctf.vocab import CREDENTIAL_TYPES

from .audit import append_entry
from .criteria import criteria_for
from .governance import Governance
from .models import Application, AssessmentMark, ConformanceRun, Entity
from .store import RegistryStore
from .validation import (
    bad_request,
    clean_application,
    clean_conformance_report,
    clean_grants,
    clean_text,
    conflict,
    not_found,
    one_of,
    validate_jwks,
    vct_of,
)

FINAL_STATES = ("accredited", "refused")


def hash_token(token: str) -> str:
    """What the registry keeps of an applicant token: its SHA-256, never the token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class Onboarding:
    """Applications, their conformance runs and assessment, and the decision that closes them."""

    def __init__(self, store: RegistryStore, governance: Governance) -> None:
        self.store = store
        self.governance = governance

    def apply(self, body: object) -> dict[str, Any]:
        """An applicant's request for accreditation. Anyone may apply; the answer carries an
        ``applicant_token`` (shown once) with which the applicant follows its application and
        asks for conformance runs. It grants nothing else: only governance decides."""
        asked = clean_application(body)
        entity_id = asked["entity_id"]
        token = secrets.token_urlsafe(32)
        now = self.store.now()
        with self.store.write() as session:
            existing = session.get(Entity, entity_id)
            if existing is not None and existing.status == "revoked":
                raise conflict(f"{entity_id} was revoked; apply under a new identifier")
            open_ = session.exec(
                select(Application).where(
                    Application.entity_id == entity_id, col(Application.state).not_in(FINAL_STATES)
                )
            ).first()
            if open_ is not None:
                raise conflict(f"{entity_id} already has an open application ({open_.id})")
            row = Application(
                id=secrets.token_hex(8),
                **asked,
                state="submitted",
                applicant_token_hash=hash_token(token),
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            append_entry(
                session,
                now,
                f"applicant:{row.id}",
                "application.submitted",
                entity_id,
                {
                    "application_id": row.id,
                    "requested": asked["requested"],
                    "credential_issuer": asked["credential_issuer"],
                },
            )
            session.flush()
            return {**self._view(session, row), "applicant_token": token}

    def application_of(self, token: str) -> str | None:
        """The id of the application whose applicant token this is, or None."""
        digest = hash_token(token)
        with self.store.session() as session:
            row = session.exec(select(Application).where(Application.applicant_token_hash == digest)).first()
        return row.id if row is not None and secrets.compare_digest(row.applicant_token_hash, digest) else None

    def applicant_may_read(self, app_id: str, token: str | None) -> bool:
        """Whether ``token`` is the applicant token of application ``app_id``."""
        with self.store.session() as session:
            row = session.get(Application, clean_text(app_id, "application_id", 64))
            return (
                row is not None
                and token is not None
                and secrets.compare_digest(row.applicant_token_hash, hash_token(token))
            )

    def record_conformance(self, app_id: str, report: dict[str, Any], *, actor: str) -> dict[str, Any]:
        """Store a conformance report (see registry.conformance) and move the application on.

        The keys the applicant published (its ``jwt-vc-issuer`` metadata, or for a ``did:web``
        entity the ``assertionMethod`` keys of its DID document) are kept with the application:
        they are what accreditation registers, so a report that passed with keys
        that could not be registered is refused here, not at the decision.
        """
        passed, failed, jwks = clean_conformance_report(report)
        with self.store.write() as session:
            row = _open_application(session, app_id)
            session.add(ConformanceRun(application_id=row.id, passed=passed, report=report, ran_at=self.store.now()))
            row.state = "conformance_passed" if passed else "conformance_failed"
            row.jwks = jwks
            row.updated_at = self.store.now()
            append_entry(
                session,
                self.store.clock.now(),
                actor,
                "conformance.recorded",
                row.entity_id,
                {"application_id": row.id, "passed": passed, "failed_checks": failed},
            )
            session.flush()
            return self._view(session, row)

    def assess(
        self, app_id: str, criterion: str, *, met: bool, evidence: str, actor: str = "assessor"
    ) -> dict[str, Any]:
        """An assessor marks one PCTF criterion met or not, with the evidence looked at."""
        if not isinstance(met, bool):
            raise bad_request("met must be true or false")
        evidence = clean_text(evidence, "evidence", 4000)
        with self.store.write() as session:
            row = _open_application(session, app_id)
            ids = [c.id for c in criteria_for([r["resource"] for r in row.requested])]
            if criterion not in ids:
                raise bad_request(f"criterion must be one of {', '.join(ids)}")
            mark = session.exec(
                select(AssessmentMark).where(
                    AssessmentMark.application_id == row.id, AssessmentMark.criterion == criterion
                )
            ).first()
            now = self.store.now()
            if mark is None:
                session.add(
                    AssessmentMark(
                        application_id=row.id, criterion=criterion, met=met, evidence=evidence, assessed_at=now
                    )
                )
            else:
                mark.met, mark.evidence, mark.assessed_at = met, evidence, now
            row.updated_at = now
            append_entry(
                session,
                now,
                actor,
                "assessment.marked",
                row.entity_id,
                {"application_id": row.id, "criterion": criterion, "met": met, "evidence": evidence},
            )
            session.flush()
            return self._view(session, row)

    def decide(self, app_id: str, body: object, *, actor: str = "governance") -> dict[str, Any]:
        """The governance decision on an application: ``accredit`` or ``refuse``.

        Accreditation needs a passed conformance run and every criterion of the checklist
        assessed as met, and may grant no more than was asked for (types, level of assurance).
        It registers the entity with the keys conformance found and grants each type for the
        validity window. A refusal needs reasons. Either way the application is closed.
        """
        if not isinstance(body, dict):
            raise bad_request("the decision must be a JSON object")
        decision = one_of(body.get("decision"), "decision", ("accredit", "refuse"))
        with self.store.write() as session:
            row = _open_application(session, app_id)
            if decision == "refuse":
                self._refuse(session, row, body.get("reasons"), actor)
            else:
                self._accredit(session, row, body, actor)
            session.flush()
            return self._view(session, row)

    def _refuse(self, session: Session, row: Application, reasons: object, actor: str) -> None:
        if not isinstance(reasons, list) or not reasons or not all(isinstance(r, str) and r.strip() for r in reasons):
            raise bad_request("a refusal must give its reasons: a non-empty list of sentences")
        row.decision = {
            "decision": "refuse",
            "reasons": [r.strip()[:2000] for r in reasons],
            "decided_at": iso_z(self.store.now()),
        }
        row.state = "refused"
        append_entry(
            session,
            self.store.clock.now(),
            actor,
            "application.refused",
            row.entity_id,
            {"application_id": row.id, "reasons": row.decision["reasons"]},
        )

    def _accredit(self, session: Session, row: Application, body: dict[str, Any], actor: str) -> None:
        grants = clean_grants({r["resource"]: r["assurance_level"] for r in row.requested}, body)
        if row.state != "conformance_passed" or not row.jwks:
            raise conflict("accreditation needs a passed technical conformance run first")
        marks = {
            m.criterion: m
            for m in session.exec(select(AssessmentMark).where(AssessmentMark.application_id == row.id)).all()
        }
        checklist = criteria_for([r["resource"] for r in row.requested])
        missing = [c.id for c in checklist if c.id not in marks]
        unmet = [c.id for c in checklist if c.id in marks and not marks[c.id].met]
        if missing or unmet:
            gaps = ([f"not assessed: {', '.join(missing)}"] if missing else []) + (
                [f"not met: {', '.join(unmet)}"] if unmet else []
            )
            raise conflict("the PCTF assessment is not complete: " + "; ".join(gaps))
        entity = session.get(Entity, row.entity_id)
        keys = validate_jwks(row.jwks)
        now = self.store.now()
        if entity is None:
            session.add(
                Entity(
                    entity_id=row.entity_id,
                    name=row.name,
                    jurisdiction=row.jurisdiction,
                    role="issuer",
                    jwks=keys,
                    status="active",
                    created_at=now,
                    updated_at=now,
                )
            )
            append_entry(
                session,
                now,
                actor,
                "entity.registered",
                row.entity_id,
                {
                    "name": row.name,
                    "jurisdiction": row.jurisdiction,
                    "role": "issuer",
                    "kids": [k["kid"] for k in keys["keys"]],
                    "application_id": row.id,
                },
            )
        elif entity.role != "issuer":
            raise conflict(f"{row.entity_id} is registered as {entity.role}, not as an issuer")
        session.flush()
        granted = [
            self.governance.grant(
                session,
                row.entity_id,
                action="issue",
                resource=vct,
                assurance_level=loa,
                valid_from=body.get("valid_from"),
                valid_until=body.get("valid_until"),
                actor=actor,
            )
            for vct, loa in grants
        ]
        row.decision = {"decision": "accredit", "decided_at": iso_z(now), "authorizations": [a["id"] for a in granted]}
        row.state, row.updated_at = "accredited", now
        append_entry(
            session,
            now,
            actor,
            "application.accredited",
            row.entity_id,
            {"application_id": row.id, "authorizations": [a["id"] for a in granted]},
        )

    # -- reads -------------------------------------------------------------------------------
    def application(self, app_id: str) -> dict[str, Any]:
        with self.store.session() as session:
            row = session.get(Application, clean_text(app_id, "application_id", 64))
            if row is None:
                raise not_found(f"no application {app_id}")
            return self._view(session, row)

    def applications(self) -> list[dict[str, Any]]:
        with self.store.session() as session:
            rows = session.exec(select(Application).order_by(col(Application.created_at), col(Application.id))).all()
            return [
                {
                    "application_id": r.id,
                    "entity_id": r.entity_id,
                    "name": r.name,
                    "state": r.state,
                    "created_at": iso_z(r.created_at),
                }
                for r in rows
            ]

    @staticmethod
    def criteria(resources: list[str] | None = None) -> list[dict[str, Any]]:
        """The assessment checklist for these types (all types when none are named)."""
        vcts = [vct_of(r) for r in resources] if resources else [t.vct for t in CREDENTIAL_TYPES.values()]
        return [{"id": c.id, "en": c.en, "fr": c.fr} for c in criteria_for(vcts)]

    @staticmethod
    def _view(session: Session, row: Application) -> dict[str, Any]:
        """An application as answered: its request, state, last conformance run, checklist and decision."""
        last = session.exec(
            select(ConformanceRun)
            .where(ConformanceRun.application_id == row.id)
            .order_by(col(ConformanceRun.id).desc())
            .limit(1)
        ).first()
        marks = {
            m.criterion: m
            for m in session.exec(select(AssessmentMark).where(AssessmentMark.application_id == row.id)).all()
        }
        checklist = []
        for c in criteria_for([r["resource"] for r in row.requested]):
            mark = marks.get(c.id)
            checklist.append(
                {
                    "id": c.id,
                    "en": c.en,
                    "fr": c.fr,
                    "met": None if mark is None else mark.met,
                    "evidence": None if mark is None else mark.evidence,
                    "assessed_at": None if mark is None else iso_z(mark.assessed_at),
                }
            )
        return {
            "application_id": row.id,
            "entity_id": row.entity_id,
            "name": row.name,
            "jurisdiction": row.jurisdiction,
            "contacts": row.contacts,
            "requested": row.requested,
            "credential_issuer": row.credential_issuer,
            "state": row.state,
            "conformance": None
            if last is None
            else {**last.report, "passed": last.passed, "ran_at": iso_z(last.ran_at)},
            "assessment": checklist,
            "decision": row.decision,
            "created_at": iso_z(row.created_at),
            "updated_at": iso_z(row.updated_at),
        }


def _open_application(session: Session, app_id: str) -> Application:
    row = session.get(Application, clean_text(app_id, "application_id", 64))
    if row is None:
        raise not_found(f"no application {app_id}")
    if row.state in FINAL_STATES:
        raise conflict(f"application {app_id} was already decided ({row.state})")
    return row
