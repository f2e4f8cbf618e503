"""Reference data: geography, departments and their service standards, SA ID numbers."""
