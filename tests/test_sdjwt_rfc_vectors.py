"""Known-answer tests from RFC 9901 (Selective Disclosure for JSON Web Tokens).

Source of every vector below: the examples of RFC 9901, sections 4.2.1-4.2.4 (disclosure
construction and hashing), 5.1 (issuance), 5.2 (presentation with Key Binding), 6.1-6.3 (flat,
structured and recursive disclosures), A.3 (SD-JWT VC example) and A.5 (the example issuer key).

The strings were transcribed from the OAuth working group's editor's copy of the draft that became
RFC 9901 (draft-ietf-oauth-selective-disclosure-jwt, May 2025, after -20; its section numbers are
the RFC's). The deterministic values (disclosures, digests, payloads, sd_hash) are the same ones the
drafts have carried since the examples were fixed. The ECDSA signatures are regenerated whenever the
examples are rebuilt, so the signature characters in the published RFC text may differ from the
ones here; that is why these tests check the signatures cryptographically against the A.5 key and
the example holder key in ``cnf`` rather than only comparing strings.
"""

from __future__ import annotations

import hashlib
import json

import pytest

from pctf.jose import Jws, b64u_decode, b64u_encode, generate_key
from pctf.reasons import Reason, SandboxError
from pctf.sdjwt import (
    ACCEPTED_TYPS,
    SdJwt,
    _digest,
    make_disclosure,
    resolve_disclosures,
    select_disclosures,
    verify_key_binding,
)


def joined(text: str) -> str:
    """The RFC wraps long base64url strings over several lines; rejoin them."""
    return "".join(text.split())


# RFC 9901 Appendix A.5: the public key that validates the Issuer signatures of the examples.
RFC_ISSUER_KEY = {
    "kty": "EC",
    "crv": "P-256",
    "x": "b28d4MwZMjw8-00CG4xfnn9SLMVMM19SlqZpVb_uNtQ",
    "y": "Xv5zWwuoaTgdS6hV43yI6gBwTnjukmFQQnJ_kCxzqk8",
}
# The holder key of the examples (the `cnf` claim of sections 5.1 and A.3).
RFC_HOLDER_KEY = {
    "kty": "EC",
    "crv": "P-256",
    "x": "TCAER19Zvu3OHF4j4W4vfSVoHIP1ILilDls7vCeGemc",
    "y": "ZxjiWWbZMQGHVWKVQ4hbSIirsVfuecCE6t4jT9F2HZQ",
}

# (disclosure, digest, decoded contents) -- RFC 9901 sections 4.2.1/4.2.3, 4.2.2/4.2.4.2, 5.1, 6.1, 6.2, 6.3.
DISCLOSURE_VECTORS = [
    # 4.2.1 and 4.2.3
    (
        "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0",
        "X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0",
        ["_26bc4LT-ac6q2KI6cBW5es", "family_name", "Möbius"],
    ),
    # 4.2.2 and 4.2.4.2 (array element)
    (
        "WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIkZSIl0",
        "w0I8EKcdCtUPkGCNUrfwVp2xEgNjtoIDlOxc9-PlOhs",
        ["lklxF5jMYlGTPUovMNIvCA", "FR"],
    ),
    # 5.1
    (
        "WyIyR0xDNDJzS1F2ZUNmR2ZyeU5STjl3IiwgImdpdmVuX25hbWUiLCAiSm9obiJd",
        "jsu9yVulwQQlhFlM_3JlzMaSFzglhQG0DpfayQwLUK4",
        ["2GLC42sKQveCfGfryNRN9w", "given_name", "John"],
    ),
    (
        "WyJlbHVWNU9nM2dTTklJOEVZbnN4QV9BIiwgImZhbWlseV9uYW1lIiwgIkRvZSJd",
        "TGf4oLbgwd5JQaHyKVQZU9UdGE0w5rtDsrZzfUaomLo",
        ["eluV5Og3gSNII8EYnsxA_A", "family_name", "Doe"],
    ),
    (
        "WyI2SWo3dE0tYTVpVlBHYm9TNXRtdlZBIiwgImVtYWlsIiwgImpvaG5kb2VAZXhhbXBsZS5jb20iXQ",
        "JzYjH4svliH0R3PyEMfeZu6Jt69u5qehZo7F7EPYlSE",
        ["6Ij7tM-a5iVPGboS5tmvVA", "email", "johndoe@example.com"],
    ),
    (
        "WyJlSThaV205UW5LUHBOUGVOZW5IZGhRIiwgInBob25lX251bWJlciIsICIrMS0yMDItNTU1LTAxMDEiXQ",
        "PorFbpKuVu6xymJagvkFsFXAbRoc2JGlAUA2BA4o7cI",
        ["eI8ZWm9QnKPpNPeNenHdhQ", "phone_number", "+1-202-555-0101"],
    ),
    (
        "WyJRZ19PNjR6cUF4ZTQxMmExMDhpcm9BIiwgInBob25lX251bWJlcl92ZXJpZmllZCIsIHRydWVd",
        "XQ_3kPKt1XyX7KANkqVR6yZ2Va5NrPIvPYbyMvRKBMM",
        ["Qg_O64zqAxe412a108iroA", "phone_number_verified", True],
    ),
    (
        joined("""WyJBSngtMDk1VlBycFR0TjRRTU9xUk9BIiwgImFkZHJlc3MiLCB7InN0cmVl
               dF9hZGRyZXNzIjogIjEyMyBNYWluIFN0IiwgImxvY2FsaXR5IjogIkFueXRv
               d24iLCAicmVnaW9uIjogIkFueXN0YXRlIiwgImNvdW50cnkiOiAiVVMifV0"""),
        "XzFrzwscM6Gn6CJDc6vVK8BkMnfG8vOSKfpPIZdAfdE",
        [
            "AJx-095VPrpTtN4QMOqROA",
            "address",
            {"street_address": "123 Main St", "locality": "Anytown", "region": "Anystate", "country": "US"},
        ],
    ),
    (
        "WyJQYzMzSk0yTGNoY1VfbEhnZ3ZfdWZRIiwgImJpcnRoZGF0ZSIsICIxOTQwLTAxLTAxIl0",
        "gbOsI4Edq2x2Kw-w5wPEzakob9hV1cRD0ATN3oQL9JM",
        ["Pc33JM2LchcU_lHggv_ufQ", "birthdate", "1940-01-01"],
    ),
    (
        "WyJHMDJOU3JRZmpGWFE3SW8wOXN5YWpBIiwgInVwZGF0ZWRfYXQiLCAxNTcwMDAwMDAwXQ",
        "CrQe7S5kqBAHt-nMYXgc6bdt2SH5aTY1sU_M-PgkjPI",
        ["G02NSrQfjFXQ7Io09syajA", "updated_at", 1570000000],
    ),
    (
        "WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIlVTIl0",
        "pFndjkZ_VCzmyTa6UjlZo3dh-ko8aIKQc9DlGzhaVYo",
        ["lklxF5jMYlGTPUovMNIvCA", "US"],
    ),
    (
        "WyJuUHVvUW5rUkZxM0JJZUFtN0FuWEZBIiwgIkRFIl0",
        "7Cf6JkPudry3lcbwHgeZ8khAv1U1OSlerP0VkBJrWZ0",
        ["nPuoQnkRFq3BIeAm7AnXFA", "DE"],
    ),
    # 6.1
    (
        joined("""WyIyR0xDNDJzS1F2ZUNmR2ZyeU5STjl3IiwgImFkZHJlc3MiLCB7InN0cmVl
               dF9hZGRyZXNzIjogIlNjaHVsc3RyLiAxMiIsICJsb2NhbGl0eSI6ICJTY2h1
               bHBmb3J0YSIsICJyZWdpb24iOiAiU2FjaHNlbi1BbmhhbHQiLCAiY291bnRy
               eSI6ICJERSJ9XQ"""),
        "fOBUSQvo46yQO-wRwXBcGqvnbKIueISEL961_Sjd4do",
        [
            "2GLC42sKQveCfGfryNRN9w",
            "address",
            {"street_address": "Schulstr. 12", "locality": "Schulpforta", "region": "Sachsen-Anhalt", "country": "DE"},
        ],
    ),
]

# RFC 9901 sections 6.2 and 6.3: the address members, then the recursive address disclosure.
STREET = (
    "WyIyR0xDNDJzS1F2ZUNmR2ZyeU5STjl3IiwgInN0cmVldF9hZGRyZXNzIiwgIlNjaHVsc3RyLiAxMiJd",
    "9gjVuXtdFROCgRrtNcGUXmF65rdezi_6Er_j76kmYyM",
    ["2GLC42sKQveCfGfryNRN9w", "street_address", "Schulstr. 12"],
)
LOCALITY = (
    "WyJlbHVWNU9nM2dTTklJOEVZbnN4QV9BIiwgImxvY2FsaXR5IiwgIlNjaHVscGZvcnRhIl0",
    "6vh9bq-zS4GKM_7GpggVbYzzu6oOGXrmNVGPHP75Ud0",
    ["eluV5Og3gSNII8EYnsxA_A", "locality", "Schulpforta"],
)
REGION = (
    "WyI2SWo3dE0tYTVpVlBHYm9TNXRtdlZBIiwgInJlZ2lvbiIsICJTYWNoc2VuLUFuaGFsdCJd",
    "KURDPh4ZC19-3tiz-Df39V8eidy1oV3a3H1Da2N0g88",
    ["6Ij7tM-a5iVPGboS5tmvVA", "region", "Sachsen-Anhalt"],
)
COUNTRY = (
    "WyJlSThaV205UW5LUHBOUGVOZW5IZGhRIiwgImNvdW50cnkiLCAiREUiXQ",
    "WN9r9dCBJ8HTCsS2jKASxTjEyW5m5x65_Z_2ro2jfXM",
    ["eI8ZWm9QnKPpNPeNenHdhQ", "country", "DE"],
)
RECURSIVE_ADDRESS = (
    joined("""WyJRZ19PNjR6cUF4ZTQxMmExMDhpcm9BIiwgImFkZHJlc3MiLCB7Il9zZCI6
              IFsiNnZoOWJxLXpTNEdLTV83R3BnZ1ZiWXp6dTZvT0dYcm1OVkdQSFA3NVVk
              MCIsICI5Z2pWdVh0ZEZST0NnUnJ0TmNHVVhtRjY1cmRlemlfNkVyX2o3Nmtt
              WXlNIiwgIktVUkRQaDRaQzE5LTN0aXotRGYzOVY4ZWlkeTFvVjNhM0gxRGEy
              TjBnODgiLCAiV045cjlkQ0JKOEhUQ3NTMmpLQVN4VGpFeVc1bTV4NjVfWl8y
              cm8yamZYTSJdfV0"""),
    "HvrKX6fPV0v9K_yCVFBiLFHsMaxcD_114Em6VT8x1lg",
    [
        "Qg_O64zqAxe412a108iroA",
        "address",
        {
            "_sd": [
                "6vh9bq-zS4GKM_7GpggVbYzzu6oOGXrmNVGPHP75Ud0",
                "9gjVuXtdFROCgRrtNcGUXmF65rdezi_6Er_j76kmYyM",
                "KURDPh4ZC19-3tiz-Df39V8eidy1oV3a3H1Da2N0g88",
                "WN9r9dCBJ8HTCsS2jKASxTjEyW5m5x65_Z_2ro2jfXM",
            ]
        },
    ],
)
ALL_VECTORS = DISCLOSURE_VECTORS + [STREET, LOCALITY, REGION, COUNTRY, RECURSIVE_ADDRESS]

# RFC 9901 section 5.1: the Issuer-signed JWT (typ example+sd-jwt).
RFC_5_1_ISSUER_JWT = joined("""
eyJhbGciOiAiRVMyNTYiLCAidHlwIjogImV4YW1wbGUrc2Qtand0In0.eyJfc2QiOiBb
IkNyUWU3UzVrcUJBSHQtbk1ZWGdjNmJkdDJTSDVhVFkxc1VfTS1QZ2tqUEkiLCAiSnpZ
akg0c3ZsaUgwUjNQeUVNZmVadTZKdDY5dTVxZWhabzdGN0VQWWxTRSIsICJQb3JGYnBL
dVZ1Nnh5bUphZ3ZrRnNGWEFiUm9jMkpHbEFVQTJCQTRvN2NJIiwgIlRHZjRvTGJnd2Q1
SlFhSHlLVlFaVTlVZEdFMHc1cnREc3JaemZVYW9tTG8iLCAiWFFfM2tQS3QxWHlYN0tB
TmtxVlI2eVoyVmE1TnJQSXZQWWJ5TXZSS0JNTSIsICJYekZyendzY002R242Q0pEYzZ2
Vks4QmtNbmZHOHZPU0tmcFBJWmRBZmRFIiwgImdiT3NJNEVkcTJ4Mkt3LXc1d1BFemFr
b2I5aFYxY1JEMEFUTjNvUUw5Sk0iLCAianN1OXlWdWx3UVFsaEZsTV8zSmx6TWFTRnpn
bGhRRzBEcGZheVF3TFVLNCJdLCAiaXNzIjogImh0dHBzOi8vaXNzdWVyLmV4YW1wbGUu
Y29tIiwgImlhdCI6IDE2ODMwMDAwMDAsICJleHAiOiAxODgzMDAwMDAwLCAic3ViIjog
InVzZXJfNDIiLCAibmF0aW9uYWxpdGllcyI6IFt7Ii4uLiI6ICJwRm5kamtaX1ZDem15
VGE2VWpsWm8zZGgta284YUlLUWM5RGxHemhhVllvIn0sIHsiLi4uIjogIjdDZjZKa1B1
ZHJ5M2xjYndIZ2VaOGtoQXYxVTFPU2xlclAwVmtCSnJXWjAifV0sICJfc2RfYWxnIjog
InNoYS0yNTYiLCAiY25mIjogeyJqd2siOiB7Imt0eSI6ICJFQyIsICJjcnYiOiAiUC0y
NTYiLCAieCI6ICJUQ0FFUjE5WnZ1M09IRjRqNFc0dmZTVm9ISVAxSUxpbERsczd2Q2VH
ZW1jIiwgInkiOiAiWnhqaVdXYlpNUUdIVldLVlE0aGJTSWlyc1ZmdWVjQ0U2dDRqVDlG
MkhaUSJ9fX0.zjhXTlVnC9cFuDlL7JuR2TK7DCo0XtlMpbuNVNZJhWOkCPsRHn9oHNQk
I02D6YziRYsapgbA_tV4-0LmAfA53Q
""")
# Section 5.1 lists the Disclosures in this order when it shows the issued SD-JWT.
RFC_5_1_DISCLOSURES = [v[0] for v in DISCLOSURE_VECTORS[2:12]]
RFC_5_1_SD_JWT = RFC_5_1_ISSUER_JWT + "~" + "~".join(RFC_5_1_DISCLOSURES) + "~"

RFC_5_1_PAYLOAD_SD = [
    "CrQe7S5kqBAHt-nMYXgc6bdt2SH5aTY1sU_M-PgkjPI",
    "JzYjH4svliH0R3PyEMfeZu6Jt69u5qehZo7F7EPYlSE",
    "PorFbpKuVu6xymJagvkFsFXAbRoc2JGlAUA2BA4o7cI",
    "TGf4oLbgwd5JQaHyKVQZU9UdGE0w5rtDsrZzfUaomLo",
    "XQ_3kPKt1XyX7KANkqVR6yZ2Va5NrPIvPYbyMvRKBMM",
    "XzFrzwscM6Gn6CJDc6vVK8BkMnfG8vOSKfpPIZdAfdE",
    "gbOsI4Edq2x2Kw-w5wPEzakob9hV1cRD0ATN3oQL9JM",
    "jsu9yVulwQQlhFlM_3JlzMaSFzglhQG0DpfayQwLUK4",
]

# Section 5.1: the input JWT Claims Set, plus what the issuer added (iss, iat, exp, cnf).
RFC_5_1_CLAIMS = {
    "iss": "https://issuer.example.com",
    "iat": 1683000000,
    "exp": 1883000000,
    "sub": "user_42",
    "given_name": "John",
    "family_name": "Doe",
    "email": "johndoe@example.com",
    "phone_number": "+1-202-555-0101",
    "phone_number_verified": True,
    "address": {"street_address": "123 Main St", "locality": "Anytown", "region": "Anystate", "country": "US"},
    "birthdate": "1940-01-01",
    "updated_at": 1570000000,
    "nationalities": ["US", "DE"],
    "cnf": {"jwk": RFC_HOLDER_KEY},
}

# RFC 9901 section 5.2: the SD-JWT+KB (four Disclosures and the KB-JWT) after the Issuer-signed JWT.
RFC_5_2_PRESENTATION = RFC_5_1_ISSUER_JWT + joined("""
~WyJlbHVWNU9nM2dTTklJOEVZbnN4QV9BIiwgI
mZhbWlseV9uYW1lIiwgIkRvZSJd~WyJBSngtMDk1VlBycFR0TjRRTU9xUk9BIiwgImFk
ZHJlc3MiLCB7InN0cmVldF9hZGRyZXNzIjogIjEyMyBNYWluIFN0IiwgImxvY2FsaXR5
IjogIkFueXRvd24iLCAicmVnaW9uIjogIkFueXN0YXRlIiwgImNvdW50cnkiOiAiVVMi
fV0~WyIyR0xDNDJzS1F2ZUNmR2ZyeU5STjl3IiwgImdpdmVuX25hbWUiLCAiSm9obiJd
~WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIlVTIl0~eyJhbGciOiAiRVMyNTYiLCA
idHlwIjogImtiK2p3dCJ9.eyJub25jZSI6ICIxMjM0NTY3ODkwIiwgImF1ZCI6ICJodH
RwczovL3ZlcmlmaWVyLmV4YW1wbGUub3JnIiwgImlhdCI6IDE3NDgzNjE5NDEsICJzZF
9oYXNoIjogIjEtTGNmNkNpQm1QNzJKREZ1QkYwYnZhbFMtRnpJbFh5aUNrSlhwN3BKbW
MifQ.4OCivqequv7GMn45GWWEBceEwvByv9wY61HvxbOKY0pOxyto9-HG2coh1D3frjl
1AhF-vDnB1CD0SXL32P-toA
""")
RFC_5_2_KB_PAYLOAD = {
    "nonce": "1234567890",
    "aud": "https://verifier.example.org",
    "iat": 1748361941,
    "sd_hash": "1-Lcf6CiBmP72JDFuBF0bvalS-FzIlXyiCkJXp7pJmc",
}
RFC_5_2_PROCESSED = {
    "iss": "https://issuer.example.com",
    "iat": 1683000000,
    "exp": 1883000000,
    "sub": "user_42",
    "nationalities": ["US"],
    "cnf": {"jwk": RFC_HOLDER_KEY},
    "family_name": "Doe",
    "address": {"street_address": "123 Main St", "locality": "Anytown", "region": "Anystate", "country": "US"},
    "given_name": "John",
}

# RFC 9901 Appendix A.3: an SD-JWT VC (typ dc+sd-jwt) presented with Key Binding, disclosing only
# the nationality and the fact that the person is over 18.
RFC_A_3_PRESENTATION = joined("""
eyJhbGciOiAiRVMyNTYiLCAidHlwIjogImRjK3NkLWp3dCJ9.eyJfc2QiOiBbIjBIWm1
uU0lQejMzN2tTV2U3QzM0bC0tODhnekppLWVCSjJWel9ISndBVGciLCAiMUNybjAzV21
VZVJXcDR6d1B2dkNLWGw5WmFRcC1jZFFWX2dIZGFHU1dvdyIsICIycjAwOWR6dkh1VnJ
XclJYVDVrSk1tSG5xRUhIbldlME1MVlp3OFBBVEI4IiwgIjZaTklTRHN0NjJ5bWxyT0F
rYWRqZEQ1WnVsVDVBMjk5Sjc4U0xoTV9fT3MiLCAiNzhqZzc3LUdZQmVYOElRZm9FTFB
5TDBEWVBkbWZabzBKZ1ZpVjBfbEtDTSIsICI5MENUOEFhQlBibjVYOG5SWGtlc2p1MWk
wQnFoV3FaM3dxRDRqRi1xREdrIiwgIkkwMGZjRlVvRFhDdWNwNXl5MnVqcVBzc0RWR2F
XTmlVbGlOel9hd0QwZ2MiLCAiS2pBWGdBQTlONVdIRUR0UkloNHU1TW4xWnNXaXhoaFd
BaVgtQTRRaXdnQSIsICJMYWk2SVU2ZDdHUWFnWFI3QXZHVHJuWGdTbGQzejhFSWdfZnY
zZk9aMVdnIiwgIkxlemphYlJxaVpPWHpFWW1WWmY4Uk1pOXhBa2QzX00xTFo4VTdFNHM
zdTQiLCAiUlR6M3FUbUZOSGJwV3JyT01aUzQxRjQ3NGtGcVJ2M3ZJUHF0aDZQVWhsTSI
sICJXMTRYSGJVZmZ6dVc0SUZNanBTVGIxbWVsV3hVV2Y0Tl9vMmxka2tJcWM4IiwgIld
UcEk3UmNNM2d4WnJ1UnBYemV6U2JrYk9yOTNQVkZ2V3g4d29KM2oxY0UiLCAiX29oSlZ
JUUlCc1U0dXBkTlM0X3c0S2IxTUhxSjBMOXFMR3NoV3E2SlhRcyIsICJ5NTBjemMwSVN
DaHlfYnNiYTFkTW9VdUFPUTVBTW1PU2ZHb0VlODF2MUZVIl0sICJpc3MiOiAiaHR0cHM
6Ly9waWQtaXNzdWVyLmJ1bmQuZGUuZXhhbXBsZSIsICJpYXQiOiAxNjgzMDAwMDAwLCA
iZXhwIjogMTg4MzAwMDAwMCwgInZjdCI6ICJ1cm46ZXVkaTpwaWQ6ZGU6MSIsICJfc2R
fYWxnIjogInNoYS0yNTYiLCAiY25mIjogeyJqd2siOiB7Imt0eSI6ICJFQyIsICJjcnY
iOiAiUC0yNTYiLCAieCI6ICJUQ0FFUjE5WnZ1M09IRjRqNFc0dmZTVm9ISVAxSUxpbER
sczd2Q2VHZW1jIiwgInkiOiAiWnhqaVdXYlpNUUdIVldLVlE0aGJTSWlyc1ZmdWVjQ0U
2dDRqVDlGMkhaUSJ9fX0.3lRFu-0dmSwBu9fLylq_TrD9XDwwn8Hw4OZ4BGL5DudaGh9
HU-t0LArtzVuX0STuk8Zv-hwDcois1sIsMTVsMA~WyJlSzVvNXBIZmd1cFBwbHRqMXFo
QUp3IiwgImFnZV9lcXVhbF9vcl9vdmVyIiwgeyJfc2QiOiBbIjF0RWl5elBSWU9Lc2Y3
U3NZR01nUFpLc09UMWxRWlJ4SFhBMHI1X0J3a2siLCAiQ1ZLbmx5NVA5MHlKczNFd3R4
UWlPdFVjemFYQ1lOQTRJY3pSYW9ock1EZyIsICJhNDQtZzJHcjhfM0FtSncyWFo4a0kx
eTBRel96ZTlpT2NXMlczUkxwWEdnIiwgImdrdnkwRnV2QkJ2ajBoczJaTnd4Y3FPbGY4
bXUyLWtDRTctTmIyUXh1QlUiLCAiaHJZNEhubUY1YjVKd0M5ZVR6YUZDVWNlSVFBYUlk
aHJxVVhRTkNXYmZaSSIsICJ5NlNGclZGUnlxNTBJYlJKdmlUWnFxalFXejB0TGl1Q21N
ZU8wS3FhekdJIl19XQ~WyJPQktsVFZsdkxnLUFkd3FZR2JQOFpBIiwgIjE4IiwgdHJ1Z
V0~WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIm5hdGlvbmFsaXRpZXMiLCBbIkRFI
l1d~eyJhbGciOiAiRVMyNTYiLCAidHlwIjogImtiK2p3dCJ9.eyJub25jZSI6ICIxMjM
0NTY3ODkwIiwgImF1ZCI6ICJodHRwczovL3ZlcmlmaWVyLmV4YW1wbGUub3JnIiwgIml
hdCI6IDE3NDgzNjE5NDEsICJzZF9oYXNoIjogIkowLWJsOGhiSWcweHRzdzI3R3ZCdUV
WTElKbDNlSW55VEZWUVhORDR0dGMifQ.mspAqZzsXSuwyn90Jo-7CKzGwa98RL9_Vvrq
pCsXBl1i2qDDOCLlCB50XhJoSup5SF5ogYnOMheDpzoY0GZllA
""")
RFC_A_3_SD_HASH = "J0-bl8hbIg0xtsw27GvBuEVLIJl3eInyTFVQXND4ttc"
RFC_A_3_PROCESSED = {
    "iss": "https://pid-issuer.bund.de.example",
    "iat": 1683000000,
    "exp": 1883000000,
    "vct": "urn:eudi:pid:de:1",
    "cnf": {"jwk": RFC_HOLDER_KEY},
    "age_equal_or_over": {"18": True},
    "nationalities": ["DE"],
}
RFC_KB_TIME = 1748361941  # the iat of the examples' KB-JWTs


# ---------------------------------------------------------------------------------------------
# Disclosures and digests
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("disclosure,digest,contents", ALL_VECTORS, ids=lambda v: str(v)[:24])
def test_disclosure_digest_known_answer(disclosure, digest, contents):
    assert _digest(disclosure) == digest
    # the digest is over the ASCII of the base64url text itself (RFC 9901 4.2.3)
    assert b64u_encode(hashlib.sha256(disclosure.encode("ascii")).digest()) == digest
    assert json.loads(b64u_decode(disclosure).decode("utf-8")) == contents


@pytest.mark.parametrize("disclosure,digest,contents", ALL_VECTORS, ids=lambda v: str(v)[:24])
def test_make_disclosure_reproduces_the_rfc_serialization(disclosure, digest, contents):
    # The RFC's examples serialize with ", " between elements and raw UTF-8, as make_disclosure does.
    salt, *rest = contents
    name, value = (None, rest[0]) if len(rest) == 1 else rest
    assert make_disclosure(salt, name, value) == disclosure


def test_given_name_disclosure_of_section_5_1():
    d = make_disclosure("2GLC42sKQveCfGfryNRN9w", "given_name", "John")
    assert d == "WyIyR0xDNDJzS1F2ZUNmR2ZyeU5STjl3IiwgImdpdmVuX25hbWUiLCAiSm9obiJd"
    assert _digest(d) == "jsu9yVulwQQlhFlM_3JlzMaSFzglhQG0DpfayQwLUK4"


def test_array_element_disclosure_of_section_4_2_2():
    d = make_disclosure("lklxF5jMYlGTPUovMNIvCA", None, "FR")
    assert d == "WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIkZSIl0"
    assert _digest(d) == "w0I8EKcdCtUPkGCNUrfwVp2xEgNjtoIDlOxc9-PlOhs"
    # section 4.2.4.2: the digest sits in the array as {"...": digest}
    payload = {"nationalities": ["DE", {"...": "w0I8EKcdCtUPkGCNUrfwVp2xEgNjtoIDlOxc9-PlOhs"}, "US"]}
    assert resolve_disclosures(payload, [d])[0] == {"nationalities": ["DE", "FR", "US"]}
    assert resolve_disclosures(payload, [])[0] == {"nationalities": ["DE", "US"]}


def test_equivalent_encodings_of_section_4_2_1_have_their_own_digests():
    # Section 4.2.1: other valid encodings of ["_26bc4LT-ac6q2KI6cBW5es", "family_name", "Möbius"].
    variants = [
        joined("""WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNX
                  HUwMGY2Yml1cyJd"""),  # \u00f6 escape
        joined("""WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsImZhbWlseV9uYW1lIiwiTcO2Y
                  ml1cyJd"""),  # no white space
        joined("""WwoiXzI2YmM0TFQtYWM2cTJLSTZjQlc1ZXMiLAoiZmFtaWx5X25hbWUiLAoiT
                  cO2Yml1cyIKXQ"""),  # newlines
    ]
    original = DISCLOSURE_VECTORS[0][0]
    contents = ["_26bc4LT-ac6q2KI6cBW5es", "family_name", "Möbius"]
    digests = {_digest(v) for v in variants} | {_digest(original)}
    assert len(digests) == 4
    for v in variants:
        assert json.loads(b64u_decode(v)) == contents
        # only the encoding the issuer signed is accepted (section 4.2.1: the variation is immutable)
        payload = {"given_name": "Alice", "_sd": ["X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0"]}
        with pytest.raises(SandboxError) as info:
            resolve_disclosures(payload, [v])
        assert info.value.reason == Reason.DISCLOSURE_UNREFERENCED
    # section 4.2.4.1's example payload
    payload = {"given_name": "Alice", "_sd": ["X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0"]}
    assert resolve_disclosures(payload, [original])[0] == {"given_name": "Alice", "family_name": "Möbius"}


# ---------------------------------------------------------------------------------------------
# The issued SD-JWT of section 5.1 and its presentation in section 5.2
# ---------------------------------------------------------------------------------------------


def test_rfc_issued_sd_jwt_verifies_and_resolves():
    sd = SdJwt.parse(RFC_5_1_SD_JWT)
    assert sd.header == {"alg": "ES256", "typ": "example+sd-jwt"}
    assert sd.kb_jwt is None and len(sd.disclosures) == 10
    # the example's typ is not an SD-JWT VC media type: our VC check refuses it, a generic one accepts it
    with pytest.raises(SandboxError) as info:
        sd.jws.check_header(ACCEPTED_TYPS)
    assert info.value.reason == Reason.TYP_INVALID
    sd.jws.check_header(("example+sd-jwt",))
    sd.jws.verify(RFC_ISSUER_KEY)
    with pytest.raises(SandboxError) as info:
        sd.jws.verify(generate_key().public_jwk)
    assert info.value.reason == Reason.SIGNATURE_INVALID
    assert sd.payload["_sd"] == RFC_5_1_PAYLOAD_SD
    assert sd.payload["_sd_alg"] == "sha-256"
    resolved, placed = resolve_disclosures(sd.payload, sd.disclosures)
    assert resolved == RFC_5_1_CLAIMS
    assert len(placed) == 10
    assert sorted(p.path for p in placed if p.path[0] == "nationalities") == [
        ("nationalities", 0),
        ("nationalities", 1),
    ]


def test_rfc_presentation_with_key_binding():
    sd = SdJwt.parse(RFC_5_2_PRESENTATION)
    assert sd.issuer_jwt == RFC_5_1_ISSUER_JWT and len(sd.disclosures) == 4
    sd.jws.verify(RFC_ISSUER_KEY)
    kb = Jws.parse(sd.kb_jwt)
    assert kb.header == {"alg": "ES256", "typ": "kb+jwt"}
    assert kb.payload == RFC_5_2_KB_PAYLOAD
    # section 4.3.1: sd_hash over "<Issuer-signed JWT>~<Disclosure 1>~...~<Disclosure N>~"
    assert sd.sd_hash() == RFC_5_2_KB_PAYLOAD["sd_hash"]
    assert (
        b64u_encode(hashlib.sha256(RFC_5_2_PRESENTATION.rsplit("~", 1)[0].encode() + b"~").digest())
        == RFC_5_2_KB_PAYLOAD["sd_hash"]
    )
    resolved, _ = resolve_disclosures(sd.payload, sd.disclosures)
    assert resolved == RFC_5_2_PROCESSED
    claims = verify_key_binding(
        sd,
        resolved["cnf"]["jwk"],
        aud="https://verifier.example.org",
        nonce="1234567890",
        now=RFC_KB_TIME + 5,
        max_age=60,
        leeway=0,
    )
    assert claims == RFC_5_2_KB_PAYLOAD
    with pytest.raises(SandboxError) as info:
        verify_key_binding(
            sd,
            resolved["cnf"]["jwk"],
            aud="https://verifier.example.org",
            nonce="other",
            now=RFC_KB_TIME,
            max_age=60,
            leeway=0,
        )
    assert info.value.reason == Reason.NONCE_MISMATCH
    # dropping one of the four disclosures breaks the binding
    shorter = SdJwt(sd.issuer_jwt, sd.disclosures[:-1], sd.kb_jwt, sd.jws)
    with pytest.raises(SandboxError) as info:
        verify_key_binding(
            shorter,
            RFC_HOLDER_KEY,
            aud="https://verifier.example.org",
            nonce="1234567890",
            now=RFC_KB_TIME,
            max_age=60,
            leeway=0,
        )
    assert info.value.reason == Reason.SD_HASH_MISMATCH


def test_our_holder_selects_the_rfc_presentation_disclosures():
    issued = SdJwt.parse(RFC_5_1_SD_JWT)
    chosen = select_disclosures(issued, [("given_name",), ("family_name",), ("address",), ("nationalities", 0)])
    assert sorted(chosen) == sorted(SdJwt.parse(RFC_5_2_PRESENTATION).disclosures)


# ---------------------------------------------------------------------------------------------
# Sections 6.2 / 6.3 (structured and recursive) and Appendix A.3 (SD-JWT VC)
# ---------------------------------------------------------------------------------------------

SECTION_6_BASE = {
    "iss": "https://issuer.example.com",
    "iat": 1683000000,
    "exp": 1883000000,
    "sub": "6c5c0a49-b589-431d-bae7-219122a9ec2c",
}
SCHULPFORTA = {"street_address": "Schulstr. 12", "locality": "Schulpforta", "region": "Sachsen-Anhalt", "country": "DE"}


def test_structured_sd_jwt_of_section_6_2():
    payload = SECTION_6_BASE | {
        "address": {"_sd": [LOCALITY[1], STREET[1], REGION[1]], "country": "DE"},
        "_sd_alg": "sha-256",
    }
    resolved, _ = resolve_disclosures(payload, [STREET[0], LOCALITY[0], REGION[0]])
    assert resolved == SECTION_6_BASE | {"address": SCHULPFORTA}
    assert resolve_disclosures(payload, [REGION[0]])[0]["address"] == {"country": "DE", "region": "Sachsen-Anhalt"}


def test_recursive_disclosures_of_section_6_3():
    payload = SECTION_6_BASE | {"_sd": ["HvrKX6fPV0v9K_yCVFBiLFHsMaxcD_114Em6VT8x1lg"], "_sd_alg": "sha-256"}
    everything = [STREET[0], LOCALITY[0], REGION[0], COUNTRY[0], RECURSIVE_ADDRESS[0]]
    assert resolve_disclosures(payload, everything)[0] == SECTION_6_BASE | {"address": SCHULPFORTA}
    assert resolve_disclosures(payload, [RECURSIVE_ADDRESS[0]])[0] == SECTION_6_BASE | {"address": {}}
    only_locality = resolve_disclosures(payload, [RECURSIVE_ADDRESS[0], LOCALITY[0]])[0]
    assert only_locality["address"] == {"locality": "Schulpforta"}
    assert resolve_disclosures(payload, [])[0] == SECTION_6_BASE
    # section 4.2.6: a nested disclosure without the one that contains its digest cannot be placed
    with pytest.raises(SandboxError) as info:
        resolve_disclosures(payload, [LOCALITY[0]])
    assert info.value.reason == Reason.DISCLOSURE_UNREFERENCED


def test_sd_jwt_vc_example_of_appendix_a_3():
    sd = SdJwt.parse(RFC_A_3_PRESENTATION)
    assert sd.header == {"alg": "ES256", "typ": "dc+sd-jwt"}
    sd.jws.check_header(ACCEPTED_TYPS)
    sd.jws.verify(RFC_ISSUER_KEY)
    assert len(sd.disclosures) == 3
    resolved, placed = resolve_disclosures(sd.payload, sd.disclosures)
    assert resolved == RFC_A_3_PROCESSED
    assert {p.path for p in placed} == {("age_equal_or_over",), ("age_equal_or_over", "18"), ("nationalities",)}
    assert sd.sd_hash() == RFC_A_3_SD_HASH
    claims = verify_key_binding(
        sd,
        resolved["cnf"]["jwk"],
        aud="https://verifier.example.org",
        nonce="1234567890",
        now=RFC_KB_TIME,
        max_age=60,
        leeway=0,
    )
    assert claims["sd_hash"] == RFC_A_3_SD_HASH
    with pytest.raises(SandboxError) as info:
        verify_key_binding(
            sd,
            resolved["cnf"]["jwk"],
            aud="https://verifier.example.org",
            nonce="1234567890",
            now=RFC_KB_TIME + 61,
            max_age=60,
            leeway=0,
        )
    assert info.value.reason == Reason.KB_IAT_INVALID
