"""Settings shared by fairtrack's tasks."""

import re

from prefect.cache_policies import NONE

# Tasks pass fitted models and small results in memory within one flow run;
# caching them would pickle models into Prefect's result storage for no gain.
IN_MEMORY = {"cache_policy": NONE, "persist_result": False}


def artifact_key(text: str) -> str:
    """Turn text into a Prefect artifact key (lowercase letters, digits and dashes)."""
    return re.sub(r"[^a-z0-9-]", "-", text.lower())


def retry_unless_rejected(task, task_run, state) -> bool:
    """Retry a failed task run unless fairtrack rejected the request on purpose."""
    from fairtrack.errors import FairtrackError

    try:
        state.result()
    except FairtrackError:
        return False
    except Exception:
        return True
    return False
