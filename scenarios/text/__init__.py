"""The command line's catalogues, one module per story or concern; :mod:`scenarios.i18n` joins them."""
