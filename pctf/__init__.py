"""The shared kernel of the PCTF sandbox.

The only place that knows the credential format (``sdjwt``), keys (``keys``), the vocabulary of
credential types (``vocab``), reason codes (``reasons``), settings, storage and the clock.
Issuers, wallet, verifier and registry import from here and never re-implement any of it.
"""
