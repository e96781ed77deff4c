"""Prefect deployments of fairtrack's flows: schedules, parameters and the serve entry."""
