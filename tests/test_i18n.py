"""Both official languages, for every user-facing sentence."""

from __future__ import annotations

import re

from pctf.vocab import CREDENTIAL_TYPES
from scenarios.i18n import LANGS, MESSAGES, t


def test_every_message_exists_in_both_languages_with_the_same_placeholders():
    for key, entry in MESSAGES.items():
        assert set(entry) == set(LANGS), key
        placeholders = {lang: set(re.findall(r"{(\w+)}", entry[lang])) for lang in LANGS}
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
