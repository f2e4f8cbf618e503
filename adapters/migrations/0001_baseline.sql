-- The schema as the code before migrations created it on start, so that an empty database
-- and one created by that code end here alike: every statement is a no-op on the latter.
-- Names are unqualified: the runner sets search_path to the configured schema.

-- The event store (eventsourcing's PostgresApplicationRecorder, application "sukuma").
CREATE TABLE IF NOT EXISTS sukuma_events (
    originator_id uuid NOT NULL,
    originator_version bigint NOT NULL,
    topic text,
    state bytea,
    notification_id bigserial,
    PRIMARY KEY (originator_id, originator_version)
) WITH (
    autovacuum_enabled = true,
    autovacuum_vacuum_threshold = 100000000,
    autovacuum_vacuum_scale_factor = 0.5,
    autovacuum_analyze_threshold = 1000,
    autovacuum_analyze_scale_factor = 0.01
);
CREATE UNIQUE INDEX IF NOT EXISTS sukuma_events_notification_id_idx
    ON sukuma_events (notification_id ASC);

DO $$
BEGIN
    IF to_regtype('stored_event_uuid') IS NULL THEN
        CREATE TYPE stored_event_uuid AS (
            originator_id uuid, originator_version bigint, topic text, state bytea
        );
    END IF;
END $$;

-- The library creates this insert function whether or not it calls it (it does not here:
-- POSTGRES_ENABLE_DB_FUNCTIONS is off); kept so both kinds of database match.
CREATE OR REPLACE FUNCTION es_insert_events_uuid(events stored_event_uuid[])
RETURNS SETOF bigint LANGUAGE plpgsql SET search_path FROM CURRENT AS $BODY$
BEGIN
    NOTIFY "sukuma_events";
    RETURN QUERY
    INSERT INTO sukuma_events AS t (originator_id, originator_version, topic, state)
    SELECT originator_id, originator_version, topic, state FROM unnest(events)
    RETURNING notification_id;
END;
$BODY$;

-- Idempotency receipts, written in the events' transaction (adapters.event_store).
CREATE TABLE IF NOT EXISTS sukuma_idempotency (
    actor text NOT NULL,
    key text NOT NULL,
    fingerprint text NOT NULL,
    status_code int NOT NULL,
    body jsonb NOT NULL,
    aggregate_id uuid NOT NULL,
    version bigint,
    position bigint,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor, key)
);

-- Households' data keys (adapters.data_keys).
CREATE TABLE IF NOT EXISTS sukuma_data_keys (
    aggregate_id uuid PRIMARY KEY,
    household_id uuid,
    wrapped_key bytea,
    created_at timestamptz NOT NULL DEFAULT now(),
    erased_at timestamptz
);
CREATE INDEX IF NOT EXISTS sukuma_data_keys_household_idx ON sukuma_data_keys (household_id);

-- Who was shown a household's personal fields.
CREATE TABLE IF NOT EXISTS sukuma_pii_reads (
    id bigserial PRIMARY KEY,
    read_at timestamptz NOT NULL DEFAULT now(),
    user_id text NOT NULL,
    username text NOT NULL,
    household_id uuid NOT NULL,
    endpoint text NOT NULL,
    fields text NOT NULL
);
CREATE INDEX IF NOT EXISTS sukuma_pii_reads_household_idx ON sukuma_pii_reads (household_id, id);
CREATE INDEX IF NOT EXISTS sukuma_pii_reads_user_idx ON sukuma_pii_reads (user_id, id);

-- Projections' positions (eventsourcing's single-row tracking tables).
CREATE TABLE IF NOT EXISTS nerve_centre_tracking (
    application_name text, notification_id bigint, PRIMARY KEY (application_name)
) WITH (
    autovacuum_enabled = true,
    autovacuum_vacuum_threshold = 100000000,
    autovacuum_vacuum_scale_factor = 0.5,
    autovacuum_analyze_threshold = 1000,
    autovacuum_analyze_scale_factor = 0.01
);
CREATE TABLE IF NOT EXISTS early_warning_tracking (
    application_name text, notification_id bigint, PRIMARY KEY (application_name)
) WITH (
    autovacuum_enabled = true,
    autovacuum_vacuum_threshold = 100000000,
    autovacuum_vacuum_scale_factor = 0.5,
    autovacuum_analyze_threshold = 1000,
    autovacuum_analyze_scale_factor = 0.01
);
CREATE TABLE IF NOT EXISTS alerts_tracking (
    application_name text, notification_id bigint, PRIMARY KEY (application_name)
) WITH (
    autovacuum_enabled = true,
    autovacuum_vacuum_threshold = 100000000,
    autovacuum_vacuum_scale_factor = 0.5,
    autovacuum_analyze_threshold = 1000,
    autovacuum_analyze_scale_factor = 0.01
);

-- The nerve-centre view (projections.nerve_centre.view).
CREATE TABLE IF NOT EXISTS nerve_centre_households (
    household_id uuid PRIMARY KEY, ward_id text NOT NULL, municipality text NOT NULL,
    district text NOT NULL, status text NOT NULL, risk_level text, risk_score int,
    open_needs jsonb NOT NULL, open_categories text[] NOT NULL, high_needs int NOT NULL,
    registered_at timestamptz NOT NULL, profiled_at timestamptz,
    last_contact_at timestamptz, field_worker_id text, graduated_at timestamptz,
    position bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS nerve_centre_referrals (
    referral_id uuid PRIMARY KEY, household_id uuid NOT NULL, need_id text NOT NULL,
    category text NOT NULL, severity text NOT NULL, ward_id text NOT NULL,
    municipality text NOT NULL, district text NOT NULL, department text NOT NULL,
    status text NOT NULL, escalation_level int NOT NULL, made_at timestamptz NOT NULL,
    acknowledged_at timestamptz, delivered_at timestamptz, verified_at timestamptz,
    closed_at timestamptz, ack_by date NOT NULL, deliver_by date NOT NULL,
    standard_version text NOT NULL, position bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS nerve_centre_area_counts (
    level text, code text, metric text, value bigint NOT NULL,
    PRIMARY KEY (level, code, metric)
);
CREATE TABLE IF NOT EXISTS nerve_centre_area_daily (
    level text, code text, day date, metric text, value bigint NOT NULL,
    PRIMARY KEY (level, code, metric, day)
);
CREATE TABLE IF NOT EXISTS nerve_centre_open_due (
    level text, code text, due date, value bigint NOT NULL, PRIMARY KEY (level, code, due)
);
CREATE TABLE IF NOT EXISTS nerve_centre_open_made (
    level text, code text, made date, value bigint NOT NULL, PRIMARY KEY (level, code, made)
);
CREATE TABLE IF NOT EXISTS nerve_centre_ward_needs (
    ward_id text, category text, district text NOT NULL, municipality text NOT NULL,
    value bigint NOT NULL, PRIMARY KEY (ward_id, category)
);
CREATE TABLE IF NOT EXISTS nerve_centre_department_area (
    department text, level text, code text, metric text, value bigint NOT NULL,
    PRIMARY KEY (department, level, code, metric)
);
CREATE TABLE IF NOT EXISTS nerve_centre_department_due (
    department text, level text, code text, due date, value bigint NOT NULL,
    PRIMARY KEY (department, level, code, due)
);
CREATE TABLE IF NOT EXISTS nerve_centre_field_workers (
    field_worker_id text PRIMARY KEY, ward_ids text[] NOT NULL, active boolean NOT NULL,
    last_submission_at timestamptz, position bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS nerve_centre_fw_households (
    field_worker_id text, household_id uuid, last_visit_on date NOT NULL,
    PRIMARY KEY (field_worker_id, household_id)
);
-- keyset pagination within each scope, and the usual filters
CREATE INDEX IF NOT EXISTS nerve_centre_h_ward ON nerve_centre_households (ward_id, household_id);
CREATE INDEX IF NOT EXISTS nerve_centre_h_muni
    ON nerve_centre_households (municipality, household_id);
CREATE INDEX IF NOT EXISTS nerve_centre_h_dist ON nerve_centre_households (district, household_id);
CREATE INDEX IF NOT EXISTS nerve_centre_h_cat
    ON nerve_centre_households USING gin (open_categories);
CREATE INDEX IF NOT EXISTS nerve_centre_r_ward ON nerve_centre_referrals (ward_id, referral_id);
CREATE INDEX IF NOT EXISTS nerve_centre_r_muni
    ON nerve_centre_referrals (municipality, referral_id);
CREATE INDEX IF NOT EXISTS nerve_centre_r_dist ON nerve_centre_referrals (district, referral_id);
CREATE INDEX IF NOT EXISTS nerve_centre_r_dept
    ON nerve_centre_referrals (department, referral_id);
CREATE INDEX IF NOT EXISTS nerve_centre_r_status ON nerve_centre_referrals (status, referral_id);
-- department within an area, and open (overdue-able) referrals within an area
CREATE INDEX IF NOT EXISTS nerve_centre_r_dist_dept
    ON nerve_centre_referrals (district, department, referral_id);
CREATE INDEX IF NOT EXISTS nerve_centre_r_muni_dept
    ON nerve_centre_referrals (municipality, department, referral_id);
CREATE INDEX IF NOT EXISTS nerve_centre_r_muni_open ON nerve_centre_referrals
    (municipality, referral_id) WHERE status IN ('made', 'acknowledged', 'disputed');
CREATE INDEX IF NOT EXISTS nerve_centre_r_dist_open ON nerve_centre_referrals
    (district, referral_id) WHERE status IN ('made', 'acknowledged', 'disputed');
CREATE INDEX IF NOT EXISTS nerve_centre_fw
    ON nerve_centre_fw_households (field_worker_id, last_visit_on);

-- The early-warning view (projections.early_warning.view).
CREATE TABLE IF NOT EXISTS early_warning_state (
    kind text, id text, state jsonb NOT NULL, PRIMARY KEY (kind, id)
);
CREATE TABLE IF NOT EXISTS early_warning_clocks (
    kind text, subject text, since timestamptz NOT NULL, param int NOT NULL,
    ward_id text, municipality text, district text, department text,
    facts jsonb NOT NULL, active boolean NOT NULL, position bigint NOT NULL,
    PRIMARY KEY (kind, subject)
);
CREATE TABLE IF NOT EXISTS early_warning_department_days (
    day date, district text, municipality text, department text, metric text,
    value bigint NOT NULL, PRIMARY KEY (day, district, municipality, department, metric)
);
CREATE TABLE IF NOT EXISTS early_warning_need_weeks (
    week date, district text, municipality text, ward_id text, category text,
    value bigint NOT NULL, PRIMARY KEY (week, district, municipality, ward_id, category)
);
CREATE INDEX IF NOT EXISTS early_warning_clocks_since
    ON early_warning_clocks (kind, since) WHERE active;
CREATE INDEX IF NOT EXISTS early_warning_clocks_position ON early_warning_clocks (kind, position);

-- The alerts view (projections.alerts.view).
CREATE TABLE IF NOT EXISTS alerts_alerts (
    alert_id uuid PRIMARY KEY, rule text NOT NULL, rule_version text NOT NULL,
    subject text NOT NULL, level int NOT NULL, status text NOT NULL,
    episode int NOT NULL, ward_id text, municipality text, district text,
    department text, evidence jsonb NOT NULL, raised_at timestamptz NOT NULL,
    level_since timestamptz NOT NULL, acknowledged_at timestamptz,
    acknowledged_by text, resolved_at timestamptz, resolved_by text, resolution text,
    resolved_automatically boolean NOT NULL, position bigint NOT NULL,
    UNIQUE (rule, subject)
);
CREATE TABLE IF NOT EXISTS alerts_episodes (
    alert_id uuid, episode int, rule text NOT NULL, level int NOT NULL, ward_id text,
    municipality text, district text, department text,
    raised_at timestamptz NOT NULL, acknowledged_at timestamptz,
    resolved_at timestamptz, PRIMARY KEY (alert_id, episode)
);
CREATE TABLE IF NOT EXISTS alerts_events (
    alert_id uuid, version int, type text NOT NULL, occurred_at timestamptz NOT NULL,
    actor text NOT NULL, detail jsonb NOT NULL, PRIMARY KEY (alert_id, version)
);
CREATE INDEX IF NOT EXISTS alerts_due ON alerts_alerts (level, level_since) WHERE status = 'open';
CREATE INDEX IF NOT EXISTS alerts_ward ON alerts_alerts (ward_id, alert_id);
CREATE INDEX IF NOT EXISTS alerts_muni ON alerts_alerts (municipality, alert_id);
CREATE INDEX IF NOT EXISTS alerts_dist ON alerts_alerts (district, alert_id);

-- Sign-in throttling and used refresh tokens (api.auth.throttle), shared by API replicas.
CREATE TABLE IF NOT EXISTS auth_login_failures (key text NOT NULL, failed_at timestamptz NOT NULL);
CREATE INDEX IF NOT EXISTS auth_login_failures_key ON auth_login_failures (key, failed_at);
-- Which sign-in recorded the row, so a successful one takes back only its own.
ALTER TABLE auth_login_failures ADD COLUMN IF NOT EXISTS attempt uuid;
CREATE TABLE IF NOT EXISTS auth_refresh_tokens_used (
    jti text PRIMARY KEY, expires_at timestamptz NOT NULL
);

-- The scheduler's state: where each rule's last sweep left off, and notification deliveries.
CREATE TABLE IF NOT EXISTS alert_sweep_marks (
    rule text PRIMARY KEY, version text NOT NULL,
    cutoff timestamptz NOT NULL, rise_cutoff timestamptz NOT NULL,
    position bigint NOT NULL, commands_position bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS alert_deliveries (
    id bigserial PRIMARY KEY, alert_id uuid NOT NULL,
    subscriber text NOT NULL, channel text NOT NULL, kind text NOT NULL,
    level int NOT NULL, attempts int NOT NULL, ok boolean NOT NULL,
    detail text NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now()
);
