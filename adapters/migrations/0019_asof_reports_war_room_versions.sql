-- War rooms as they were (the imbizo report and the meeting pack ?as_of=): each room's row
-- keeps the recorded day of its latest change (recorded_on), and, when it changes on a later
-- recorded day than that, its earlier version is kept with its recorded day and the day it
-- was replaced (until), as the case rows' versions are (0011). A room as of D: the live row
-- if recorded by D, else its version recorded by D and replaced after it.
ALTER TABLE war_rooms_rooms ADD COLUMN IF NOT EXISTS recorded_on date;
CREATE TABLE IF NOT EXISTS war_rooms_rooms_versions (
    LIKE war_rooms_rooms, until date NOT NULL,
    PRIMARY KEY (war_room_id, until)
);
-- Rows projected before this release have no recorded day: the view starts again from the
-- start of the log (its projector rebuilds every room, with its versions, from the WarRoom
-- events alone: one row per ward, a few events a week each).
UPDATE war_rooms_tracking SET notification_id = 0 WHERE EXISTS (
    SELECT FROM war_rooms_rooms WHERE recorded_on IS NULL
);
DELETE FROM war_rooms_rooms WHERE recorded_on IS NULL;
