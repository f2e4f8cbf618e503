"""households context."""
