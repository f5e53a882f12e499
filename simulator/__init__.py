"""The population simulator: how many business account openings could go online.

A scenario sets the population (residents and new businesses across the provinces and territories,
in proportion to Statistics Canada figures) and the levers (who issues what at which level of
assurance, who has a wallet, what the banks accept). Every simulated opening that goes online runs
the sandbox's real path in-process: proofing, issuance with real signatures, presentation with key
binding and the bank's full verification against the real registry and status lists. Those who go
to a branch are counted with the verifier's own reason codes.
"""
