-- Duplicate households (issue 20). The matcher's index (adapters.matching.index): blind
-- blocking keys (HMAC, 64 bits) and one sealed card per household; derived, never in the
-- event log, deleted with a household's personal data.
CREATE TABLE IF NOT EXISTS matcher_keys (
    key bigint NOT NULL,
    household_id uuid NOT NULL
);
CREATE INDEX IF NOT EXISTS matcher_keys_key ON matcher_keys (key);
CREATE INDEX IF NOT EXISTS matcher_keys_household ON matcher_keys (household_id);
CREATE TABLE IF NOT EXISTS matcher_cards (
    household_id uuid PRIMARY KEY,
    ward_id text NOT NULL,
    card bytea NOT NULL
);

-- The duplicates view (projections.duplicates): candidates for review, where each household
-- is now (a pair is listed to whoever may see both), and which households are merged.
CREATE TABLE IF NOT EXISTS duplicates_tracking (
    application_name text, notification_id bigint, PRIMARY KEY (application_name)
) WITH (
    autovacuum_enabled = true,
    autovacuum_vacuum_threshold = 100000000,
    autovacuum_vacuum_scale_factor = 0.5,
    autovacuum_analyze_threshold = 1000,
    autovacuum_analyze_scale_factor = 0.01
);
CREATE TABLE IF NOT EXISTS duplicates_households (
    household_id uuid PRIMARY KEY,
    ward_id text NOT NULL,
    municipality text,
    district text,
    department text  -- always NULL: named as in the other views, for the shared scoping
);
CREATE TABLE IF NOT EXISTS duplicates_candidates (
    candidate_id uuid PRIMARY KEY,
    household_a uuid NOT NULL,
    household_b uuid NOT NULL,
    score double precision NOT NULL,
    field_scores jsonb NOT NULL,
    same_id_number boolean NOT NULL,
    rule_version text NOT NULL,
    status text NOT NULL,
    survivor_id uuid,
    proposed_at timestamptz NOT NULL,
    decided_at timestamptz,
    decided_by text
);
CREATE INDEX IF NOT EXISTS duplicates_status ON duplicates_candidates (status, candidate_id);
CREATE INDEX IF NOT EXISTS duplicates_a ON duplicates_candidates (household_a);
CREATE INDEX IF NOT EXISTS duplicates_b ON duplicates_candidates (household_b);

-- No candidate was recorded before this release: start the view where the nerve centre's is,
-- with its households' places (one statement, one snapshot), rather than replaying the log.
WITH placed AS (
    INSERT INTO duplicates_households (household_id, ward_id, municipality, district)
    SELECT household_id, ward_id, municipality, district FROM nerve_centre_households
    ON CONFLICT (household_id) DO NOTHING
)
INSERT INTO duplicates_tracking (application_name, notification_id)
SELECT application_name, notification_id FROM nerve_centre_tracking
ON CONFLICT (application_name) DO NOTHING;
