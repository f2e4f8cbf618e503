"""Versioned, pure rules over a household profile: flags, needs, risk and graduation."""
