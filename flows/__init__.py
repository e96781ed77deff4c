"""Prefect flows: the tracks, rollback and monitoring. Flows only wire tasks."""
