"""The nerve-centre read models: cases, area dashboards, departments, field workers."""
