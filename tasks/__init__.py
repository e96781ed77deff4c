"""Prefect tasks: thin wrappers over the fairtrack core.

Tasks add names, logging through the run logger, retries where a step talks
to a server, and artifacts. They exchange small objects: a stored split is a
folder of Parquet files with a fingerprint, never a pickled DataFrame.
"""
