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

-- Each role or scope a user lost (issue 16, offline sync): the log position and the user's
-- version before it, so the changes feed tells that user's phone to drop what it saw then
-- and sees no more. Losses recorded before this release are not in it (rebuild the
-- field_capture view to find them).
CREATE TABLE IF NOT EXISTS field_capture_access_losses (
    user_id uuid NOT NULL,
    position bigint NOT NULL,
    version integer NOT NULL,  -- the user's, just before the loss
    PRIMARY KEY (user_id, position)
);
