-- The names view (projections.names.view): each household's head's name as lists show it,
-- sealed exactly as the event store sealed it (the very ciphertext of the profile's event,
-- under the household's data key: erasure destroys the key, so the copy no longer opens),
-- with what deciding who may see it needs (ward, consent); and the referrals made sharing
-- personal data (a department officer sees a head's name only through one of those).
-- A new view: its projector builds it from the start of the log.
CREATE TABLE IF NOT EXISTS names_tracking (
    application_name text, notification_id bigint, PRIMARY KEY (application_name)
) WITH (
    autovacuum_enabled = true,
    autovacuum_vacuum_threshold = 100000000,
    autovacuum_vacuum_scale_factor = 0.5,
    autovacuum_analyze_threshold = 1000,
    autovacuum_analyze_scale_factor = 0.01
);
CREATE TABLE IF NOT EXISTS names_heads (
    household_id uuid PRIMARY KEY,
    ward_id text NOT NULL,
    consent text,  -- 'given', 'withdrawn'; NULL: never recorded
    profile_at timestamptz,  -- of the current profile (an older one does not replace it)
    head_member_id text,
    first_name jsonb,  -- as stored in the event: {"_pii_": ...} (or plain, if older than sealing)
    surname jsonb,
    resolved text[] NOT NULL DEFAULT '{}'  -- parts set by a conflict's resolution (sealed as its value)
);
CREATE TABLE IF NOT EXISTS names_referrals (
    referral_id uuid PRIMARY KEY,
    household_id uuid NOT NULL
);
