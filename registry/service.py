"""The registry's logic: who may issue what, how an issuer gets there, and the TRQP answers.

Writes are governance decisions (entities, authorizations, status changes with effective
dates, key retirement and compromise, recognitions) and the onboarding workflow (apply,
conformance, assessment, decision). Each is recorded in the same transaction as an entry of the
hash-chained audit log. Answers come from :mod:`registry.rules` over entity records, the same
code a verifier runs over the signed snapshot.

Every method validates all of its input before it touches the store, so a rejected request
changes nothing, and each one opens its own session: the service is shared by the threads of a
single-process server. Answers are plain JSON-able dicts.
"""
from __future__ import annotations

import secrets
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Iterator

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from pctf.clock import Clock
from pctf.jose import SigningKey, generate_key
from pctf.reasons import SandboxError
from pctf.settings import Settings
from pctf.storage import engine_for
from pctf.vocab import CREDENTIAL_TYPES, LEVELS_OF_ASSURANCE, credential_type

from . import rules
from .criteria import criteria_for
from .models import (
    KEY_EVENTS,
    ROLES,
    STATUSES,
    Application,
    AssessmentMark,
    AuditEntry,
    Authorization,
    ConformanceRun,
    Entity,
    KeyEvent,
    Recognition,
    RegistrySigningKey,
    StatusEvent,
)
from .records import (
    GENESIS,
    audit_dict,
    audit_hash,
    auth_dict,
    entity_record,
    hash_token,
    recognition_dict,
)
from .rules import iso_z
from .trust_list import sign_trust_list
from .validation import (
    ACTION_ROLES,
    ACTIONS,
    bad_request,
    clean_loa,
    clean_reason,
    clean_row_id,
    clean_text,
    clean_url,
    conflict,
    db_time,
    not_found,
    one_of,
    parse_time,
    validate_jwks,
    vct_of,
)

TRUST_LIST_REUSE_SECONDS = 60
FINAL_STATES = ("accredited", "refused")


class RegistryService:
    """The trust registry of the sandbox's governance authority (``settings.registry_authority_id``).

    ``actor`` arguments name who acts, for the audit log: ``governance``, ``assessor``,
    ``applicant:<application id>`` or ``system`` (start-up seeding). The HTTP app decides the
    actor from the bearer token; the service never trusts a caller's claim to a role.
    """

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self.authority_id = settings.registry_authority_id
        self._trust_list_cache: tuple[int | None, float, str] | None = None
        self.engine = engine_for(settings, "registry", [Entity, Authorization, Recognition, StatusEvent, KeyEvent,
                                                        Application, ConformanceRun, AssessmentMark, AuditEntry,
                                                        RegistrySigningKey])

    # -- governance writes -----------------------------------------------------------
    def upsert_entity(self, entity_id: str, *, name: str, jurisdiction: str, role: str, jwks: dict,
                      actor: str = "governance") -> dict:
        """Register an entity or replace its name, jurisdiction, role and keys.

        The status is left as governance set it: re-registering never reinstates a suspended
        or revoked entity (seeding runs at every start-up and must not undo a decision). A
        call that changes nothing writes nothing, not even to the audit log.
        """
        entity_id = clean_url(entity_id)
        name = clean_text(name, "name", 200)
        jurisdiction = clean_text(jurisdiction, "jurisdiction", 64)
        role = one_of(role, "role", ROLES)
        keys = validate_jwks(jwks)
        now = db_time(self.clock.now())
        with self._write() as session:
            row = session.get(Entity, entity_id)
            if row is None:
                row = Entity(entity_id=entity_id, name=name, jurisdiction=jurisdiction, role=role, jwks=keys,
                             status="active", created_at=now, updated_at=now)
                session.add(row)
                self._audit(session, actor, "entity.registered", entity_id,
                            {"name": name, "jurisdiction": jurisdiction, "role": role,
                             "kids": [k["kid"] for k in keys["keys"]]})
            elif (row.name, row.jurisdiction, row.role, row.jwks) != (name, jurisdiction, role, keys):
                row.name, row.jurisdiction, row.role, row.jwks, row.updated_at = name, jurisdiction, role, keys, now
                self._audit(session, actor, "entity.updated", entity_id,
                            {"name": name, "jurisdiction": jurisdiction, "role": role,
                             "kids": [k["kid"] for k in keys["keys"]]})
            session.flush()
            return self._load(session, row)

    def authorize(self, entity_id: str, *, action: str = "issue", resource: str, assurance_level: int,
                  valid_from: datetime | str | None = None, valid_until: datetime | str | None = None,
                  actor: str = "governance") -> dict:
        """Grant ``entity_id`` the right to ``action`` ``resource`` up to ``assurance_level``.

        ``resource`` may be a type name (``VerifiedPerson``) or a ``vct``; it is stored as the
        ``vct``, the value a verifier reads from a credential. ``valid_until`` is exclusive.
        """
        with self._write() as session:
            return self._authorize(session, entity_id, action=action, resource=resource,
                                   assurance_level=assurance_level, valid_from=valid_from, valid_until=valid_until,
                                   actor=actor)

    def _authorize(self, session: Session, entity_id: str, *, action: str, resource: str, assurance_level: int,
                   valid_from: datetime | str | None, valid_until: datetime | str | None, actor: str) -> dict:
        entity_id = clean_text(entity_id, "entity_id")
        action = one_of(action, "action", ACTIONS)
        vct = vct_of(resource)
        loa = clean_loa(assurance_level)
        start, end = self._window(valid_from, valid_until)
        entity = session.get(Entity, entity_id)
        if entity is None:
            raise not_found(f"no entity {entity_id}")
        if entity.status == "revoked":
            raise conflict(f"{entity_id} was revoked and cannot be granted anything")
        if entity.role != ACTION_ROLES[action]:
            raise conflict(f"{entity_id} is registered as {entity.role}; {action!r} needs the "
                            f"{ACTION_ROLES[action]} role")
        row = Authorization(entity_id=entity_id, action=action, resource=vct, assurance_level=loa,
                            framework_id=self.authority_id, valid_from=start, valid_until=end, status="active",
                            created_at=db_time(self.clock.now()))
        session.add(row)
        session.flush()
        self._audit(session, actor, "authorization.granted", entity_id,
                    {"authorization_id": row.id, "action": action, "resource": vct, "assurance_level": loa,
                     "valid_from": iso_z(start), "valid_until": iso_z(end)})
        return auth_dict(row)

    def set_authorization_status(self, auth_id: int, status: str, *, effective_from: datetime | str | None = None,
                                 reason: str = "", retroactive: bool | None = None,
                                 actor: str = "governance") -> dict:
        """Suspend, reinstate or revoke one authorization, from ``effective_from`` (default now).

        Suspension and revocation need a reason. Revocation is final (409 after it) and, unless
        ``retroactive=False``, reaches back to what was issued before it; a suspension only
        covers what is issued from its effective date unless ``retroactive=True``.
        """
        auth_id = clean_row_id(auth_id)
        event = self._event_fields(status, effective_from, reason, retroactive)
        with self._write() as session:
            row = session.get(Authorization, auth_id)
            if row is None:
                raise not_found(f"no authorization {auth_id}")
            if row.status == "revoked":
                raise conflict(f"authorization {auth_id} was revoked; grant a new one instead")
            session.add(StatusEvent(entity_id=row.entity_id, authorization_id=auth_id, **event))
            row.status = event["status"]
            self._audit(session, actor, f"authorization.{_VERBS[event['status']]}", row.entity_id,
                        {"authorization_id": auth_id, **_event_details(event)})
            session.flush()
            events = session.exec(select(StatusEvent).where(StatusEvent.authorization_id == auth_id)
                                  .order_by(StatusEvent.id)).all()
            return auth_dict(row, events, self.clock.now())

    def set_entity_status(self, entity_id: str, status: str, *, effective_from: datetime | str | None = None,
                          reason: str = "", retroactive: bool | None = None, actor: str = "governance") -> dict:
        """Suspend, reinstate or revoke an entity (all its authorizations with it), as
        :meth:`set_authorization_status` does for one; revocation is final."""
        entity_id = clean_text(entity_id, "entity_id")
        event = self._event_fields(status, effective_from, reason, retroactive)
        with self._write() as session:
            row = session.get(Entity, entity_id)
            if row is None:
                raise not_found(f"no entity {entity_id}")
            if row.status == "revoked":
                raise conflict(f"{entity_id} was revoked; it must apply again under a new identifier")
            session.add(StatusEvent(entity_id=entity_id, authorization_id=None, **event))
            row.status, row.updated_at = event["status"], db_time(self.clock.now())
            self._audit(session, actor, f"entity.{_VERBS[event['status']]}", entity_id, _event_details(event))
            session.flush()
            return self._load(session, row)

    def add_key(self, entity_id: str, jwk: dict, *, actor: str = "governance") -> dict:
        """Register one more public key for an entity (the first half of a key rotation)."""
        entity_id = clean_text(entity_id, "entity_id")
        with self._write() as session:
            row = self._active_entity(session, entity_id)
            keys = validate_jwks({"keys": [*row.jwks.get("keys", []), jwk]})
            row.jwks, row.updated_at = keys, db_time(self.clock.now())
            self._audit(session, actor, "key.added", entity_id, {"kid": keys["keys"][-1]["kid"]})
            session.flush()
            return self._load(session, row)

    def key_event(self, entity_id: str, kid: str, event: str, *, effective_from: datetime | str | None = None,
                  reason: str = "", actor: str = "governance") -> dict:
        """Retire a key (it stops signing from ``effective_from``; what it signed before still
        verifies) or declare it compromised from a date (what it signed from then is rejected).

        The key stays registered either way: removing it would break credentials it signed
        legitimately. A compromise needs a reason; an entity cannot retire its last usable key.
        A compromise is recorded even then: refusing it would leave a stolen key trusted.
        """
        entity_id = clean_text(entity_id, "entity_id")
        kid = clean_text(kid, "kid", 256)
        event = one_of(event, "event", KEY_EVENTS)
        start = db_time(parse_time(effective_from, "effective_from") if effective_from is not None
                         else self.clock.now())
        reason = clean_reason(reason, required=event == "compromised")
        now = db_time(self.clock.now())
        with self._write() as session:
            row = self._active_entity(session, entity_id)
            kids = [k["kid"] for k in row.jwks.get("keys", [])]
            if kid not in kids:
                raise not_found(f"{entity_id} has no registered key {kid!r}")
            done = session.exec(select(KeyEvent).where(KeyEvent.entity_id == entity_id)).all()
            spent = {e.kid for e in done} | {kid}
            if event == "retired" and not set(kids) - spent:
                raise conflict(f"{entity_id} would have no usable key left; register its new key first")
            session.add(KeyEvent(entity_id=entity_id, kid=kid, event=event, effective_from=start, reason=reason,
                                 recorded_at=now))
            self._audit(session, actor, f"key.{event}", entity_id,
                        {"kid": kid, "effective_from": iso_z(start), "reason": reason})
            session.flush()
            return self._load(session, row)

    def recognize(self, recognized_authority_id: str, *, action: str = "issue", resource: str,
                  valid_from: datetime | str | None = None, valid_until: datetime | str | None = None,
                  actor: str = "governance") -> dict:
        """Record that we recognize another framework's authority for (action, resource).

        ``recognized_authority_id`` is that framework's TRQP authority URL: its
        ``/authorization`` and ``/entity`` endpoints live under it, as ours do.
        """
        other = clean_url(recognized_authority_id, "recognized_authority_id")
        action = one_of(action, "action", ACTIONS)
        vct = vct_of(resource)
        start, end = self._window(valid_from, valid_until)
        with self._write() as session:
            row = Recognition(authority_id=self.authority_id, recognized_authority_id=other, action=action,
                              resource=vct, valid_from=start, valid_until=end)
            session.add(row)
            session.flush()
            self._audit(session, actor, "recognition.granted", other,
                        {"recognition_id": row.id, "action": action, "resource": vct, "valid_from": iso_z(start),
                         "valid_until": iso_z(end)})
            return recognition_dict(row)

    # -- onboarding: apply, conformance, assessment, decision -------------------------
    def apply(self, body: object) -> dict:
        """An applicant's request for accreditation. Anyone may apply; the answer carries an
        ``applicant_token`` (shown once) with which the applicant follows its application and
        asks for conformance runs. It grants nothing else: only governance decides."""
        if not isinstance(body, dict):
            raise bad_request("the application must be a JSON object")
        entity_id = clean_url(body.get("entity_id"))
        name = clean_text(body.get("name"), "name", 200)
        jurisdiction = clean_text(body.get("jurisdiction"), "jurisdiction", 64)
        issuer = clean_url(body.get("credential_issuer", entity_id), "credential_issuer")
        if issuer != entity_id:
            # The entity id is the issuer identifier its credentials carry as iss, and the keys
            # accreditation registers are the ones published under it: a different URL would let
            # an applicant have its keys registered under somebody else's identifier.
            raise bad_request("credential_issuer must be the entity id itself: the identifier credentials carry as iss")
        contacts = body.get("contacts")
        if (not isinstance(contacts, list) or not contacts or len(contacts) > 10
                or not all(isinstance(c, str) and c.strip() and len(c) <= 320 for c in contacts)):
            raise bad_request("contacts must be a list of 1 to 10 e-mail addresses or names")
        requested = body.get("requested")
        if not isinstance(requested, list) or not requested or len(requested) > len(CREDENTIAL_TYPES):
            raise bad_request('requested must list the credential types asked for: [{"resource": "VerifiedPerson", '
                       '"assurance_level": 3}]')
        wanted = []
        for i, item in enumerate(requested):
            if not isinstance(item, dict):
                raise bad_request(f"requested[{i}] must be an object with resource and assurance_level")
            wanted.append({"resource": vct_of(item.get("resource")),
                           "assurance_level": clean_loa(item.get("assurance_level"), f"requested[{i}].assurance_level")})
        if len({w["resource"] for w in wanted}) != len(wanted):
            raise bad_request("requested names a credential type twice")
        token = secrets.token_urlsafe(32)
        now = db_time(self.clock.now())
        with self._write() as session:
            existing = session.get(Entity, entity_id)
            if existing is not None and existing.status == "revoked":
                raise conflict(f"{entity_id} was revoked; apply under a new identifier")
            open_ = session.exec(select(Application).where(Application.entity_id == entity_id,
                                                           Application.state.not_in(FINAL_STATES))).first()
            if open_ is not None:
                raise conflict(f"{entity_id} already has an open application ({open_.id})")
            row = Application(id=secrets.token_hex(8), entity_id=entity_id, name=name, jurisdiction=jurisdiction,
                              contacts=[c.strip() for c in contacts], requested=wanted, credential_issuer=issuer,
                              state="submitted", applicant_token_hash=hash_token(token), created_at=now,
                              updated_at=now)
            session.add(row)
            self._audit(session, f"applicant:{row.id}", "application.submitted", entity_id,
                        {"application_id": row.id, "requested": wanted, "credential_issuer": issuer})
            session.flush()
            return {**self._application_view(session, row), "applicant_token": token}

    def application_of(self, token: str) -> str | None:
        """The id of the application whose applicant token this is, or None."""
        digest = hash_token(token)
        with Session(self.engine) as session:
            row = session.exec(select(Application).where(Application.applicant_token_hash == digest)).first()
        return row.id if row is not None and secrets.compare_digest(row.applicant_token_hash, digest) else None

    def applicant_may_read(self, app_id: str, token: str | None) -> bool:
        """Whether ``token`` is the applicant token of application ``app_id``."""
        with Session(self.engine) as session:
            row = session.get(Application, clean_text(app_id, "application_id", 64))
            return (row is not None and token is not None
                    and secrets.compare_digest(row.applicant_token_hash, hash_token(token)))

    def record_conformance(self, app_id: str, report: dict, *, actor: str) -> dict:
        """Store a conformance report (see registry.conformance) and move the application on.

        The keys the applicant's ``jwt-vc-issuer`` metadata published are kept with the
        application: they are what accreditation registers, so a report that passed with keys
        that could not be registered is refused here, not at the decision.
        """
        passed, failed, jwks = _conformance_report(report)
        with self._write() as session:
            row = self._open_application(session, app_id)
            session.add(ConformanceRun(application_id=row.id, passed=passed, report=report,
                                       ran_at=db_time(self.clock.now())))
            row.state = "conformance_passed" if passed else "conformance_failed"
            row.jwks = jwks
            row.updated_at = db_time(self.clock.now())
            self._audit(session, actor, "conformance.recorded", row.entity_id,
                        {"application_id": row.id, "passed": passed, "failed_checks": failed})
            session.flush()
            return self._application_view(session, row)

    def assess(self, app_id: str, criterion: str, *, met: bool, evidence: str, actor: str = "assessor") -> dict:
        """An assessor marks one PCTF criterion met or not, with the evidence looked at."""
        if not isinstance(met, bool):
            raise bad_request("met must be true or false")
        evidence = clean_text(evidence, "evidence", 4000)
        with self._write() as session:
            row = self._open_application(session, app_id)
            ids = [c.id for c in criteria_for([r["resource"] for r in row.requested])]
            if criterion not in ids:
                raise bad_request(f"criterion must be one of {', '.join(ids)}")
            mark = session.exec(select(AssessmentMark).where(AssessmentMark.application_id == row.id,
                                                             AssessmentMark.criterion == criterion)).first()
            now = db_time(self.clock.now())
            if mark is None:
                session.add(AssessmentMark(application_id=row.id, criterion=criterion, met=met, evidence=evidence,
                                           assessed_at=now))
            else:
                mark.met, mark.evidence, mark.assessed_at = met, evidence, now
            row.updated_at = now
            self._audit(session, actor, "assessment.marked", row.entity_id,
                        {"application_id": row.id, "criterion": criterion, "met": met, "evidence": evidence})
            session.flush()
            return self._application_view(session, row)

    def decide(self, app_id: str, body: object, *, actor: str = "governance") -> dict:
        """The governance decision on an application: ``accredit`` or ``refuse``.

        Accreditation needs a passed conformance run and every criterion of the checklist
        assessed as met, and may grant no more than was asked for (types, level of assurance).
        It registers the entity with the keys conformance found and grants each type for the
        validity window. A refusal needs reasons. Either way the application is closed.
        """
        if not isinstance(body, dict):
            raise bad_request("the decision must be a JSON object")
        decision = one_of(body.get("decision"), "decision", ("accredit", "refuse"))
        with self._write() as session:
            row = self._open_application(session, app_id)
            if decision == "refuse":
                reasons = body.get("reasons")
                if (not isinstance(reasons, list) or not reasons
                        or not all(isinstance(r, str) and r.strip() for r in reasons)):
                    raise bad_request("a refusal must give its reasons: a non-empty list of sentences")
                row.decision = {"decision": "refuse", "reasons": [r.strip()[:2000] for r in reasons],
                                "decided_at": iso_z(db_time(self.clock.now()))}
                row.state = "refused"
                self._audit(session, actor, "application.refused", row.entity_id,
                            {"application_id": row.id, "reasons": row.decision["reasons"]})
                session.flush()
                return self._application_view(session, row)
            grants = self._grants(row, body)
            if row.state != "conformance_passed" or not row.jwks:
                raise conflict("accreditation needs a passed technical conformance run first")
            marks = {m.criterion: m for m in session.exec(
                select(AssessmentMark).where(AssessmentMark.application_id == row.id)).all()}
            checklist = criteria_for([r["resource"] for r in row.requested])
            missing = [c.id for c in checklist if c.id not in marks]
            unmet = [c.id for c in checklist if c.id in marks and not marks[c.id].met]
            if missing or unmet:
                raise conflict("the PCTF assessment is not complete: "
                                + "; ".join(filter(None, [missing and f"not assessed: {', '.join(missing)}",
                                                          unmet and f"not met: {', '.join(unmet)}"])))
            valid_from, valid_until = body.get("valid_from"), body.get("valid_until")
            entity = session.get(Entity, row.entity_id)
            keys = validate_jwks(row.jwks)
            now = db_time(self.clock.now())
            if entity is None:
                session.add(Entity(entity_id=row.entity_id, name=row.name, jurisdiction=row.jurisdiction,
                                   role="issuer", jwks=keys, status="active", created_at=now, updated_at=now))
                self._audit(session, actor, "entity.registered", row.entity_id,
                            {"name": row.name, "jurisdiction": row.jurisdiction, "role": "issuer",
                             "kids": [k["kid"] for k in keys["keys"]], "application_id": row.id})
            elif entity.role != "issuer":
                raise conflict(f"{row.entity_id} is registered as {entity.role}, not as an issuer")
            session.flush()
            granted = [self._authorize(session, row.entity_id, action="issue", resource=vct, assurance_level=loa,
                                       valid_from=valid_from, valid_until=valid_until, actor=actor)
                       for vct, loa in grants]
            row.decision = {"decision": "accredit", "decided_at": iso_z(now),
                            "authorizations": [a["id"] for a in granted]}
            row.state, row.updated_at = "accredited", now
            self._audit(session, actor, "application.accredited", row.entity_id,
                        {"application_id": row.id, "authorizations": [a["id"] for a in granted]})
            session.flush()
            return self._application_view(session, row)

    @staticmethod
    def _grants(row: Application, body: dict) -> list[tuple[str, int]]:
        """What an accreditation grants: the types named (default: all asked for) at the LoA
        given (default: as asked), never beyond what the applicant asked for."""
        asked = {r["resource"]: r["assurance_level"] for r in row.requested}
        types = body.get("types")
        if types is None:
            types = list(asked)
        if not isinstance(types, list) or not types:
            raise bad_request("types must be a non-empty list of credential types")
        loa = body.get("assurance_level")
        grants = []
        for t in types:
            vct = vct_of(t)
            if vct in (g[0] for g in grants):
                raise bad_request(f"types names {t} twice")
            if vct not in asked:
                raise conflict(f"the application did not ask to issue {t}")
            level = asked[vct] if loa is None else clean_loa(loa)
            if level > asked[vct]:
                raise conflict(f"the application asked for {t} up to LoA {asked[vct]}, not {level}")
            grants.append((vct, level))
        return grants

    # -- reads -------------------------------------------------------------------------
    def entity(self, entity_id: str) -> dict:
        entity_id = clean_text(entity_id, "entity_id")
        with Session(self.engine) as session:
            row = session.get(Entity, entity_id)
            if row is None:
                raise not_found(f"no entity {entity_id}")
            return self._load(session, row)

    def entities(self) -> list[dict]:
        """Every entity record, in entity id order (also the body of the trust-list snapshot)."""
        with Session(self.engine) as session:
            rows = session.exec(select(Entity).order_by(Entity.entity_id)).all()
            auths: dict[str, list[Authorization]] = {}
            for a in session.exec(select(Authorization).order_by(Authorization.id)).all():
                auths.setdefault(a.entity_id, []).append(a)
            events: dict[str, list[StatusEvent]] = {}
            for e in session.exec(select(StatusEvent).order_by(StatusEvent.id)).all():
                events.setdefault(e.entity_id, []).append(e)
            key_events: dict[str, list[KeyEvent]] = {}
            for k in session.exec(select(KeyEvent).order_by(KeyEvent.id)).all():
                key_events.setdefault(k.entity_id, []).append(k)
            now = self.clock.now()
            return [entity_record(r, auths.get(r.entity_id, []), events.get(r.entity_id, []),
                            key_events.get(r.entity_id, []), now) for r in rows]

    def recognitions(self) -> list[dict]:
        with Session(self.engine) as session:
            return [recognition_dict(r) for r in session.exec(select(Recognition).order_by(Recognition.id)).all()]

    def application(self, app_id: str) -> dict:
        with Session(self.engine) as session:
            row = session.get(Application, clean_text(app_id, "application_id", 64))
            if row is None:
                raise not_found(f"no application {app_id}")
            return self._application_view(session, row)

    def applications(self) -> list[dict]:
        with Session(self.engine) as session:
            rows = session.exec(select(Application).order_by(Application.created_at, Application.id)).all()
            return [{"application_id": r.id, "entity_id": r.entity_id, "name": r.name, "state": r.state,
                     "created_at": iso_z(r.created_at)} for r in rows]

    def criteria(self, resources: list[str] | None = None) -> list[dict]:
        """The assessment checklist for these types (all types when none are named)."""
        vcts = [vct_of(r) for r in resources] if resources else [t.vct for t in CREDENTIAL_TYPES.values()]
        return [{"id": c.id, "en": c.en, "fr": c.fr} for c in criteria_for(vcts)]

    def audit_log(self, *, after: int = 0, limit: int = 1000) -> list[dict]:
        if isinstance(after, bool) or not isinstance(after, int) or after < 0:
            raise bad_request("after must be a non-negative integer")
        limit = max(1, min(int(limit), 10_000))
        with Session(self.engine) as session:
            rows = session.exec(select(AuditEntry).where(AuditEntry.seq > after).order_by(AuditEntry.seq)
                                .limit(limit)).all()
            return [audit_dict(r) for r in rows]

    def verify_audit_log(self) -> dict:
        """Walk the whole chain: each entry's hash, its link to the previous one, no gaps."""
        prev, count = GENESIS, 0
        with Session(self.engine) as session:
            for row in session.exec(select(AuditEntry).order_by(AuditEntry.seq)):
                entry = audit_dict(row)
                count += 1
                problem = None
                broken_at = row.seq
                if row.seq != count:
                    problem, broken_at = f"entry {count} is missing (next is {row.seq})", count
                elif row.prev_hash != prev:
                    problem = f"entry {row.seq} does not link to the entry before it"
                elif audit_hash(entry) != row.hash:
                    problem = f"entry {row.seq} was altered after it was written"
                if problem:
                    return {"valid": False, "entries": count, "broken_at": broken_at, "problem": problem,
                            "head": None}
                prev = row.hash
        return {"valid": True, "entries": count, "broken_at": None, "problem": None, "head": prev}

    # -- TRQP --------------------------------------------------------------------------
    def authorization_query(self, body: dict) -> dict:
        """ToIP TRQP v2 ``POST /authorization``: may ``entity_id`` ``action`` ``resource``?

        Evaluated at ``context.time`` (default: now) by :func:`registry.rules.answer_authorization`,
        the same function a verifier runs over the signed snapshot. Beyond TRQP,
        ``context.assurance_level`` asks for a minimum LoA. An unknown entity is an answer
        (``unknown_entity``), not an error: the question was well formed.
        """
        q = self._query(body)
        try:
            vct = credential_type(q["echo"]["resource"]).vct
        except SandboxError:
            vct = None  # an unknown resource is a question with a plain answer: nobody may act on it
        record = None
        if q["echo"]["authority_id"] == self.authority_id:
            with Session(self.engine) as session:
                row = session.get(Entity, q["echo"]["entity_id"])
                record = None if row is None else self._load(session, row)
        return rules.answer_authorization(record, q["echo"], vct, q["at"], self.clock.now(), q["loa"],
                                          self.authority_id)

    def recognition_query(self, body: dict) -> dict:
        """ToIP TRQP v2 ``POST /recognition``: do we (``authority_id``) recognize ``entity_id``,
        another framework's authority, for ``action`` on ``resource``?"""
        q = self._query(body)
        try:
            resource = credential_type(q["echo"]["resource"]).vct
        except SandboxError:
            resource = q["echo"]["resource"]
        return rules.answer_recognition(self.recognitions(), q["echo"], resource, q["at"], self.clock.now(),
                                        self.authority_id)

    # -- the signed snapshot ---------------------------------------------------------------
    def signing_key(self) -> SigningKey:
        """The registry's own key (for trust lists), created and persisted on first use."""
        with Session(self.engine) as session:
            row = session.exec(select(RegistrySigningKey).order_by(RegistrySigningKey.created_at)).first()
            if row is not None:
                return SigningKey(private_jwk=row.private_jwk)
        key = generate_key()
        try:
            with self._write() as session:
                session.add(RegistrySigningKey(kid=key.kid, private_jwk=key.private_jwk,
                                               created_at=db_time(self.clock.now())))
        except SandboxError:  # another process created one first: use that one
            return self.signing_key()
        return key

    def jwks(self) -> dict:
        """The registry's public keys: what a verifier anchors its trust in snapshots to."""
        return {"keys": [self.signing_key().public_jwk]}

    def trust_list(self) -> str:
        """The whole registry as a signed snapshot (see :mod:`registry.trust_list`).

        Building it reads every record (about a second for 10,000 entities), so the signed
        snapshot is reused while nothing has changed, which the audit log's last sequence number
        tells (every write appends to it), for at most ``TRUST_LIST_REUSE_SECONDS``.
        """
        with Session(self.engine) as session:
            head = session.exec(select(func.max(AuditEntry.seq))).one()
        now = self.clock.now()
        cached = self._trust_list_cache
        if cached is not None and cached[0] == head and 0 <= now.timestamp() - cached[1] < TRUST_LIST_REUSE_SECONDS:
            return cached[2]
        token = sign_trust_list(self.signing_key(), authority_id=self.authority_id, entities=self.entities(),
                                recognitions=self.recognitions(), issued_at=now,
                                lifetime=timedelta(seconds=self.settings.trust_list_lifetime_seconds))
        self._trust_list_cache = (head, now.timestamp(), token)
        return token

    def metadata(self) -> dict:
        """What this registry answers for: TRQP metadata plus the PCTF levels of assurance."""
        base = self.authority_id
        return {
            "authority_id": self.authority_id,
            "name": "PCTF Sandbox Trust Registry",
            "framework": "PCTF",
            "actions": list(ACTIONS),
            "resources": [{"resource": t.vct, "type": t.name, "label": {"en": t.label_en, "fr": t.label_fr}}
                          for t in CREDENTIAL_TYPES.values()],
            "assurance_levels": list(LEVELS_OF_ASSURANCE),
            "endpoints": {
                "metadata": f"{base}/metadata",
                "authorization": f"{base}/authorization",
                "recognition": f"{base}/recognition",
                "entity": f"{base}/entity",
                "entities": f"{base}/entities",
                "applications": f"{base}/applications",
                "audit": f"{base}/audit",
                "trust_list": f"{base}/trust-list",
                "jwks": f"{base}/jwks",
            },
        }

    # -- helpers -------------------------------------------------------------------------
    @contextmanager
    def _write(self) -> Iterator[Session]:
        """One session, one transaction: committed when the block ends, rolled back on any error.

        A unique-key race (two first registrations of the same entity, two audit entries taking
        the same sequence number) becomes a 409, not a 500; the caller may simply retry.
        """
        with Session(self.engine) as session:
            try:
                yield session
                session.commit()
            except IntegrityError:
                session.rollback()
                raise conflict("a concurrent change conflicted with this one; retry") from None

    def _audit(self, session: Session, actor: str, action: str, subject: str, details: dict) -> None:
        """Append one entry to the audit log, in the transaction of the change it records."""
        last = session.exec(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).first()
        entry = {"seq": 1 if last is None else last.seq + 1, "at": iso_z(db_time(self.clock.now())),
                 "actor": actor, "action": action, "subject": subject, "details": details,
                 "prev_hash": GENESIS if last is None else last.hash}
        entry["hash"] = audit_hash(entry)
        session.add(AuditEntry(**{**entry, "at": parse_time(entry["at"], "at")}))
        session.flush()

    def _load(self, session: Session, row: Entity) -> dict:
        auths = session.exec(select(Authorization).where(Authorization.entity_id == row.entity_id)
                             .order_by(Authorization.id)).all()
        events = session.exec(select(StatusEvent).where(StatusEvent.entity_id == row.entity_id)
                              .order_by(StatusEvent.id)).all()
        key_events = session.exec(select(KeyEvent).where(KeyEvent.entity_id == row.entity_id)
                                  .order_by(KeyEvent.id)).all()
        return entity_record(row, list(auths), list(events), list(key_events), self.clock.now())

    @staticmethod
    def _active_entity(session: Session, entity_id: str) -> Entity:
        row = session.get(Entity, entity_id)
        if row is None:
            raise not_found(f"no entity {entity_id}")
        if row.status == "revoked":
            raise conflict(f"{entity_id} was revoked")
        return row

    @staticmethod
    def _open_application(session: Session, app_id: str) -> Application:
        row = session.get(Application, clean_text(app_id, "application_id", 64))
        if row is None:
            raise not_found(f"no application {app_id}")
        if row.state in FINAL_STATES:
            raise conflict(f"application {app_id} was already decided ({row.state})")
        return row

    def _application_view(self, session: Session, row: Application) -> dict:
        last = session.exec(select(ConformanceRun).where(ConformanceRun.application_id == row.id)
                            .order_by(ConformanceRun.id.desc()).limit(1)).first()
        marks = {m.criterion: m for m in session.exec(
            select(AssessmentMark).where(AssessmentMark.application_id == row.id)).all()}
        checklist = []
        for c in criteria_for([r["resource"] for r in row.requested]):
            mark = marks.get(c.id)
            checklist.append({"id": c.id, "en": c.en, "fr": c.fr, "met": None if mark is None else mark.met,
                              "evidence": None if mark is None else mark.evidence,
                              "assessed_at": None if mark is None else iso_z(mark.assessed_at)})
        return {"application_id": row.id, "entity_id": row.entity_id, "name": row.name,
                "jurisdiction": row.jurisdiction, "contacts": row.contacts, "requested": row.requested,
                "credential_issuer": row.credential_issuer, "state": row.state,
                "conformance": None if last is None else {**last.report, "passed": last.passed,
                                                          "ran_at": iso_z(last.ran_at)},
                "assessment": checklist, "decision": row.decision,
                "created_at": iso_z(row.created_at), "updated_at": iso_z(row.updated_at)}

    def _window(self, valid_from: object, valid_until: object) -> tuple[datetime, datetime | None]:
        start = db_time(parse_time(valid_from, "valid_from") if valid_from is not None else self.clock.now())
        end = db_time(parse_time(valid_until, "valid_until")) if valid_until is not None else None
        if end is not None and end <= start:
            raise bad_request("valid_until must be later than valid_from")
        return start, end

    def _event_fields(self, status: object, effective_from: object, reason: object, retroactive: object) -> dict:
        status = one_of(status, "status", STATUSES)
        if retroactive is not None and not isinstance(retroactive, bool):
            raise bad_request("retroactive must be true or false")
        now = db_time(self.clock.now())
        return {"status": status,
                "effective_from": db_time(parse_time(effective_from, "effective_from"))
                if effective_from is not None else now,
                "reason": clean_reason(reason, required=status != "active"),
                "retroactive": (status == "revoked") if retroactive is None else retroactive,
                "recorded_at": now}

    def _query(self, body: object) -> dict:
        """Validate a TRQP query body; the four identifiers are echoed in the answer as asked."""
        if not isinstance(body, dict):
            raise bad_request("the query must be a JSON object")
        echo = {k: clean_text(body.get(k), k) for k in ("entity_id", "authority_id", "action", "resource")}
        context = body.get("context")
        if context is None:
            context = {}
        if not isinstance(context, dict):
            raise bad_request("context must be a JSON object")
        at = parse_time(context["time"], "context.time") if context.get("time") is not None else self.clock.now()
        loa = (clean_loa(context["assurance_level"], "context.assurance_level")
               if context.get("assurance_level") is not None else None)
        return {"echo": echo, "at": at, "loa": loa}


_VERBS = {"active": "reinstated", "suspended": "suspended", "revoked": "revoked"}


def _event_details(event: dict) -> dict:
    return {"status": event["status"], "effective_from": iso_z(event["effective_from"]),
            "retroactive": event["retroactive"], "reason": event["reason"]}


def _conformance_report(report: object) -> tuple[bool, list[str], dict | None]:
    """Check a conformance report's shape: whether it passed, the ids of the checks that failed,
    and, for a pass, the keys it found (validated now, since accreditation registers them)."""
    if not isinstance(report, dict) or not isinstance(report.get("passed"), bool):
        raise bad_request("a conformance report must be an object with a boolean passed")
    checks = report.get("checks", [])
    if not isinstance(checks, list) or not all(isinstance(c, dict) and isinstance(c.get("id"), str) for c in checks):
        raise bad_request("a conformance report's checks must be a list of objects with an id")
    failed = [c["id"] for c in checks if c.get("passed") is not True]
    if not report["passed"]:
        return False, failed, None
    return True, failed, validate_jwks(report.get("jwks"))
