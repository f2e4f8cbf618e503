"""Bulk import of household registers: the template, reading and checking rows (no HTTP),
and applying the valid households through the household commands."""
