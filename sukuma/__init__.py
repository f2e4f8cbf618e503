"""Sukuma's composition root: settings, the database, wiring and the ``sukuma`` command."""

__version__ = "0.1.0"
