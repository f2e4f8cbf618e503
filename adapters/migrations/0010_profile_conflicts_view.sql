-- The conflicts view (projections.conflicts.view): contested profile fields, for conveners.
CREATE TABLE IF NOT EXISTS conflicts_tracking (
    application_name text, notification_id bigint, PRIMARY KEY (application_name)
) WITH (
    autovacuum_enabled = true,
    autovacuum_vacuum_threshold = 100000000,
    autovacuum_vacuum_scale_factor = 0.5,
    autovacuum_analyze_threshold = 1000,
    autovacuum_analyze_scale_factor = 0.01
);
CREATE TABLE IF NOT EXISTS conflicts_households (
    household_id uuid PRIMARY KEY,
    ward_id text NOT NULL,
    municipality text,
    district text
);
CREATE TABLE IF NOT EXISTS conflicts_conflicts (
    conflict_id uuid PRIMARY KEY,
    household_id uuid NOT NULL,
    ward_id text,
    municipality text,
    district text,
    department text,  -- always NULL: named as in the other views, for the shared scoping
    path text NOT NULL,
    candidates integer NOT NULL,
    status text NOT NULL,
    opened_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    resolved_at timestamptz,
    resolved_by text
);
CREATE INDEX IF NOT EXISTS conflicts_ward ON conflicts_conflicts (ward_id, conflict_id);
CREATE INDEX IF NOT EXISTS conflicts_muni ON conflicts_conflicts (municipality, conflict_id);
CREATE INDEX IF NOT EXISTS conflicts_dist ON conflicts_conflicts (district, conflict_id);

-- No conflict was recorded before this release: start the view where the nerve centre's is,
-- with its households' places, rather than replaying the whole log. One statement, so one
-- snapshot: the nerve centre commits its rows and its position together.
WITH placed AS (
    INSERT INTO conflicts_households (household_id, ward_id, municipality, district)
    SELECT household_id, ward_id, municipality, district FROM nerve_centre_households
    ON CONFLICT (household_id) DO NOTHING
)
INSERT INTO conflicts_tracking (application_name, notification_id)
SELECT application_name, notification_id FROM nerve_centre_tracking
ON CONFLICT (application_name) DO NOTHING;
