"""The people and organizations of the sandbox's stories."""
from __future__ import annotations

SASHA = {
    "given_name": "Sasha",
    "family_name": "Tremblay",
    "birthdate": "1988-06-14",
    "address": {"street_address": "42 Birch Street", "locality": "Riverton", "region": "Prov1",
                "postal_code": "A1B 2C3", "country": "CA"},
}

SASHA_EVIDENCE = [
    {"type": "drivers_licence", "number": "T7341-88061-4", "given_name": "Sasha", "family_name": "Tremblay",
     "birthdate": "1988-06-14"},
    {"type": "birth_certificate", "number": "1988-PR1-004512", "given_name": "Sasha", "family_name": "Tremblay",
     "birthdate": "1988-06-14"},
]

SASHA_BUSINESS = {
    "legal_name": "Maple Leaf Designs Inc.",
    "registered_office": {"street_address": "7 Market Square", "locality": "Riverton", "region": "Prov1",
                          "postal_code": "A1B 4D5", "country": "CA"},
}
