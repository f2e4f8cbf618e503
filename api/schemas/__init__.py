"""Request and response shapes, named by intent and role."""
