"""Exceptions raised by fairtrack.

Every exception derives from :class:`FairtrackError`, and each subclass also
derives from the built-in exception a caller would expect, so that
``except ValueError`` keeps working around fairtrack calls.
"""


class FairtrackError(Exception):
    """Root of every error that fairtrack raises on purpose."""


class SpecError(FairtrackError, ValueError):
    """A system specification is missing, malformed or inconsistent."""


class DataError(FairtrackError, ValueError):
    """The data cannot be read or does not match its specification."""


class ContractError(FairtrackError, ValueError):
    """The data breaks an expectation of its data contract that stops the run."""


class RegistryError(FairtrackError, RuntimeError):
    """The MLflow tracking store or model registry is unusable or inconsistent."""


class StatisticsError(FairtrackError, ValueError):
    """The inputs of a statistical test, interval or decision are invalid or inconsistent."""
