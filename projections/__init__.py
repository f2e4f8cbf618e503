"""Read models: projections of the event log into PostgreSQL views (exactly once, resumable)."""
