-- The war rooms' read model (projections.war_rooms): one row per war room with its members and
-- action items, scoped like the nerve-centre rows. A projection of its own, so its tracking
-- starts at 0 and its projector builds the rows of war rooms established before this release.
-- Members' names, meeting notes and action items' text are kept as the event store seals them (ciphertext
-- under the war room's data key): the API opens them when it reads a room.
CREATE TABLE IF NOT EXISTS war_rooms_tracking (
    application_name text, notification_id bigint, PRIMARY KEY (application_name)
) WITH (
    autovacuum_enabled = true,
    autovacuum_vacuum_threshold = 100000000,
    autovacuum_vacuum_scale_factor = 0.5,
    autovacuum_analyze_threshold = 1000,
    autovacuum_analyze_scale_factor = 0.01
);
CREATE TABLE IF NOT EXISTS war_rooms_rooms (
    war_room_id uuid PRIMARY KEY, ward_id text NOT NULL, municipality text NOT NULL,
    district text NOT NULL, name text NOT NULL, meeting_cadence_days int NOT NULL,
    established_on date NOT NULL, last_meeting_on date, meetings_held int NOT NULL,
    members jsonb NOT NULL, meetings jsonb NOT NULL, action_items jsonb NOT NULL,
    version int NOT NULL,
    position bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS war_rooms_ward ON war_rooms_rooms (ward_id, war_room_id);
CREATE INDEX IF NOT EXISTS war_rooms_muni ON war_rooms_rooms (municipality, war_room_id);
CREATE INDEX IF NOT EXISTS war_rooms_dist ON war_rooms_rooms (district, war_room_id);
