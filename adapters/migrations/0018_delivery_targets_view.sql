-- The delivery view (projections.delivery): task teams (their members, meetings and action
-- items), their stocktakes, the solutions war rooms and teams agree, and the teams' priorities
-- (with monthly notes) and targets (with delivery chains), with each
-- target's current trajectory, its revisions and its ratings. Rows are scoped by the owning
-- team's area (a district's team: municipality NULL; the province's: all three NULL), named as
-- in the other views for the shared scoping. A projection of its own: its tracking starts at 0.
CREATE TABLE IF NOT EXISTS delivery_tracking (
    application_name text, notification_id bigint, PRIMARY KEY (application_name)
) WITH (
    autovacuum_enabled = true,
    autovacuum_vacuum_threshold = 100000000,
    autovacuum_vacuum_scale_factor = 0.5,
    autovacuum_analyze_threshold = 1000,
    autovacuum_analyze_scale_factor = 0.01
);
CREATE TABLE IF NOT EXISTS delivery_priorities (
    priority_id uuid PRIMARY KEY,
    title text NOT NULL,
    description text,
    team text NOT NULL,
    team_code text NOT NULL,
    ward_id text,  -- always NULL: a team's area is a municipality or larger
    municipality text,
    district text,
    department text,  -- always NULL
    defined_on date NOT NULL,
    notes jsonb NOT NULL,
    version int NOT NULL,
    position bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS delivery_targets (
    target_id uuid PRIMARY KEY,
    priority_id uuid NOT NULL,
    team text NOT NULL,
    team_code text NOT NULL,
    ward_id text,
    municipality text,
    district text,
    department text,
    indicator text NOT NULL,
    level text NOT NULL,
    code text NOT NULL,
    baseline_value double precision NOT NULL,
    baseline_on date NOT NULL,
    target_value double precision NOT NULL,
    due_on date NOT NULL,
    shape text NOT NULL,
    points jsonb NOT NULL,
    revisions jsonb NOT NULL,
    ratings jsonb NOT NULL,
    chain jsonb NOT NULL,
    agreed_on date NOT NULL,
    version int NOT NULL,
    position bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS delivery_teams (
    team_id uuid PRIMARY KEY,
    kind text NOT NULL,
    code text NOT NULL,
    name text NOT NULL,
    ward_id text,
    municipality text,
    district text,
    department text,
    established_on date NOT NULL,
    last_meeting_on date,
    meetings_held int NOT NULL,
    members jsonb NOT NULL,
    meetings jsonb NOT NULL,
    action_items jsonb NOT NULL,
    version int NOT NULL,
    position bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS delivery_stocktakes (
    stocktake_id uuid PRIMARY KEY,
    team_id uuid NOT NULL,
    team text NOT NULL,
    team_code text NOT NULL,
    ward_id text,
    municipality text,
    district text,
    department text,
    held_on date NOT NULL,
    attendee_member_ids jsonb NOT NULL,
    reviews jsonb NOT NULL,
    actions jsonb NOT NULL,
    version int NOT NULL,
    position bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS delivery_solutions (
    solution_id uuid PRIMARY KEY,
    body text NOT NULL,
    body_id uuid NOT NULL,
    team text,
    team_code text,
    ward_id text,
    municipality text,
    district text,
    department text,
    problem text NOT NULL,
    solution text NOT NULL,
    plan jsonb NOT NULL,
    target_id uuid,
    status text NOT NULL,
    rag text,
    progress jsonb NOT NULL,
    agreed_on date NOT NULL,
    version int NOT NULL,
    position bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS delivery_stocktakes_team ON delivery_stocktakes (team_id, held_on);
CREATE INDEX IF NOT EXISTS delivery_priorities_team ON delivery_priorities (team, team_code);
CREATE INDEX IF NOT EXISTS delivery_targets_priority ON delivery_targets (priority_id, target_id);
