"""Sukuma's write model: aggregates, their events and rules, and the application.

Pure Python on ``eventsourcing``: nothing here knows of HTTP, SQL views or schedulers.
"""
