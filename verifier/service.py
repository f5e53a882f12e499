"""A relying party over OpenID4VP: it asks (DCQL), receives by ``direct_post``, and decides.

Each request gets a fresh ``nonce`` and ``state``; the ``state`` is answered once. A second
response for the same request is refused as a replay and leaves the first verdict untouched.
With the verdict the relying party keeps its evidence (:mod:`verifier.evidence`): what each
credential was verified on, for its back end to show.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlmodel import Session

from pctf import oid4vp
from pctf.clock import Clock, as_utc
from pctf.reasons import Reason, SandboxError
from pctf.settings import Settings
from pctf.storage import add_missing_columns, engine_for

from .engine import VerificationEngine
from .evidence import Evidence
from .models import PresentationSession
from .relying_parties import relying_party

REQUEST_LIFETIME = timedelta(minutes=10)


class RelyingPartyService:
    def __init__(self, settings: Settings, clock: Clock, engine: VerificationEngine) -> None:
        self.settings = settings
        self.clock = clock
        self.engine = engine
        self.db = engine_for(settings, "verifier", [PresentationSession])
        add_missing_columns(self.db, [PresentationSession])  # a data directory from before evidence was kept

    def response_uri(self, rp_id: str) -> str:
        return f"{self.settings.service_url('verifier')}/verifier/{rp_id}/response"

    def client_id(self, rp_id: str) -> str:
        return oid4vp.client_id_for(self.response_uri(rp_id))

    def create_request(self, rp_id: str) -> dict:
        rp = relying_party(rp_id)
        now = self.clock.now()
        state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        query = rp.policy.dcql_query()
        with Session(self.db) as session:
            session.add(
                PresentationSession(
                    state=state,
                    rp_id=rp_id,
                    nonce=nonce,
                    client_id=self.client_id(rp_id),
                    response_uri=self.response_uri(rp_id),
                    dcql_query=query,
                    created_at=now,
                    expires_at=now + REQUEST_LIFETIME,
                )
            )
            session.commit()
        request, link = oid4vp.authorization_request(
            response_uri=self.response_uri(rp_id), nonce=nonce, state=state, dcql_query=query
        )
        return {
            "state": state,
            "request": request,
            "request_uri": link,
            "purpose": {"en": rp.policy.purpose_en, "fr": rp.policy.purpose_fr},
        }

    def receive(self, rp_id: str, form: dict) -> dict:
        """The ``direct_post`` response endpoint: verify, store the verdict, answer the wallet."""
        relying_party(rp_id)
        state = form.get("state")
        if not state:
            raise SandboxError(Reason.BAD_REQUEST, "state is required")
        with Session(self.db) as session:
            record = session.get(PresentationSession, state)
            if record is None or record.rp_id != rp_id:
                raise SandboxError(Reason.NOT_FOUND, "no presentation request with this state", status_code=404)
            if record.status != "pending":
                raise SandboxError(Reason.PRESENTATION_REPLAYED, "this request was already answered", status_code=400)
            if as_utc(record.expires_at) < self.clock.now():
                raise SandboxError(Reason.REQUEST_EXPIRED, "this presentation request has expired")
            if form.get("error"):
                record.status = "declined"
                record.verdict = {
                    "accepted": False,
                    "reasons": [Reason.CONSENT_REQUIRED.value],
                    "declined": form.get("error"),
                }
            else:
                vp_token = oid4vp.read_vp_token(form)
                evidence = Evidence()
                verdict = self.engine.verify_presentation(
                    relying_party(rp_id).policy,
                    vp_token,
                    aud=record.client_id,
                    nonce=record.nonce,
                    verifier=record.client_id,
                    evidence=evidence,
                ).as_dict()
                record.status = "accepted" if verdict["accepted"] else "rejected"
                record.verdict = verdict
                record.evidence = evidence.entries
            session.add(record)
            session.commit()
            status = record.status
        # No redirect_uri: the verdict and the disclosed claims are for this relying party's back
        # end, which reads them with its own token; the wallet learns only how its answer was taken.
        return {"status": status}

    def result(self, rp_id: str, state: str) -> dict:
        with Session(self.db) as session:
            record = session.get(PresentationSession, state)
            if record is None or record.rp_id != rp_id:
                raise SandboxError(Reason.NOT_FOUND, "no presentation request with this state", status_code=404)
            return {"state": state, "status": record.status, "verdict": record.verdict, "evidence": record.evidence}
