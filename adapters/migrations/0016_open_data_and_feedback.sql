-- Open data (issue 21): the open_data projection's per-event facts (projections.open_data),
-- and the frozen monthly releases published from them (projections.open_data.release).
CREATE TABLE IF NOT EXISTS open_data_tracking (
    application_name text, notification_id bigint, PRIMARY KEY (application_name)
) WITH (
    autovacuum_enabled = true,
    autovacuum_vacuum_threshold = 100000000,
    autovacuum_vacuum_scale_factor = 0.5,
    autovacuum_analyze_threshold = 1000,
    autovacuum_analyze_scale_factor = 0.01
);
-- Where each household is now, and whether it has been profiled (its first profile is a fact).
CREATE TABLE IF NOT EXISTS open_data_households (
    household_id uuid PRIMARY KEY, ward_id text NOT NULL, profiled boolean NOT NULL
);
-- What a delivery needs of its referral: the household, ward, department and dates.
CREATE TABLE IF NOT EXISTS open_data_referrals (
    referral_id uuid PRIMARY KEY, household_id uuid NOT NULL, ward_id text NOT NULL,
    department text NOT NULL, made_on date NOT NULL, deliver_by date NOT NULL
);
-- One row per countable event: a first profile, a need, a referral made or delivered, a
-- meeting, a rating. The ward and month are where and when it happened; never updated.
CREATE TABLE IF NOT EXISTS open_data_facts (
    fact_id text PRIMARY KEY, measure text NOT NULL, dim text NOT NULL,
    household_id uuid, ward_id text NOT NULL, month date NOT NULL,
    days int, standard_days int, rating int
);
CREATE INDEX IF NOT EXISTS open_data_facts_month ON open_data_facts (month, measure);
-- A month's release, computed once when the month has closed and never rewritten: two
-- versions of one month's figures never exist, so they cannot be differenced.
CREATE TABLE IF NOT EXISTS open_releases (
    month date PRIMARY KEY, k int NOT NULL, built_at timestamptz NOT NULL,
    etag text NOT NULL
);
-- A release's cells: value NULL where suppressed; areas inside a suppressed one are not listed.
CREATE TABLE IF NOT EXISTS open_release_cells (
    month date NOT NULL REFERENCES open_releases (month), measure text NOT NULL,
    level text NOT NULL, code text NOT NULL, dim text NOT NULL, value int,
    median_days int, standard_days int, median_rating int,
    PRIMARY KEY (month, measure, level, code, dim)
);
-- Citizen feedback (api.feedback): each delivered referral's code, kept only as its SHA-256,
-- until it expires or is used; and the inbound SMS gateway's message ids, so a replayed
-- message is refused.
CREATE TABLE IF NOT EXISTS feedback_codes (
    code_hash bytea PRIMARY KEY, referral_id uuid NOT NULL UNIQUE,
    expires_at timestamptz NOT NULL, used_at timestamptz
);
CREATE TABLE IF NOT EXISTS feedback_inbound_messages (
    message_id text PRIMARY KEY, received_at timestamptz NOT NULL
);
-- Feedback codes sent by SMS (scheduler.feedback_sms): one row per delivered referral tried,
-- sent or skipped (no phone on record, or no consent), never tried twice.
CREATE TABLE IF NOT EXISTS feedback_sms (
    referral_id uuid PRIMARY KEY, tried_at timestamptz NOT NULL, attempts int NOT NULL,
    ok boolean NOT NULL, detail text NOT NULL
);
