-- An event's sealed state stays in its row up to a page's worth (toast_tuple_target), as a
-- snapshot's does (0038): a household's ProfileSubmitted is about 3.6 KB sealed, past
-- PostgreSQL's default of about 2 KB, so each was first run through pglz (sealed fields
-- barely compress: 3,592 bytes stored as 3,569 on average) and then moved out of line to
-- the TOAST table and its index: about 60% of PostgreSQL's CPU on an import's append (111
-- against 43 us a household, log_statement_stats), and a TOAST lookup on every load and
-- catch-up read of it. A state past a page goes out of line as it is (STORAGE EXTERNAL).
-- Both apply to events appended from now on.
ALTER TABLE sukuma_events SET (toast_tuple_target = 8160);
ALTER TABLE sukuma_events ALTER COLUMN state SET STORAGE EXTERNAL;
