"""fieldworkers context."""
