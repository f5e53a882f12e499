"""The sandbox in a browser: home page and ecosystem map, the stories as step-throughs, the
personas' wallets, the registry explorer and the live event log, in English or French.

The dashboard is a client of the services like the stories and the command line are: it reaches
them over HTTP only, with the presenter's keyring for what a presenter drives. Its pages are
rendered on the server (Jinja2); its only scripts are its own small one and vendored htmx, so a
demo works with no internet access and no build step.
"""
