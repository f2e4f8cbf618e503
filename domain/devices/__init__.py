"""App tokens of field devices: ODK Collect's server URL carries one (ODK Central's app users)."""
