"""The authorization endpoint's page, in English and French: the person asking for a credential
through their own wallet proves who they are on it, the sandbox way (the fields and evidence
documents issuer staff send to ``POST /issuers/{issuer}/proofing``).

The page is rendered on the server from the template below (Jinja2, every value escaped) and
carries no script and no style of its own; its Content-Security-Policy lets the form post only
here, and the answer redirect only to the wallet that pushed the request. Its words live here,
beside it: the issuers service does not load the stories' or the dashboard's catalogues.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, StrictUndefined

from pctf.reasons import Reason, SandboxError
from pctf.vocab import ADDRESS_FIELDS, credential_type

from .proofing import FOUNDATIONAL, PHOTO_ID

LANGS = ("en", "fr")
PERSON_FIELDS = ("given_name", "family_name", "birthdate")
DOCUMENT_FIELDS = ("type", "number", "given_name", "family_name", "birthdate")
DOCUMENTS = 2  # evidence documents the form takes: a foundational one and a photo identity document
# A host the Content-Security-Policy may name as it is (no space, quote or semicolon can end the directive).
_CSP_SOURCE = re.compile(r"[a-z][a-z0-9+.-]*://[A-Za-z0-9.\-\[\]:]+|[a-z][a-z0-9+.-]*:")

WORDS: dict[str, dict[str, str]] = {
    "title": {"en": "Get your credential", "fr": "Obtenir votre justificatif"},
    "asks": {
        "en": "The application {client} asks this issuer for your credential: {credentials}.",
        "fr": "L'application {client} demande à cet émetteur votre justificatif : {credentials}.",
    },
    "sent_to": {
        "en": "Once you have proven who you are, it is sent to {destination}.",
        "fr": "Une fois votre identité prouvée, il est envoyé à {destination}.",
    },
    "lang_switch": {"en": "Français", "fr": "English"},
    "about_you": {"en": "About you", "fr": "Vos renseignements"},
    "given_name": {"en": "Given name", "fr": "Prénom"},
    "family_name": {"en": "Family name", "fr": "Nom de famille"},
    "birthdate": {"en": "Date of birth", "fr": "Date de naissance"},
    "address": {"en": "Address", "fr": "Adresse"},
    "street_address": {"en": "Street address", "fr": "Adresse municipale"},
    "locality": {"en": "City or town", "fr": "Ville"},
    "region": {"en": "Province or territory", "fr": "Province ou territoire"},
    "postal_code": {"en": "Postal code", "fr": "Code postal"},
    "country": {"en": "Country", "fr": "Pays"},
    "documents": {"en": "Your identity documents", "fr": "Vos pièces d'identité"},
    "documents_help": {
        "en": "A foundational document (such as a birth certificate) and a photo identity document "
        "together reach a higher level of assurance than either alone.",
        "fr": "Une pièce fondamentale (comme un acte de naissance) et une pièce d'identité avec photo "
        "atteignent ensemble un niveau d'assurance plus élevé que chacune seule.",
    },
    "document": {"en": "Document {n}", "fr": "Pièce {n}"},
    "type": {"en": "Kind of document", "fr": "Type de pièce"},
    "none": {"en": "(none)", "fr": "(aucune)"},
    "number": {"en": "Document number", "fr": "Numéro de la pièce"},
    "as_printed": {
        "en": "As printed on the document (leave blank to skip)",
        "fr": "Tel qu'inscrit sur la pièce (laisser vide pour passer)",
    },
    "biometric_match": {
        "en": "You were compared with its photo, and matched (photo identity documents only)",
        "fr": "Vous avez été comparé à sa photo, avec succès (pièces avec photo seulement)",
    },
    "submit": {"en": "Prove my identity and continue", "fr": "Prouver mon identité et continuer"},
    "refused": {"en": "Your identity could not be proven", "fr": "Votre identité n'a pas pu être prouvée"},
    "error_title": {"en": "This request cannot go on", "fr": "Cette demande ne peut pas continuer"},
    "error_back": {
        "en": "Go back to the application you came from and start again.",
        "fr": "Retournez à l'application d'où vous venez et recommencez.",
    },
    "doc.birth_certificate": {"en": "Birth certificate", "fr": "Acte de naissance"},
    "doc.citizenship_certificate": {"en": "Citizenship certificate", "fr": "Certificat de citoyenneté"},
    "doc.permanent_resident_card": {"en": "Permanent resident card", "fr": "Carte de résident permanent"},
    "doc.drivers_licence": {"en": "Driver's licence", "fr": "Permis de conduire"},
    "doc.services_card": {"en": "Services card", "fr": "Carte de services"},
    "doc.passport": {"en": "Passport", "fr": "Passeport"},
    # Why a person is refused, in their words; any other reason is shown by its code.
    "reason.evidence_insufficient": {
        "en": "The identity documents are not enough",
        "fr": "Les pièces d'identité ne suffisent pas",
    },
    "reason.evidence_mismatch": {
        "en": "A document does not match the person described",
        "fr": "Une pièce ne correspond pas à la personne décrite",
    },
    "reason.claims_invalid": {
        "en": "A field is missing or not valid",
        "fr": "Un champ manque ou n'est pas valide",
    },
    "reason.person_deceased": {
        "en": "Vital statistics has registered this person's death",
        "fr": "L'état civil a enregistré le décès de cette personne",
    },
    "reason.bad_request": {"en": "The form is not valid", "fr": "Le formulaire n'est pas valide"},
    "reason.invalid_request": {
        "en": "The authorization request is not valid",
        "fr": "La demande d'autorisation n'est pas valide",
    },
    "reason.invalid_request_uri": {
        "en": "The authorization request is unknown, expired or already used",
        "fr": "La demande d'autorisation est inconnue, expirée ou déjà utilisée",
    },
    "reason.issuer_id_unknown": {"en": "There is no such issuer", "fr": "Cet émetteur n'existe pas"},
    "reason.forbidden": {
        "en": "This form was sent from another site",
        "fr": "Ce formulaire a été envoyé depuis un autre site",
    },
    "reason.other": {"en": "The request was refused", "fr": "La demande a été refusée"},
}

TEMPLATE = """<!doctype html>
<html lang="{{ lang }}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="referrer" content="no-referrer">
  <title>{{ t("error_title") if error_only else t("title") }} · {{ issuer }}</title>
</head>
<body>
<header>
  <p><strong>{{ issuer }}</strong></p>
  {% if switch_url %}
  <p><a href="{{ switch_url }}" lang="{{ other }}" hreflang="{{ other }}">{{ t("lang_switch") }}</a></p>
  {% endif %}
</header>
<main>
{% if error_only %}
  <h1>{{ t("error_title") }}</h1>
  <p role="alert" id="reason" data-reason="{{ reason }}">{{ phrase }} (<code>{{ reason }}</code>)
    {%- if lang == "en" %}: {{ message }}{% endif %}</p>
  <p>{{ t("error_back") }}</p>
{% else %}
  <h1>{{ t("title") }}</h1>
  <p>{{ t("asks", client=client, credentials=credentials) }}</p>
  <p>{{ t("sent_to", destination=destination) }}</p>
  {% if reason %}
  <div role="alert" id="reason" data-reason="{{ reason }}">
    <h2>{{ t("refused") }}</h2>
    <p>{{ phrase }} (<code>{{ reason }}</code>){% if lang == "en" %}: {{ message }}{% endif %}</p>
  </div>
  {% endif %}
  <form method="post" action="{{ action }}">
    <input type="hidden" name="client_id" value="{{ client }}">
    <input type="hidden" name="request_uri" value="{{ request_uri }}">
    <input type="hidden" name="lang" value="{{ lang }}">
    <fieldset>
      <legend>{{ t("about_you") }}</legend>
      {% for field in person_fields %}
      <p><label>{{ t(field) }} <input name="{{ field }}" value="{{ values.get(field, "") }}" required
        {%- if field == "birthdate" %} type="date"{% endif %}></label></p>
      {% endfor %}
    </fieldset>
    <fieldset>
      <legend>{{ t("address") }}</legend>
      {% for field in address_fields %}
      {% set default = "CA" if field == "country" else "" %}
      <p><label>{{ t(field) }}
        <input name="address.{{ field }}" value="{{ values.get("address." ~ field, default) }}" required></label></p>
      {% endfor %}
    </fieldset>
    <h2>{{ t("documents") }}</h2>
    <p>{{ t("documents_help") }}</p>
    {% for n in documents %}
    {% set prefix = "evidence." ~ n ~ "." %}
    <fieldset>
      <legend>{{ t("document", n=n) }}</legend>
      <p><label>{{ t("type") }} <select name="{{ prefix }}type">
        <option value="">{{ t("none") }}</option>
        {% for kind in evidence_types %}
        <option value="{{ kind }}"{% if values.get(prefix ~ "type") == kind %} selected{% endif %}>
          {{- t("doc." ~ kind) }}</option>
        {% endfor %}
      </select></label></p>
      <p><label>{{ t("number") }}
        <input name="{{ prefix }}number" value="{{ values.get(prefix ~ "number", "") }}"></label></p>
      <p>{{ t("as_printed") }}</p>
      {% for field in person_fields %}
      <p><label>{{ t(field) }} <input name="{{ prefix }}{{ field }}" value="{{ values.get(prefix ~ field, "") }}"
        {%- if field == "birthdate" %} type="date"{% endif %}></label></p>
      {% endfor %}
      <p><label><input type="checkbox" name="{{ prefix }}biometric_match" value="yes"
        {%- if values.get(prefix ~ "biometric_match") %} checked{% endif %}> {{ t("biometric_match") }}</label></p>
    </fieldset>
    {% endfor %}
    <p><button type="submit">{{ t("submit") }}</button></p>
  </form>
{% endif %}
</main>
</body>
</html>
"""

_TEMPLATE = Environment(autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True).from_string(TEMPLATE)
# The page is the issuer's own: nothing loads from elsewhere, nothing frames it, nothing runs.
_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}
# What the page may answer, as a page for a browser or as a reason code (before any page is
# rendered: a malformed query, a body too large, too many requests). Documented on its routes.
PAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {"schema": {"type": "string"}}}, "description": "The page"},
    **{
        status: {
            "content": {
                "text/html": {"schema": {"type": "string"}},
                "application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}},
            },
            "description": description,
        }
        for status, description in (
            (400, "The request, or the authorization request it names, is refused: the page says why"),
            (403, "A form posted from another site"),
            (404, "No such issuer"),
            (413, "The request body is larger than the service accepts"),
            (422, "The identity proofing is refused: the page, shown again, says why"),
            (429, "Too many failed attempts from this client: wait and retry"),
            (502, "The vital statistics register answered with something unusable"),
            (503, "The vital statistics register could not be reached"),
        )
    },
}


def lang_of(request: Request, form: Mapping[str, Any] | None = None) -> str:
    """The page's language: the form's or the query's ``lang``, else the browser's preference
    between English and French (Accept-Language), else English."""
    asked = (form or {}).get("lang") or request.query_params.get("lang")
    if asked in LANGS:
        return str(asked)
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";", 1)[0].strip().lower()[:2]
        if tag in LANGS:
            return tag
    return "en"


def check_same_origin(request: Request) -> None:
    """Refuse a form posted from another site (``forbidden``, 403): a browser names the page the
    form was on in ``Origin``, and the person's answer is taken only from the issuer's own page."""
    origin = request.headers.get("origin", "")
    if origin and origin != "null" and origin.split("://", 1)[-1] != request.headers.get("host", ""):
        raise SandboxError(Reason.FORBIDDEN, "this form was posted from another site", status_code=403)


def _t(lang: str) -> Any:
    def t(key: str, **values: object) -> str:
        text = WORDS[key][lang]
        return text.format(**values) if values else text

    return t


def _reason_phrase(reason: Reason, lang: str) -> str:
    return WORDS.get(f"reason.{reason.value}", WORDS["reason.other"])[lang]


def _page(lang: str, status: int, csp_form_action: str, **values: Any) -> HTMLResponse:
    other = "fr" if lang == "en" else "en"
    html = _TEMPLATE.render(lang=lang, other=other, t=_t(lang), **values)
    csp = f"default-src 'none'; form-action {csp_form_action}; frame-ancestors 'none'; base-uri 'none'"
    return HTMLResponse(html, status_code=status, headers={**_HEADERS, "Content-Security-Policy": csp})


def error_page(lang: str, error: SandboxError, issuer: str) -> HTMLResponse:
    """An authorization request that cannot go on (unknown, expired or used, not pushed, another
    client's): said on a page, never by a redirect, since no redirect URI it names can be trusted."""
    return _page(
        lang,
        error.status_code,
        "'none'",
        error_only=True,
        issuer=issuer,
        switch_url=None,
        reason=error.reason.value,
        phrase=_reason_phrase(error.reason, lang),
        message=error.message,
    )


def form_page(
    lang: str,
    *,
    issuer: str,
    action: str,
    client_id: str,
    request_uri: str,
    redirect_uri: str,
    configuration_ids: list[str],
    values: Mapping[str, str] | None = None,
    refusal: SandboxError | None = None,
) -> HTMLResponse:
    """The proofing form for one pushed request; with ``refusal``, shown again with what the person
    entered and why the proofing refused it."""
    destination = _destination(redirect_uri)
    labels = [getattr(credential_type(c), f"label_{lang}") for c in configuration_ids]
    other = "fr" if lang == "en" else "en"
    switch = f"{action}?" + urlencode({"client_id": client_id, "request_uri": request_uri, "lang": other})
    return _page(
        lang,
        refusal.status_code if refusal else 200,
        f"'self' {destination}" if _CSP_SOURCE.fullmatch(destination) else "'self'",
        error_only=False,
        issuer=issuer,
        switch_url=switch,
        client=client_id,
        credentials=", ".join(labels),
        destination=destination,
        action=action,
        request_uri=request_uri,
        values=dict(values or {}),
        person_fields=PERSON_FIELDS,
        address_fields=ADDRESS_FIELDS,
        documents=range(1, DOCUMENTS + 1),
        evidence_types=sorted(FOUNDATIONAL) + sorted(PHOTO_ID),
        reason=refusal.reason.value if refusal else None,
        phrase=_reason_phrase(refusal.reason, lang) if refusal else "",
        message=refusal.message if refusal else "",
    )


def _destination(redirect_uri: str) -> str:
    """Where the code goes, as the person is shown it and the policy allows it: the origin of a
    web redirect URI, or the scheme of an application's own."""
    parts = urlsplit(redirect_uri)
    if parts.scheme in ("http", "https"):
        return f"{parts.scheme}://{parts.netloc}"
    return f"{parts.scheme}:"


def application(form: Mapping[str, str]) -> dict[str, Any]:
    """The form as the identity proofing application issuer staff would send
    (:meth:`issuers.registration.Registration.proofed_person`): the person, their address, and the
    documents whose kind was chosen, each with what was printed on it (blank fields left out)."""
    found: dict[str, Any] = {f: form[f] for f in PERSON_FIELDS if form.get(f)}
    address = {f: form[f"address.{f}"] for f in ADDRESS_FIELDS if form.get(f"address.{f}")}
    if address:
        found["address"] = address
    evidence = []
    for n in range(1, DOCUMENTS + 1):
        prefix = f"evidence.{n}."
        if not form.get(prefix + "type"):
            continue
        document: dict[str, Any] = {f: form[prefix + f] for f in DOCUMENT_FIELDS if form.get(prefix + f)}
        if form.get(prefix + "biometric_match"):
            document["biometric_match"] = True
        evidence.append(document)
    found["evidence"] = evidence
    return found
