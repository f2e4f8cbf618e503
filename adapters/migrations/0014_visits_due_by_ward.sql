-- A field worker's visits due (projections.early_warning.queries.visits_due): the active
-- EW-06 clocks of its wards, longest unvisited first. The (kind, since) index serves the
-- rule's province-wide sweep; this one reads a ward's clocks in order, without passing over
-- every other ward's.
CREATE INDEX IF NOT EXISTS early_warning_clocks_ward_since
    ON early_warning_clocks (kind, ward_id, since) WHERE active;
