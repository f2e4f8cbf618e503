-- Time travel for area views (GET ...?as_of=YYYY-MM-DD&basis=recorded|occurred).
--
-- basis=recorded (what reports use): <total>_snapshots hold, per group of a total that one
-- read takes together (an area's counts, a department's league row in an area, a ward's
-- needs), the group's values at the end of each recorded day it changed on, as one jsonb
-- object (zeros left out). The log is appended in recorded order, so only the newest day's
-- snapshot is ever rewritten, and a read as of D is one index probe per group.
--
-- basis=occurred: <total>_history hold every late change to a total (recorded on another
-- day than it occurred) as a delta by the day it occurred ('o') and by that day's month
-- ('om', day = the month's first); see <total>_late below. Daily flows are keyed by
-- occurred day already;
-- area_daily_recorded holds only the late ones (recorded on another day than they
-- occurred), from which the flows known at the end of a day are derived.
--
-- A database migrated with data in its views has empty histories until the nerve-centre
-- projection is rebuilt (sukuma projections rebuild nerve_centre).
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
CREATE TABLE IF NOT EXISTS nerve_centre_area_counts_snapshots (
    level text, code text, day date, value jsonb NOT NULL, PRIMARY KEY (level, code, day)
);
CREATE TABLE IF NOT EXISTS nerve_centre_open_due_snapshots (
    level text, code text, day date, value jsonb NOT NULL, PRIMARY KEY (level, code, day)
);
CREATE TABLE IF NOT EXISTS nerve_centre_open_made_snapshots (
    level text, code text, day date, value jsonb NOT NULL, PRIMARY KEY (level, code, day)
);
CREATE TABLE IF NOT EXISTS nerve_centre_ward_needs_snapshots (
    ward_id text, day date, value jsonb NOT NULL, PRIMARY KEY (ward_id, day)
);
CREATE TABLE IF NOT EXISTS nerve_centre_department_area_snapshots (
    department text, level text, code text, day date, value jsonb NOT NULL,
    PRIMARY KEY (department, level, code, day)
);
CREATE TABLE IF NOT EXISTS nerve_centre_department_due_snapshots (
    department text, level text, code text, day date, value jsonb NOT NULL,
    PRIMARY KEY (department, level, code, day)
);
-- The late changes' running totals (recorded on another day than they occurred), and
-- their snapshots by recorded day: by occurred time, a total as of D is its snapshot less
-- its late one, plus its late deltas ('o', 'om' in <total>_history) that occurred by D. A
-- change recorded the day it occurred (the field's common case) writes none of these.
CREATE TABLE IF NOT EXISTS nerve_centre_area_counts_late (LIKE nerve_centre_area_counts INCLUDING ALL);
CREATE TABLE IF NOT EXISTS nerve_centre_open_due_late (LIKE nerve_centre_open_due INCLUDING ALL);
CREATE TABLE IF NOT EXISTS nerve_centre_open_made_late (LIKE nerve_centre_open_made INCLUDING ALL);
CREATE TABLE IF NOT EXISTS nerve_centre_ward_needs_late (LIKE nerve_centre_ward_needs INCLUDING ALL);
CREATE TABLE IF NOT EXISTS nerve_centre_department_area_late (LIKE nerve_centre_department_area INCLUDING ALL);
CREATE TABLE IF NOT EXISTS nerve_centre_department_due_late (LIKE nerve_centre_department_due INCLUDING ALL);
CREATE TABLE IF NOT EXISTS nerve_centre_area_counts_late_snapshots (
    LIKE nerve_centre_area_counts_snapshots INCLUDING ALL
);
CREATE TABLE IF NOT EXISTS nerve_centre_open_due_late_snapshots (
    LIKE nerve_centre_open_due_snapshots INCLUDING ALL
);
CREATE TABLE IF NOT EXISTS nerve_centre_open_made_late_snapshots (
    LIKE nerve_centre_open_made_snapshots INCLUDING ALL
);
CREATE TABLE IF NOT EXISTS nerve_centre_ward_needs_late_snapshots (
    LIKE nerve_centre_ward_needs_snapshots INCLUDING ALL
);
CREATE TABLE IF NOT EXISTS nerve_centre_department_area_late_snapshots (
    LIKE nerve_centre_department_area_snapshots INCLUDING ALL
);
CREATE TABLE IF NOT EXISTS nerve_centre_department_due_late_snapshots (
    LIKE nerve_centre_department_due_snapshots INCLUDING ALL
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
-- Households and referrals as they were (the exports' ?as_of=): each case row's recorded
-- day (of its latest change) in case_days (beside the rows, which stay as they are), and,
-- when a row changes on a later recorded day than that, its earlier version kept with its
-- recorded day and the day it was replaced (until). A row as of D: the live row if recorded
-- by D, else its version recorded by D and replaced after it.
CREATE TABLE IF NOT EXISTS nerve_centre_case_days (
    case_id uuid PRIMARY KEY, recorded_on date NOT NULL
);
CREATE TABLE IF NOT EXISTS nerve_centre_households_versions (
    LIKE nerve_centre_households, recorded_on date NOT NULL, until date NOT NULL,
    PRIMARY KEY (household_id, until)
);
CREATE TABLE IF NOT EXISTS nerve_centre_referrals_versions (
    LIKE nerve_centre_referrals, recorded_on date NOT NULL, until date NOT NULL,
    PRIMARY KEY (referral_id, until)
);
