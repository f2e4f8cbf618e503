"""The duplicate-household matcher: blind keys for blocking, sealed cards, rapidfuzz scoring."""
