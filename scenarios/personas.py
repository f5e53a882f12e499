"""The people and organizations of the sandbox's stories."""

from __future__ import annotations

from typing import Any

SASHA = {
    "given_name": "Sasha",
    "family_name": "Tremblay",
    "birthdate": "1988-06-14",
    "address": {
        "street_address": "42 Birch Street",
        "locality": "Riverton",
        "region": "Prov1",
        "postal_code": "A1B 2C3",
        "country": "CA",
    },
}

SASHA_EVIDENCE = [
    {
        "type": "drivers_licence",
        "number": "T7341-88061-4",
        "given_name": "Sasha",
        "family_name": "Tremblay",
        "birthdate": "1988-06-14",
    },
    {
        "type": "birth_certificate",
        "number": "1988-PR1-004512",
        "given_name": "Sasha",
        "family_name": "Tremblay",
        "birthdate": "1988-06-14",
    },
]

SASHA_BUSINESS = {
    "legal_name": "Maple Leaf Designs Inc.",
    "registered_office": {
        "street_address": "7 Market Square",
        "locality": "Riverton",
        "region": "Prov1",
        "postal_code": "A1B 4D5",
        "country": "CA",
    },
}

# Two residents of Territory 2, for the onboarding story: one proofed while Terr2 is accredited,
# one after its suspension.
TERR2_RESIDENTS = [
    (
        {
            "given_name": "Maya",
            "family_name": "Okpik",
            "birthdate": "1992-02-03",
            "address": {
                "street_address": "3 Tundra Road",
                "locality": "Northport",
                "region": "Terr2",
                "postal_code": "X0A 1H0",
                "country": "CA",
            },
        },
        [
            {
                "type": "services_card",
                "number": "T2-55120-92",
                "given_name": "Maya",
                "family_name": "Okpik",
                "birthdate": "1992-02-03",
            },
            {
                "type": "birth_certificate",
                "number": "1992-TR2-000731",
                "given_name": "Maya",
                "family_name": "Okpik",
                "birthdate": "1992-02-03",
            },
        ],
    ),
    (
        {
            "given_name": "Lucas",
            "family_name": "Arnakaq",
            "birthdate": "1979-11-21",
            "address": {
                "street_address": "18 Aurora Lane",
                "locality": "Northport",
                "region": "Terr2",
                "postal_code": "X0A 1H0",
                "country": "CA",
            },
        },
        [
            {
                "type": "services_card",
                "number": "T2-88410-79",
                "given_name": "Lucas",
                "family_name": "Arnakaq",
                "birthdate": "1979-11-21",
            },
            {
                "type": "birth_certificate",
                "number": "1979-TR2-004118",
                "given_name": "Lucas",
                "family_name": "Arnakaq",
                "birthdate": "1979-11-21",
            },
        ],
    ),
]

# The test subject Territory 2 proofs to give the registry a test credential offer.
TERR2_TEST_SUBJECT = {
    "given_name": "Test",
    "family_name": "Subject",
    "birthdate": "2000-01-01",
    "address": {
        "street_address": "1 Test Street",
        "locality": "Northport",
        "region": "Terr2",
        "postal_code": "X0A 1H0",
        "country": "CA",
    },
    "evidence": [
        {
            "type": "birth_certificate",
            "number": "TEST-0001",
            "given_name": "Test",
            "family_name": "Subject",
            "birthdate": "2000-01-01",
        }
    ],
}

# A Territory 1 resident who uses her Territory 1 Verified Person at a Province 2 service.
TERR1_RESIDENT = (
    {
        "given_name": "Nora",
        "family_name": "Kusugak",
        "birthdate": "1985-09-30",
        "address": {
            "street_address": "9 Ridge Street",
            "locality": "Lakeside",
            "region": "Terr1",
            "postal_code": "X1A 2P4",
            "country": "CA",
        },
    },
    [
        {
            "type": "drivers_licence",
            "number": "T1-302-85-0930",
            "given_name": "Nora",
            "family_name": "Kusugak",
            "birthdate": "1985-09-30",
        },
        {
            "type": "birth_certificate",
            "number": "1985-TR1-002209",
            "given_name": "Nora",
            "family_name": "Kusugak",
            "birthdate": "1985-09-30",
        },
    ],
)

# Sasha's father, for the death notification story, with the evidence Prov1 proofs him from.
SASHA_FATHER = {
    "given_name": "Gilles",
    "family_name": "Tremblay",
    "birthdate": "1951-09-02",
    "address": {
        "street_address": "15 Elm Crescent",
        "locality": "Riverton",
        "region": "Prov1",
        "postal_code": "A1B 3K8",
        "country": "CA",
    },
}

SASHA_FATHER_EVIDENCE = [
    {
        "type": "services_card",
        "number": "P1-9021-5109",
        "given_name": "Gilles",
        "family_name": "Tremblay",
        "birthdate": "1951-09-02",
    },
    {
        "type": "birth_certificate",
        "number": "1951-PR1-001877",
        "given_name": "Gilles",
        "family_name": "Tremblay",
        "birthdate": "1951-09-02",
    },
]

# Sasha's birth certificate, which names her parents: the evidence for a parent–child relationship.
SASHA_BIRTH_CERTIFICATE = {
    "type": "birth_certificate",
    "number": "1988-PR1-004512",
    "given_name": "Sasha",
    "family_name": "Tremblay",
    "birthdate": "1988-06-14",
    "parents": [
        {"given_name": "Gilles", "family_name": "Tremblay", "birthdate": "1951-09-02"},
        {"given_name": "Louise", "family_name": "Gagnon", "birthdate": "1955-03-27"},
    ],
}

# Registered by vital statistics when Sasha's father dies.
SASHA_FATHER_DEATH = {"given_name": "Gilles", "family_name": "Tremblay", "birthdate": "1951-09-02"}

# A Province 1 secondary school student, for the immunization story, with the evidence Prov1
# proofs her from and two entries of the health authority's immunization register: her second
# measles dose in childhood, and last autumn's flu shot.
LEA = {
    "given_name": "Léa",
    "family_name": "Bouchard",
    "birthdate": "2009-04-17",
    "address": {
        "street_address": "27 Spruce Avenue",
        "locality": "Riverton",
        "region": "Prov1",
        "postal_code": "A1B 5G2",
        "country": "CA",
    },
}

LEA_EVIDENCE = [
    {
        "type": "services_card",
        "number": "P1-4417-2009",
        "given_name": "Léa",
        "family_name": "Bouchard",
        "birthdate": "2009-04-17",
    },
    {
        "type": "birth_certificate",
        "number": "2009-PR1-003318",
        "given_name": "Léa",
        "family_name": "Bouchard",
        "birthdate": "2009-04-17",
    },
]

LEA_MEASLES = {
    "given_name": "Léa",
    "family_name": "Bouchard",
    "birthdate": "2009-04-17",
    "target_disease": "measles",
    "vaccine": "M-M-R II (measles, mumps, rubella)",
    "vaccination_date": "2013-05-02",
    "dose_number": 2,
    "lot_number": "T019482",
    "administering_clinic": "Riverton Public Health Clinic",
}

LEA_INFLUENZA = {
    "given_name": "Léa",
    "family_name": "Bouchard",
    "birthdate": "2009-04-17",
    "target_disease": "influenza",
    "vaccine": "Flulaval Tetra",
    "vaccination_date": "2024-10-21",
    "dose_number": 1,
    "administering_clinic": "Riverton Community Pharmacy",
}

# Two Province 1 parents of a newborn, for the newborn story (register a birth once), with the
# evidence Prov1 proofs each from; their baby, whom vital statistics registers (the story dates
# the birth a few days before it runs); and someone the registration does not name as a parent.
NEWBORN_PARENT_1 = {
    "given_name": "Amira",
    "family_name": "Haddad",
    "birthdate": "1991-04-11",
    "address": {
        "street_address": "27 Willow Drive",
        "locality": "Riverton",
        "region": "Prov1",
        "postal_code": "A1B 5G2",
        "country": "CA",
    },
}

NEWBORN_PARENT_1_EVIDENCE = [
    {
        "type": "drivers_licence",
        "number": "H2104-91041-1",
        "given_name": "Amira",
        "family_name": "Haddad",
        "birthdate": "1991-04-11",
    },
    {
        "type": "birth_certificate",
        "number": "1991-PR1-002761",
        "given_name": "Amira",
        "family_name": "Haddad",
        "birthdate": "1991-04-11",
    },
]

NEWBORN_PARENT_2 = {
    "given_name": "Julien",
    "family_name": "Fortin",
    "birthdate": "1989-10-23",
    "address": NEWBORN_PARENT_1["address"],
}

NEWBORN_PARENT_2_EVIDENCE = [
    {
        "type": "services_card",
        "number": "P1-4410-8923",
        "given_name": "Julien",
        "family_name": "Fortin",
        "birthdate": "1989-10-23",
    },
    {
        "type": "birth_certificate",
        "number": "1989-PR1-006034",
        "given_name": "Julien",
        "family_name": "Fortin",
        "birthdate": "1989-10-23",
    },
]

NEWBORN_CHILD = {
    "given_name": "Noé",
    "family_name": "Fortin-Haddad",
    "place_of_birth": {"locality": "Riverton", "region": "Prov1", "country": "CA"},
}

# Not on the child's birth registration: vital statistics refuses him a parent–child relationship.
NOT_A_PARENT = {"given_name": "Marc", "family_name": "Gauthier", "birthdate": "1987-02-15"}

# A Province 2 resident, for the federal sign-in story, with the evidence Prov2 proofs her from
# (a photo document and a foundational one: LoA 3 evidence, which Prov2 issues at LoA 2 at most).
PROV2_RESIDENT = (
    {
        "given_name": "Priya",
        "family_name": "Sandhu",
        "birthdate": "1990-07-22",
        "address": {
            "street_address": "51 Harbour Road",
            "locality": "Westhaven",
            "region": "Prov2",
            "postal_code": "V2B 4K7",
            "country": "CA",
        },
    },
    [
        {
            "type": "drivers_licence",
            "number": "P2-7781-9022",
            "given_name": "Priya",
            "family_name": "Sandhu",
            "birthdate": "1990-07-22",
        },
        {
            "type": "birth_certificate",
            "number": "1990-PR2-005184",
            "given_name": "Priya",
            "family_name": "Sandhu",
            "birthdate": "1990-07-22",
        },
    ],
)

# Every persona's wallet the stories open, by wallet id: the dashboard lists them.
WALLETS: dict[str, str] = {
    "sasha": "Sasha Tremblay",
    "gilles": "Gilles Tremblay",
    "maya": "Maya (Terr2)",
    "lucas": "Lucas (Terr2)",
    "nora": "Nora (Terr1)",
    "priya": "Priya (Prov2)",
    "lea": "Léa Bouchard",
    "amira": "Amira Haddad",
    "julien": "Julien Fortin",
}


def sashas_father(birthdate: str | None = None) -> tuple[dict, list[dict], dict]:
    """Sasha's father (:data:`SASHA_FATHER`), his proofing evidence, and Sasha's birth certificate
    naming him, all with him born on ``birthdate`` (default: his own, 1951-09-02).

    A story told again and again against one long-running deployment meets a father of its own
    each time this way: the death an earlier run registered is another man's."""
    born = birthdate or SASHA_FATHER["birthdate"]
    person = {**SASHA_FATHER, "birthdate": born}
    evidence = [{**doc, "birthdate": born} for doc in SASHA_FATHER_EVIDENCE]
    certificate: dict[str, Any] = dict(SASHA_BIRTH_CERTIFICATE)
    certificate["parents"] = [
        {**p, "birthdate": born} if p["given_name"] == SASHA_FATHER["given_name"] else p for p in certificate["parents"]
    ]
    return person, evidence, certificate
