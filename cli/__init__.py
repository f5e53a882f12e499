"""The operator command line, ``pctf-sandbox``: run the services, the demos, the registry
and the credential tools from a terminal. It drives the sandbox from outside, as an operator
would; nothing in the services depends on it."""
