"""Open data (issue 21): countable facts, their monthly releases with disclosure control."""
