"""The issuers' status lists (draft-ietf-oauth-status-list): where each credential's entry is,
what the Status List Token says, and the one way a credential's status changes.

Each credential gets an index drawn at random in a list of 2**20 entries (256 KiB at 2 bits, a
few hundred bytes compressed while mostly valid), so neither its index nor its list says when
it was issued, and every holder hides among a million (section 12.1, herd privacy; 13.3, no
double allocation). A list takes no new index once half of it is allocated: a random draw then
finds a free index in two tries on average.

A list's bits are not stored: the token is computed, when served, from the statuses of the
issuances that hold an index in it.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from pctf import statuslist
from pctf.clock import Clock, as_utc
from pctf.reasons import Reason, SandboxError
from pctf.settings import Settings
from pctf.statuslist import CREDENTIAL_STATUSES
from pctf.storage import MAX_ROW_ID

from .jurisdictions import SANDBOX_ISSUERS, jurisdiction
from .keys import IssuerKeys
from .models import Issuance, StatusListRecord

STATUS_LIST_SIZE = 2**20
STATUS_LIST_BITS = 2  # VALID, INVALID (revoked) and SUSPENDED need two bits (section 7.1)
# How many random draws an issuance may take to find a free index before the issuer gives up (503).
ALLOCATION_ATTEMPTS = 64
# A Status List Token expires this long after its ttl, so a verifier whose refresh fails keeps a
# short grace period rather than none.
STATUS_LIST_EXP_MARGIN_SECONDS = 60
_MAX_REASON = 500


class StatusLists:
    """Allocation of status list entries, Status List Tokens, and status changes."""

    def __init__(self, db: Engine, settings: Settings, clock: Clock, keys: IssuerKeys) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.keys = keys
        self.size = STATUS_LIST_SIZE  # of each new list

    def uri(self, short_id: str, list_id: int) -> str:
        return f"{self.keys.issuer_url(short_id)}/status-lists/{list_id}"

    def parse_uri(self, uri: str) -> tuple[str, int] | None:
        """``(short_id, list_id)`` when ``uri`` is one of this sandbox's status lists, else None."""
        found = re.fullmatch(r"(.+)/status-lists/([0-9]{1,18})", uri) if isinstance(uri, str) else None
        short_id = self.settings.issuer_short_id(found.group(1)) if found is not None else None
        if found is None or short_id is None or short_id not in SANDBOX_ISSUERS:
            return None
        return short_id, int(found.group(2))

    # -- allocation ----------------------------------------------------------------------------
    def allocate(self, session: Session, short_id: str, issuance: Issuance) -> tuple[int, int] | None:
        """Give ``issuance`` a random index in the issuer's open list and add it, in the caller's
        transaction; returns its (list id, index). The issuance row claims them under a unique
        index: a draw that collides with an index already given out rolls the transaction back
        and returns None, for the caller to draw again in a new one."""
        status_list = self._open_list(session, short_id)
        assert status_list.id is not None  # flushed: the database gave it its id
        idx = secrets.randbelow(status_list.size)
        issuance.status_list_id, issuance.status_idx = status_list.id, idx
        session.add(issuance)
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            return None
        session.exec(
            update(StatusListRecord)
            .where(col(StatusListRecord.id) == status_list.id)
            .values(allocated=StatusListRecord.allocated + 1)
        )
        return status_list.id, idx

    def _open_list(self, session: Session, short_id: str) -> StatusListRecord:
        """The issuer's newest list with room (less than half allocated); a new one when none has."""
        record = session.exec(
            select(StatusListRecord)
            .where(StatusListRecord.issuer_id == short_id, StatusListRecord.allocated * 2 < StatusListRecord.size)
            .order_by(col(StatusListRecord.id).desc())
        ).first()
        if record is None:
            record = StatusListRecord(
                issuer_id=short_id, size=self.size, bits=STATUS_LIST_BITS, created_at=self.clock.now()
            )
            session.add(record)
            session.flush()
        return record

    # -- the Status List Token -------------------------------------------------------------------
    def token(self, short_id: str, list_id: int) -> str:
        """The current Status List Token of one list, signed by the issuer's signing key (section 5.1)."""
        jurisdiction(short_id)
        if isinstance(list_id, bool) or not isinstance(list_id, int) or not 1 <= list_id <= MAX_ROW_ID:
            raise SandboxError(Reason.NOT_FOUND, f"{short_id} has no status list {list_id!r}", status_code=404)
        with Session(self.db) as session:
            record = session.get(StatusListRecord, list_id)
            if record is None or record.issuer_id != short_id:
                raise SandboxError(Reason.NOT_FOUND, f"{short_id} has no status list {list_id}", status_code=404)
            entries = session.exec(
                select(Issuance.status_idx, Issuance.status).where(
                    Issuance.status_list_id == list_id, Issuance.status != "valid"
                )
            ).all()
        status_list = statuslist.StatusList(record.size, record.bits)
        for idx, status in entries:
            assert idx is not None  # a row on a list got its index with it (allocate)
            status_list.set(idx, statuslist.STATUS_VALUES[status])
        now = self.clock.timestamp()
        ttl = self.settings.status_list_ttl_seconds
        return statuslist.sign_token(
            status_list,
            self.keys.signing_key(short_id),
            uri=self.uri(short_id, list_id),
            iat=now,
            exp=now + ttl + STATUS_LIST_EXP_MARGIN_SECONDS,
            ttl=ttl,
            iss=self.keys.issuer_url(short_id),
        )

    # -- status changes --------------------------------------------------------------------------
    def change_status(
        self,
        session: Session,
        issuance_id: int,
        status: str,
        reason: str | None,
        *,
        only_if: str | None = None,
        unless: str | None = None,
    ) -> bool:
        """The one status write, in the caller's transaction, conditional on the current status
        (``only_if`` it is, or ``unless`` it is) so concurrent changes cannot overwrite each other.
        Returns whether the row changed. Staff changes, death notifications and replacements all
        write through here; the status list token is computed from these rows when served."""
        where = [col(Issuance.id) == issuance_id]
        if only_if is not None:
            where.append(col(Issuance.status) == only_if)
        if unless is not None:
            where.append(col(Issuance.status) != unless)
        done = session.exec(
            update(Issuance)
            .where(*where)
            .values(status=status, status_reason=reason, status_changed_at=self.clock.now())
        )
        return done.rowcount == 1

    def set_status(self, short_id: str, issuance_id: int, status: object, reason: object = None) -> dict[str, Any]:
        """Suspend, reinstate (``valid``) or revoke one credential. Revocation is final: any later
        change is a conflict. Verifiers see the change when their cached token's ttl runs out."""
        jurisdiction(short_id)
        if not isinstance(status, str) or status not in CREDENTIAL_STATUSES:
            raise SandboxError(Reason.BAD_REQUEST, f"status must be one of {', '.join(CREDENTIAL_STATUSES)}")
        if reason is not None and (not isinstance(reason, str) or len(reason) > _MAX_REASON):
            raise SandboxError(Reason.BAD_REQUEST, f"reason must be a string of at most {_MAX_REASON} characters")
        note = (reason or "").strip() or None
        if isinstance(issuance_id, bool) or not isinstance(issuance_id, int) or not 1 <= issuance_id <= MAX_ROW_ID:
            raise SandboxError(Reason.NOT_FOUND, f"{short_id} has no issuance {issuance_id!r}", status_code=404)
        with Session(self.db) as session:
            row = session.get(Issuance, issuance_id)
            if row is None or row.issuer_id != short_id:
                raise SandboxError(Reason.NOT_FOUND, f"{short_id} has no issuance {issuance_id}", status_code=404)
            if row.status == "revoked":
                raise SandboxError(
                    Reason.CONFLICT, f"issuance {issuance_id} is revoked; revocation is final", status_code=409
                )
            if row.status_list_id is None:
                raise SandboxError(
                    Reason.CONFLICT, f"issuance {issuance_id} was issued without a status list entry", status_code=409
                )
            if not self.change_status(session, issuance_id, status, note, unless="revoked"):
                session.rollback()  # revoked by someone else a moment ago
                raise SandboxError(
                    Reason.CONFLICT, f"issuance {issuance_id} is revoked; revocation is final", status_code=409
                )
            session.commit()
            session.refresh(row)
            return {**self.record(row), "status_reason": row.status_reason}

    def record(self, row: Issuance) -> dict[str, Any]:
        """An issuance as issuer staff see it: what it is, its status and its status list entry.
        The reason for its status is left out: it may be personal."""
        entry = None
        if row.status_list_id is not None:
            entry = {"idx": row.status_idx, "uri": self.uri(row.issuer_id, row.status_list_id)}
        return {
            "id": row.id,
            "vct": row.vct,
            "holder_kid": row.holder_kid,
            "assurance_level": row.assurance_level,
            "issued_at": as_utc(row.issued_at).isoformat(),
            "expires_at": as_utc(row.expires_at).isoformat(),
            "status": row.status,
            "status_changed_at": as_utc(row.status_changed_at).isoformat() if row.status_changed_at else None,
            "status_list": entry,
        }
