"""What each issuer publishes about itself at ``/.well-known/...``: its OpenID4VCI credential
issuer metadata, its authorization server metadata (RFC 8414) and its SD-JWT VC issuer metadata.

All three are derived from the jurisdiction's entry (:mod:`issuers.jurisdictions`), the
credential types' vocabulary and the issuer's keys; nothing here is stored.
"""

from __future__ import annotations

from typing import Any

from pctf import oid4vci
from pctf.jose import ALLOWED_ALGS
from pctf.sdjwt import TYP_SD_JWT_VC
from pctf.vocab import CredentialType, credential_type

from .authorization import self_service
from .jurisdictions import jurisdiction
from .keys import IssuerKeys


class IssuerMetadata:
    """The issuers' published metadata."""

    def __init__(self, keys: IssuerKeys) -> None:
        self.keys = keys

    def credential_issuer(self, short_id: str) -> dict[str, Any]:
        """Credential issuer metadata (OpenID4VCI 12.2): one configuration per credential type it issues."""
        issuer = jurisdiction(short_id)
        url = self.keys.issuer_url(short_id)
        configs = {}
        for type_name, _loa in issuer.grants:
            ctype = credential_type(type_name)
            configs[type_name] = {
                "format": TYP_SD_JWT_VC,
                "vct": ctype.vct,
                "scope": type_name,
                "cryptographic_binding_methods_supported": ["jwk"],
                "credential_signing_alg_values_supported": ["ES256"],
                "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": list(ALLOWED_ALGS)}},
                "credential_metadata": {
                    "display": [
                        {"name": ctype.label_en, "locale": "en-CA"},
                        {"name": ctype.label_fr, "locale": "fr-CA"},
                    ],
                    "claims": _claims_metadata(ctype),
                },
            }
        return {
            "credential_issuer": url,
            # Each issuer is its own authorization server (12.2.4), at its own identifier.
            "authorization_servers": [url],
            "credential_endpoint": f"{url}/credential",
            "nonce_endpoint": f"{url}/nonce",
            # Sandbox extensions (OpenID4VCI 12.2.4 allows more members): where a holder, proving
            # possession of a credential, asks for its renewal or for a re-issuance with changes.
            "renewal_endpoint": f"{url}/renewal",
            "reissuance_endpoint": f"{url}/reissuance",
            "display": [{"name": issuer.name_en, "locale": "en-CA"}, {"name": issuer.name_fr, "locale": "fr-CA"}],
            "credential_configurations_supported": configs,
        }

    def authorization_server(self, short_id: str) -> dict[str, Any]:
        """Each issuer is its own authorization server, with its endpoints under its identifier. An
        issuer a person may ask for a credential themselves (:func:`issuers.authorization.self_service`)
        also grants authorization codes, through pushed requests and its authorization endpoint."""
        url = self.keys.issuer_url(short_id)
        scopes = self_service(short_id).values()
        if not scopes:
            return oid4vci.authorization_server_metadata(url, f"{url}/token")
        return oid4vci.authorization_server_metadata(
            url,
            f"{url}/token",
            authorization_endpoint=f"{url}/authorize",
            par_endpoint=f"{url}/par",
            scopes=scopes,
        )

    def jwt_vc_issuer(self, short_id: str) -> dict[str, Any]:
        """SD-JWT VC issuer metadata (draft-ietf-oauth-sd-jwt-vc, 4): ``issuer`` equals ``iss``."""
        return {"issuer": self.keys.issuer_url(short_id), "jwks": self.keys.jwks(short_id)}


def _claims_metadata(ctype: CredentialType) -> list[dict[str, Any]]:
    """Each claim's path and bilingual label, then the paths of its fields (an address's parts)."""
    out: list[dict[str, Any]] = []
    for claim in ctype.claims:
        out.append(
            {
                "path": [claim.name],
                "display": [{"name": claim.label_en, "locale": "en-CA"}, {"name": claim.label_fr, "locale": "fr-CA"}],
            }
        )
        out.extend({"path": [claim.name, f]} for f in claim.fields)
    return out
