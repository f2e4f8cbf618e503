-- War rooms as they were (the imbizo report and the meeting pack ?as_of=): each room's row
-- keeps the recorded day of its latest change (recorded_on), and, when it changes on a later
-- recorded day than that, its earlier version is kept with its recorded day and the day it
-- was replaced (until), as the case rows' versions are (0011). A room as of D: the live row
-- if recorded by D, else its version recorded by D and replaced after it.
ALTER TABLE war_rooms_rooms ADD COLUMN IF NOT EXISTS recorded_on date;
CREATE TABLE IF NOT EXISTS war_rooms_rooms_versions (
    LIKE war_rooms_rooms, until date NOT NULL,
    PRIMARY KEY (war_room_id, until)
);
-- Rows projected before this release have no recorded day: the view starts again from the
-- start of the log (its projector rebuilds every room, with its versions, from the WarRoom
-- events alone: one row per ward, a few events a week each).
UPDATE war_rooms_tracking SET notification_id = 0 WHERE EXISTS (
    SELECT FROM war_rooms_rooms WHERE recorded_on IS NULL
);
DELETE FROM war_rooms_rooms WHERE recorded_on IS NULL;

-- Field workers' activity as it was (M11 and GET /v1/field-workers/activity ?as_of=): a
-- projection of its own (projections.field_activity), so its tracking starts at 0 and its
-- projector builds the logs from the whole event log. Each row keeps the day its event
-- occurred and the day it was recorded, for either basis.
CREATE TABLE IF NOT EXISTS field_activity_tracking (
    application_name text, notification_id bigint, PRIMARY KEY (application_name)
) WITH (
    autovacuum_enabled = true,
    autovacuum_vacuum_threshold = 100000000,
    autovacuum_vacuum_scale_factor = 0.5,
    autovacuum_analyze_threshold = 1000,
    autovacuum_analyze_scale_factor = 0.01
);
-- Each registration, ward assignment and deactivation of a field worker.
CREATE TABLE IF NOT EXISTS field_activity_workers (
    field_worker_id text, version int, change text NOT NULL, ward_id text,
    occurred_on date NOT NULL, recorded_on date NOT NULL,
    PRIMARY KEY (field_worker_id, version)
);
-- A field worker's latest submission (a profile or a visit) per occurred and recorded day.
CREATE TABLE IF NOT EXISTS field_activity_submissions (
    field_worker_id text, occurred_on date, recorded_on date, last_at timestamptz NOT NULL,
    PRIMARY KEY (field_worker_id, occurred_on, recorded_on)
);
-- Each household a field worker visited, per occurred and recorded day (read by worker and
-- the days of a month back).
CREATE TABLE IF NOT EXISTS field_activity_visits (
    field_worker_id text, household_id uuid, occurred_on date, recorded_on date,
    PRIMARY KEY (field_worker_id, occurred_on, household_id, recorded_on)
);
