-- The caseloads view (projections.caseloads.view): each household's field worker (issue 20),
-- with what a caseload's lists, counts and visits due need. A new view: its projector builds
-- it from the start of the log (a household registered by a field worker is in its caseload).
CREATE TABLE IF NOT EXISTS caseloads_tracking (
    application_name text, notification_id bigint, PRIMARY KEY (application_name)
) WITH (
    autovacuum_enabled = true,
    autovacuum_vacuum_threshold = 100000000,
    autovacuum_vacuum_scale_factor = 0.5,
    autovacuum_analyze_threshold = 1000,
    autovacuum_analyze_scale_factor = 0.01
);
CREATE TABLE IF NOT EXISTS caseloads_households (
    household_id uuid PRIMARY KEY,
    ward_id text NOT NULL,
    municipality text,
    district text,
    field_worker_id text,  -- NULL: awaiting a convener's assignment (e.g. after a move)
    assigned_at timestamptz,
    status text NOT NULL,
    risk_level text,
    risk_at timestamptz,  -- of the current risk (an older profile's risk does not replace it)
    registered_at timestamptz NOT NULL,
    last_visit_at timestamptz
);
CREATE INDEX IF NOT EXISTS caseloads_worker
    ON caseloads_households (field_worker_id, household_id);
CREATE INDEX IF NOT EXISTS caseloads_unassigned
    ON caseloads_households (ward_id, household_id) WHERE field_worker_id IS NULL;
-- Field workers' wards: who may see a field worker's caseload (as the field worker itself).
CREATE TABLE IF NOT EXISTS caseloads_field_workers (
    field_worker_id text PRIMARY KEY,
    ward_ids text[] NOT NULL,
    active boolean NOT NULL
);
