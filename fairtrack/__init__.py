"""fairtrack: fairness interventions on classifiers as auditable pipelines.

The package contains the domain core (specifications, data loading, metrics,
statistics, causal analysis, interventions, registry and reports). It imports
without a Prefect server; the Prefect tasks and flows live in the top-level
``tasks`` and ``flows`` packages.
"""

from fairtrack.errors import ContractError, DataError, FairtrackError, RegistryError, SpecError
from fairtrack.spec import SystemSpec, load_spec

__all__ = [
    "ContractError",
    "DataError",
    "FairtrackError",
    "RegistryError",
    "SpecError",
    "SystemSpec",
    "load_spec",
]

__version__ = "0.1.0"
