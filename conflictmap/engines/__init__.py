"""Engines: each executes a run's filters its own way (pandas in memory, Dask per partition)."""
