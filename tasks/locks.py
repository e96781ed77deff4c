"""A per-system lock around registry writes, held through Prefect's concurrency limits.

Concurrent runs of one system must not interleave their alias writes:
otherwise ``baseline`` could end up pointing at one run's version and
``candidate`` at another's. A global concurrency limit of 1 per system
serialises the writes across processes and machines that share the Prefect
server.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from prefect.client.orchestration import get_client
from prefect.concurrency.sync import concurrency

LOCK_TIMEOUT_SECONDS = 900


@contextmanager
def registry_lock(system: str) -> Iterator[None]:
    """Hold the registry lock of ``system`` for the duration of the block."""
    name = "fairtrack-registry-" + re.sub(r"[^A-Za-z0-9_-]", "-", system)
    with get_client(sync_client=True) as client:
        client.upsert_global_concurrency_limit_by_name(name=name, limit=1)
    with concurrency(name, occupy=1, timeout_seconds=LOCK_TIMEOUT_SECONDS, strict=True):
        yield
