-- The heat map as of a day reads each ward's latest snapshot up to the day: one probe a ward,
-- 166 for a district. Through the primary key alone each probe took three index pages and the
-- row's heap page (664 buffers against today's 48, 2.3x today's server time). The key now
-- carries the snapshot's two arrays (INCLUDE), so a probe is an index-only scan: no heap page.
-- Same key, same name (the projector's ON CONFLICT (ward_id, day) and a rebuild's shadow,
-- LIKE ... INCLUDING ALL, take it as before); the rows are untouched, the index is rebuilt
-- from them here: no rebuild of the projection.
DO $$
DECLARE
    pkey text;
BEGIN
    SELECT conname INTO pkey FROM pg_constraint
    WHERE conrelid = 'nerve_centre_ward_needs_snapshots'::regclass AND contype = 'p';
    EXECUTE format(
        'ALTER TABLE nerve_centre_ward_needs_snapshots DROP CONSTRAINT %1$I, '
        'ADD CONSTRAINT %1$I PRIMARY KEY (ward_id, day) INCLUDE (members, counts)',
        pkey
    );
END
$$;
