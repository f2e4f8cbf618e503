"""warrooms context."""
