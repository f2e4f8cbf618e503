-- The field-capture view (projections.field_capture.view): kept submissions (the quarantine
-- list), stored attachments by household, and departures (what the sync feed tells a phone
-- to drop). It starts empty and replays the log: kept submissions are few, and every
-- departure must be found.
CREATE TABLE IF NOT EXISTS field_capture_tracking (
    application_name text, notification_id bigint, PRIMARY KEY (application_name)
) WITH (
    autovacuum_enabled = true,
    autovacuum_vacuum_threshold = 100000000,
    autovacuum_vacuum_scale_factor = 0.5,
    autovacuum_analyze_threshold = 1000,
    autovacuum_analyze_scale_factor = 0.01
);
CREATE TABLE IF NOT EXISTS field_capture_households (
    household_id uuid PRIMARY KEY,
    ward_id text NOT NULL,
    municipality text,
    district text
);
CREATE TABLE IF NOT EXISTS field_capture_referrals (
    referral_id uuid PRIMARY KEY,
    ward_id text NOT NULL,
    municipality text,
    district text,
    department text NOT NULL
);
CREATE TABLE IF NOT EXISTS field_capture_quarantine (
    quarantine_id uuid PRIMARY KEY,
    position bigint NOT NULL,  -- of the event that kept it: the list's order and cursor
    version integer NOT NULL,
    instance_id text NOT NULL,
    form_id text NOT NULL,
    submitted_by text NOT NULL,
    household_id text,
    wards text[] NOT NULL,
    field text NOT NULL,
    reason text NOT NULL,
    status text NOT NULL,
    quarantined_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS field_capture_quarantine_status
    ON field_capture_quarantine (status, position);
-- One row per ward whose conveners see the entry (scoped like the other views' rows).
CREATE TABLE IF NOT EXISTS field_capture_quarantine_places (
    quarantine_id uuid NOT NULL,
    ward_id text NOT NULL,
    municipality text,
    district text,
    department text,  -- always NULL: named as in the other views, for the shared scoping
    PRIMARY KEY (quarantine_id, ward_id)
);
CREATE INDEX IF NOT EXISTS field_capture_qp_ward ON field_capture_quarantine_places (ward_id);
CREATE INDEX IF NOT EXISTS field_capture_qp_muni ON field_capture_quarantine_places (municipality);
CREATE INDEX IF NOT EXISTS field_capture_qp_dist ON field_capture_quarantine_places (district);
CREATE TABLE IF NOT EXISTS field_capture_attachments (
    attachments_id uuid PRIMARY KEY,
    household_id uuid NOT NULL,
    instance_id text NOT NULL,
    names text[] NOT NULL,
    stored_at timestamptz NOT NULL,
    position bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS field_capture_attachments_household
    ON field_capture_attachments (household_id, position);
-- Where a household or referral was until it left (the place it left, scoped as its rows).
CREATE TABLE IF NOT EXISTS field_capture_departures (
    kind text NOT NULL,  -- household or referral
    id uuid NOT NULL,
    position bigint NOT NULL,
    ward_id text NOT NULL,
    municipality text,
    district text,
    department text,  -- a referral's (the one it left, when reassigned)
    reason text NOT NULL,  -- moved, reassigned or erased
    PRIMARY KEY (kind, id, position)
);
CREATE INDEX IF NOT EXISTS field_capture_departures_position
    ON field_capture_departures (position);
