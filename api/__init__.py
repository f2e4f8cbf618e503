"""HTTP edge: FastAPI routers and schemas; no business rules live here."""
