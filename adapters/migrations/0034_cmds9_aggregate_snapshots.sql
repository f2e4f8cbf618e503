-- Snapshots of the aggregates whose histories grow (households, referrals, war rooms, task
-- teams), so that a command loads the latest snapshot and the few events after it instead of
-- replaying the whole history (domain.snapshots). The library's snapshot store
-- (PostgresFactory.aggregate_recorder(purpose="snapshots")), with its table's columns and
-- key. The state column holds the aggregate's whole state sealed under its data key
-- (adapters.shredding): an erasure destroys the key, and with it every snapshot's content.
CREATE TABLE IF NOT EXISTS sukuma_snapshots (
    originator_id uuid NOT NULL,
    originator_version bigint NOT NULL,
    topic text,
    state bytea,
    PRIMARY KEY (originator_id, originator_version)
);
