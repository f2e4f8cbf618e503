"""Who may do what where: principals, roles and geographic/department scopes."""
