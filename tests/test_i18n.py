"""Both official languages, for every user-facing sentence."""

from __future__ import annotations

import re

from pctf.vocab import CREDENTIAL_TYPES
from scenarios.i18n import LANGS, MESSAGES, t


def test_every_message_exists_in_both_languages_with_the_same_placeholders():
    for key, entry in MESSAGES.items():
        assert set(entry) == set(LANGS), key
        # A name's grammatical forms (scenarios.i18n.named: {to_rp}, {from_holder}, {the_rp}) are
        # the same value: each language picks the form its sentence needs.
        placeholders = {
            lang: {re.sub(r"^(?:to|from|the)_", "", p) for p in re.findall(r"{(\w+)}", entry[lang])} for lang in LANGS
        }
        assert placeholders["en"] == placeholders["fr"], key
        assert entry["en"] != entry["fr"] or key.startswith("check.format"), key


def test_every_check_the_engine_and_policies_emit_has_a_label():
    import inspect

    import verifier.engine
    import verifier.policy

    source = inspect.getsource(verifier.engine) + inspect.getsource(verifier.policy)
    names = set(re.findall(r'(?:result\.step = |passed\(|Check\()"(\w+)"', source))
    names |= {"organization_active", "role_accepted"}  # rule labels declared as data
    assert names, "no check names found"
    for name in names:
        assert f"check.{name}" in MESSAGES, name


def test_credential_type_labels_are_bilingual():
    for ctype in CREDENTIAL_TYPES.values():
        assert ctype.label_en and ctype.label_fr and ctype.label_en != ctype.label_fr
        for claim in ctype.claims:
            assert claim.label_en and claim.label_fr, (ctype.name, claim.name)
    assert t("result.rejected", "fr", reasons="x") == "Demande refusée : x"


def test_french_says_justificatif_never_attestation():
    for key, entry in MESSAGES.items():
        assert not re.search(r"\battestations?\b", entry["fr"], re.IGNORECASE), key


def test_every_reason_code_has_a_description_in_both_languages():
    from pctf.reasons import Reason

    for reason in Reason:
        assert f"reason.{reason.value}" in MESSAGES, reason
    assert t("reason.issuer_suspended", "fr") == "L'émetteur est suspendu"


def test_names_take_their_article_in_french():
    from scenarios.i18n import named

    assert (
        named("x", "Bureau de l'état civil de la Province 1", "fr")["from_x"]
        == "du Bureau de l'état civil de la Province 1"
    )
    assert named("x", "Banque Aurores boréales", "fr")["to_x"] == "à la Banque Aurores boréales"
    assert named("x", "Banque Aurores boréales", "fr")["x"] == "La Banque Aurores boréales"
    assert (
        named("x", "Autorité sanitaire de la Province 1", "fr")["from_x"] == "de l'Autorité sanitaire de la Province 1"
    )
    assert named("x", "Service fédéral des prestations", "fr")["to_x"] == "au Service fédéral des prestations"
    assert named("x", "Prov1", "fr")["from_x"] == "de Prov1"
    assert named("x", "Federal Benefits Service", "en")["to_x"] == "to the Federal Benefits Service"
    assert named("x", "Northern Lights Bank", "en")["x"] == "Northern Lights Bank"
