"""The people and organizations of the sandbox's stories."""

from __future__ import annotations

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

# Every persona's wallet the stories open, by wallet id: the dashboard lists them.
WALLETS: dict[str, str] = {
    "sasha": "Sasha Tremblay",
    "gilles": "Gilles Tremblay",
    "maya": "Maya (Terr2)",
    "lucas": "Lucas (Terr2)",
    "nora": "Nora (Terr1)",
}
