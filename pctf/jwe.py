"""JSON Web Encryption as OpenID4VP 1.0 encrypts a response (8.3): ECDH-ES key agreement on P-256,
AES-GCM content encryption, compact serialization. The wallet encrypts with it, the verifier
decrypts with it.

joserfc does the cryptography (key agreement, Concat KDF, AES-GCM); this module decides what is
accepted, before anything is decrypted, so that no header a sender chose widens it:

- ``alg`` is ``ECDH-ES`` (direct key agreement: no encrypted key, which must be empty), nothing
  else; ``enc`` is one of the values the recipient offered (``encrypted_response_enc_values_supported``)
  and of :data:`ENC_VALUES`; no ``zip`` (compression before encryption leaks the plaintext's
  length, and a decompression bomb costs the recipient) and no ``crit``;
- ``epk``, the sender's ephemeral public key, is a P-256 point like the recipient's (the point is
  checked to lie on the curve when it is loaded: an invalid-curve point would leak the private key);
- ``apu`` and ``apv`` are optional (8.3 leaves them to profiles): when present they are base64url
  and enter the key derivation (RFC 7518 4.6.2), and, being in the protected header, the AEAD tag;
- ``kid``, when present, names the recipient's key (8.3: the JWE carries the ``kid`` of the key it
  was encrypted to); another ``kid`` is a JWE for another key.

A JWE outside these rules is refused before any key is used (``encryption_alg_not_allowed``,
``crit_unsupported``, ``malformed_presentation``). One that keeps them and still does not decrypt
(another key, an ephemeral key off the curve, an altered header, ciphertext or tag) is one
reason, ``response_decryption_failed``: AES-GCM cannot tell a wrong key from an altered message,
and the sender learns nothing from the difference.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from joserfc import jwe
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from .jose import b64u_decode, b64u_encode, brief, canonical_json, json_loads, thumbprint
from .reasons import Reason, SandboxError

ALG = "ECDH-ES"
CURVE = "P-256"
# Content encryption the sandbox accepts, in its order of preference; A128GCM is the default a
# recipient that names none accepts (OpenID4VP 5.1, ``encrypted_response_enc_values_supported``).
ENC_VALUES = ("A128GCM", "A256GCM")
DEFAULT_ENC = "A128GCM"
# Header members a response JWE may carry; anything else (zip, crit, jku, x5u ...) is refused.
_HEADER_MEMBERS = frozenset({"alg", "enc", "kid", "epk", "apu", "apv", "typ", "cty"})
_EC_PUBLIC = ("kty", "crv", "x", "y")


@dataclass(frozen=True)
class EncryptionKey:
    """A recipient's private P-256 key for ECDH-ES, its ``kid`` the public key's thumbprint."""

    private_jwk: dict[str, Any]

    @property
    def kid(self) -> str:
        return str(self.private_jwk["kid"])

    @property
    def public_jwk(self) -> dict[str, Any]:
        """What a sender encrypts to (OpenID4VP 5.1 ``jwks``: ``use``, ``alg`` and a ``kid``)."""
        return {**{m: self.private_jwk[m] for m in _EC_PUBLIC}, "kid": self.kid, "use": "enc", "alg": ALG}


def generate_encryption_key() -> EncryptionKey:
    key = ECKey.generate_key(CURVE, private=True)
    jwk = {m: v for m, v in key.as_dict(private=True).items() if m in (*_EC_PUBLIC, "d")}
    return EncryptionKey({**jwk, "kid": thumbprint(jwk)})


def encryption_key(private_jwk: Any) -> EncryptionKey:
    """An :class:`EncryptionKey` from a kept private JWK (``ValueError`` when it is not one)."""
    if not isinstance(private_jwk, dict) or private_jwk.get("kty") != "EC" or private_jwk.get("crv") != CURVE:
        raise ValueError(f"a response encryption key is an EC {CURVE} private JWK")
    if not isinstance(private_jwk.get("d"), str) or private_jwk.get("kid") != thumbprint(private_jwk):
        raise ValueError("a response encryption key needs its private part and its thumbprint as kid")
    return EncryptionKey(dict(private_jwk))


def usable(jwk: Any) -> bool:
    """Whether a sender can encrypt to ``jwk`` here: an EC P-256 public key for ECDH-ES (8.3: ``alg``
    must be present and is the JWE's), not meant for another use than encryption."""
    return (
        isinstance(jwk, dict)
        and jwk.get("kty") == "EC"
        and jwk.get("crv") == CURVE
        and jwk.get("alg") == ALG
        and jwk.get("use", "enc") == "enc"
        and all(isinstance(jwk.get(m), str) for m in ("x", "y"))
        and "d" not in jwk
    )


def encrypt(
    payload: dict[str, Any],
    public_jwk: dict[str, Any],
    *,
    enc: str = DEFAULT_ENC,
    apu: bytes | None = None,
    apv: bytes | None = None,
) -> str:
    """``payload`` as a compact JWE to ``public_jwk`` (with its ``kid`` in the header, when it has one)."""
    if not usable(public_jwk):
        raise SandboxError(Reason.BAD_REQUEST, f"the recipient's key is not an EC {CURVE} key for {ALG}")
    if enc not in ENC_VALUES:
        raise SandboxError(Reason.ENCRYPTION_ALG_NOT_ALLOWED, f"content encryption {brief(enc)} is not supported")
    header: dict[str, Any] = {"alg": ALG, "enc": enc}
    if isinstance(public_jwk.get("kid"), str):
        header["kid"] = public_jwk["kid"]
    if apu is not None:
        header["apu"] = b64u_encode(apu)
    if apv is not None:
        header["apv"] = b64u_encode(apv)
    try:
        recipient = ECKey.import_key({m: public_jwk[m] for m in _EC_PUBLIC})
        return jwe.encrypt_compact(header, canonical_json(payload).encode(), recipient, registry=_registry(enc))
    except (JoseError, ValueError) as exc:
        raise SandboxError(Reason.BAD_REQUEST, f"the recipient's key cannot be encrypted to: {exc}") from None


def header(token: Any) -> dict[str, Any]:
    """The protected header of a compact JWE, parsed (``malformed_presentation`` when it is not one)."""
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) != 5:
        raise SandboxError(Reason.MALFORMED_PRESENTATION, "an encrypted response is a compact JWE of five parts")
    try:
        value = json_loads(b64u_decode(parts[0]))
    except (ValueError, RecursionError, SandboxError):
        value = None
    if not isinstance(value, dict):
        raise SandboxError(Reason.MALFORMED_PRESENTATION, "the JWE's protected header is not a base64url JSON object")
    return value


def decrypt(token: Any, key: EncryptionKey, *, enc_values: Collection[str] = (DEFAULT_ENC,)) -> dict[str, Any]:
    """The JSON object a compact JWE to ``key`` holds, after the checks in the module docstring;
    ``enc_values`` are the content encryptions the recipient offered."""
    hdr = header(token)
    parts = token.split(".")
    _check_header(hdr, enc_values)
    if parts[1]:
        raise SandboxError(Reason.MALFORMED_PRESENTATION, f"{ALG} is direct key agreement: the encrypted key is empty")
    if "kid" in hdr and hdr["kid"] != key.kid:
        raise SandboxError(
            Reason.RESPONSE_DECRYPTION_FAILED, f"the response is encrypted to another key ({brief(hdr['kid'])})"
        )
    try:
        recipient = ECKey.import_key({m: key.private_jwk[m] for m in (*_EC_PUBLIC, "d")})
        plaintext = jwe.decrypt_compact(token, recipient, registry=_registry(hdr["enc"])).plaintext
    except (JoseError, ValueError) as exc:
        raise SandboxError(
            Reason.RESPONSE_DECRYPTION_FAILED,
            f"the response cannot be decrypted with this key: another key, or altered ({type(exc).__name__})",
        ) from None
    try:
        payload = json_loads(plaintext or b"")
    except (ValueError, RecursionError, UnicodeDecodeError):
        payload = None
    if not isinstance(payload, dict):
        raise SandboxError(Reason.MALFORMED_PRESENTATION, "the decrypted response is not a JSON object")
    return payload


def _check_header(hdr: dict[str, Any], enc_values: Collection[str]) -> None:
    if hdr.get("alg") != ALG:
        raise SandboxError(
            Reason.ENCRYPTION_ALG_NOT_ALLOWED, f"key management {brief(hdr.get('alg'))} is not accepted (only {ALG})"
        )
    accepted = [e for e in enc_values if e in ENC_VALUES]
    if hdr.get("enc") not in accepted:
        raise SandboxError(
            Reason.ENCRYPTION_ALG_NOT_ALLOWED,
            f"content encryption {brief(hdr.get('enc'))} is not accepted (offered: {', '.join(accepted)})",
        )
    if "crit" in hdr:
        raise SandboxError(Reason.CRIT_UNSUPPORTED, "no critical JWE header extension is supported")
    if "zip" in hdr:
        raise SandboxError(Reason.ENCRYPTION_ALG_NOT_ALLOWED, "a compressed (zip) response is not accepted")
    unknown = sorted(set(hdr) - _HEADER_MEMBERS)
    if unknown:
        raise SandboxError(Reason.ENCRYPTION_ALG_NOT_ALLOWED, f"JWE header member {brief(unknown[0])} is not accepted")
    epk = hdr.get("epk")
    if not isinstance(epk, dict) or epk.get("kty") != "EC" or epk.get("crv") != CURVE or "d" in epk:
        raise SandboxError(
            Reason.RESPONSE_DECRYPTION_FAILED, f"the ephemeral key (epk) must be a public EC {CURVE} key"
        )
    for party in ("apu", "apv"):
        if party in hdr:
            try:
                b64u_decode(hdr[party])
            except (SandboxError, ValueError):
                raise SandboxError(Reason.MALFORMED_PRESENTATION, f"{party} is not base64url") from None
    if "kid" in hdr and not isinstance(hdr["kid"], str):
        raise SandboxError(Reason.MALFORMED_PRESENTATION, "the JWE's kid is not a string")


def _registry(enc: str) -> jwe.JWERegistry:
    """joserfc told to use exactly these two algorithms, whatever else it implements."""
    return jwe.JWERegistry(algorithms=[ALG, enc])
