"""Adapters: the event store, data keys and shredding, the database, password hashing."""
