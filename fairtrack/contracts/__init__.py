"""Data contracts: Great Expectations suites plus split checks, run before training.

:func:`fairtrack.contracts.check.run_contract` validates a system's data
against the generic contract built from its specification and against the
system's own suite file, then checks the split. The thresholds and their
reasons are in :mod:`fairtrack.contracts.rules`.
"""
