-- The quarantine list read from the place rows of the caller's area (issue 16): each place
-- row carries its entry's log position and status, indexed by area, so a convener's page is
-- an index range of its own entries in position order (the join it replaces hashed every
-- kept submission once the list was a few thousand long).
ALTER TABLE field_capture_quarantine_places ADD COLUMN IF NOT EXISTS position bigint;
ALTER TABLE field_capture_quarantine_places ADD COLUMN IF NOT EXISTS status text;
UPDATE field_capture_quarantine_places p SET position = q.position, status = q.status
FROM field_capture_quarantine q
WHERE q.quarantine_id = p.quarantine_id AND p.position IS NULL;
DROP INDEX IF EXISTS field_capture_qp_ward;
DROP INDEX IF EXISTS field_capture_qp_muni;
DROP INDEX IF EXISTS field_capture_qp_dist;
CREATE INDEX IF NOT EXISTS field_capture_qp_ward_page
    ON field_capture_quarantine_places (ward_id, status, position);
CREATE INDEX IF NOT EXISTS field_capture_qp_muni_page
    ON field_capture_quarantine_places (municipality, status, position);
CREATE INDEX IF NOT EXISTS field_capture_qp_dist_page
    ON field_capture_quarantine_places (district, status, position);
CREATE INDEX IF NOT EXISTS field_capture_qp_page
    ON field_capture_quarantine_places (status, position);
