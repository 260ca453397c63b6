"""Ingest: decode -> normalise -> validate -> quarantine -> pseudonymise -> snapshot.

The only stage (with transfer/) that sees raw identifiers; nothing personal leaves it.
"""
