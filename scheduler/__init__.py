"""Scheduled early-warning rules: evaluate the views, raise/escalate/resolve alerts as events."""
