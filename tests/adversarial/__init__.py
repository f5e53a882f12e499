"""A catalogue of hostile presentations and requests, each with the reason code that must refuse it.

:mod:`tests.adversarial.corpus` lists the cases (name, description, expected reason, builder);
``tests/test_adversarial_corpus.py`` runs each as its own test, next to valid presentations that
must all be accepted.
"""
