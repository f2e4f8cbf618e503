-- A daily flow whose events were all recorded on one later day than they occurred (every
-- flow of a log recorded after the fact, as the demo's and an import's are) kept two equal
-- rows: its total in area_daily and the same again, by recorded day, in
-- area_daily_recorded. area_daily.late_on now says that day on the total's own row, and
-- area_daily_recorded keeps the late flows of every other key (those also recorded on their
-- own day, or on several days, or ahead of it), as before: on such a log the catch-up writes
-- half the daily rows (projections.nerve_centre.daily_flows).
--
-- Converted here in place, no rebuild: a late row holding its key's whole total (flows only
-- add, so no other flow of the key exists) moves onto the total's row.
ALTER TABLE nerve_centre_area_daily ADD COLUMN IF NOT EXISTS late_on date;

WITH moved AS (
    DELETE FROM nerve_centre_area_daily_recorded r
    USING nerve_centre_area_daily d
    WHERE d.level = r.level AND d.code = r.code AND d.metric = r.metric AND d.day = r.day
        AND r.recorded > r.day AND r.value = d.value
    RETURNING r.level, r.code, r.metric, r.day, r.recorded
)
UPDATE nerve_centre_area_daily d SET late_on = m.recorded FROM moved m
WHERE d.level = m.level AND d.code = m.code AND d.metric = m.metric AND d.day = m.day;
