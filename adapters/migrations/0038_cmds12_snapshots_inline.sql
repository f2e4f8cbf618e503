-- A snapshot's sealed state stays in its row up to a page's worth (toast_tuple_target), not
-- moved to the TOAST table past PostgreSQL's default of about 2 KB: a household of 10-20
-- events, personal data or none, is sealed in about 2.8 KB, and a load read it through the
-- TOAST index and a second heap (more buffers, more CPU under many writers). Sealed bytes
-- never compress, so a state past a page goes out of line as it is (STORAGE EXTERNAL), not
-- after a compression attempt. Both apply to snapshots written from now on; the older ones
-- are replaced at their aggregate's next snapshot (every 10 events).
ALTER TABLE sukuma_snapshots SET (toast_tuple_target = 8160);
ALTER TABLE sukuma_snapshots ALTER COLUMN state SET STORAGE EXTERNAL;
