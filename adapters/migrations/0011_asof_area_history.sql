-- Time travel for area views (GET ...?as_of=YYYY-MM-DD&basis=recorded|occurred).
-- Every change to a nerve-centre total is also kept as a delta by the day it was recorded
-- (basis 'r', the event's recorded timestamp) and by the day it occurred (basis 'o', its
-- occurred_at): a total as of day D is the sum of its deltas up to D. Zero deltas are deleted,
-- as the live totals' zeros are. Daily flows are keyed by occurred day already; their
-- recorded twin adds the recorded day. A database migrated with data in its views has empty
-- histories until the nerve-centre projection is rebuilt
-- (sukuma projections rebuild nerve_centre).
CREATE TABLE IF NOT EXISTS nerve_centre_area_counts_history (
    level text, code text, metric text, basis text, day date, value bigint NOT NULL,
    PRIMARY KEY (level, code, metric, basis, day)
);
CREATE TABLE IF NOT EXISTS nerve_centre_open_due_history (
    level text, code text, due date, basis text, day date, value bigint NOT NULL,
    PRIMARY KEY (level, code, due, basis, day)
);
CREATE TABLE IF NOT EXISTS nerve_centre_open_made_history (
    level text, code text, made date, basis text, day date, value bigint NOT NULL,
    PRIMARY KEY (level, code, made, basis, day)
);
CREATE TABLE IF NOT EXISTS nerve_centre_ward_needs_history (
    ward_id text, category text, district text NOT NULL, municipality text NOT NULL,
    basis text, day date, value bigint NOT NULL,
    PRIMARY KEY (ward_id, category, basis, day)
);
CREATE TABLE IF NOT EXISTS nerve_centre_department_area_history (
    department text, level text, code text, metric text, basis text, day date,
    value bigint NOT NULL,
    PRIMARY KEY (department, level, code, metric, basis, day)
);
CREATE TABLE IF NOT EXISTS nerve_centre_department_due_history (
    department text, level text, code text, due date, basis text, day date,
    value bigint NOT NULL,
    PRIMARY KEY (department, level, code, due, basis, day)
);
CREATE TABLE IF NOT EXISTS nerve_centre_area_daily_recorded (
    level text, code text, metric text, day date, recorded date, value bigint NOT NULL,
    PRIMARY KEY (level, code, metric, day, recorded)
);
-- When each alert event was recorded (alert stats as of a day, by recorded time), beside
-- alerts_events (whose stored rows stay as they are). Events projected before this table
-- have no row: they count as recorded when they occurred (the scheduler raises and
-- escalates at the time it records them).
CREATE TABLE IF NOT EXISTS alerts_event_times (
    alert_id uuid, version int, recorded_at timestamptz NOT NULL,
    PRIMARY KEY (alert_id, version)
);
