"""Sukuma's write model: aggregates, their events and rules, and the application.

Pure Python on ``eventsourcing``: nothing here knows of HTTP, SQL views or schedulers.
"""

#: The application's name: its events' table (``sukuma_events``) and its views' tracking rows
#: carry it. Here, where importing it costs nothing: a projector reads the log by this name
#: without importing the application (most of its start-up).
LOG_NAME = "sukuma"
