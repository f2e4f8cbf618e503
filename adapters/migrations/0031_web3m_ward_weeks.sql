-- An area's M9 (war-room functionality classes) summed each of its wards' meetings, core
-- departments' attendance and profiles over the last 8 weeks of area_daily: a row a ward, day
-- and metric (11,620 rows for a district at the web benchmark's fill, the dashboard's slowest
-- read). nerve_centre_ward_weeks holds the same flows a row a ward and week (Monday to Sunday,
-- by occurred day), each figure an array of the week's seven days (Monday first), so a window
-- ending on any weekday is still summed exactly from 9 rows a ward
-- (projections.nerve_centre.ward_weeks). The core departments are
-- domain.rules.functionality.CORE_DEPARTMENTS.
--
-- Filled here from area_daily's ward rows: no rebuild.
CREATE TABLE IF NOT EXISTS nerve_centre_ward_weeks (
    ward_id text, week date, meetings bigint[] NOT NULL, core_present bigint[] NOT NULL,
    profiles bigint[] NOT NULL, PRIMARY KEY (ward_id, week)
);

WITH flows AS (
    SELECT code AS ward_id, day - (extract(isodow FROM day)::int - 1) AS week,
           extract(isodow FROM day)::int AS weekday,
           CASE WHEN metric = 'meetings' THEN 'meetings'
                WHEN metric = 'profiles' THEN 'profiles' ELSE 'core_present' END AS figure,
           value
    FROM nerve_centre_area_daily
    WHERE level = 'ward' AND metric IN ('meetings', 'profiles', 'attended:DSD', 'attended:SASSA',
        'attended:DOH', 'attended:DHA', 'attended:DBE', 'attended:SAPS', 'attended:MUNI')
), days AS (
    SELECT ward_id, week, weekday,
           coalesce(sum(value) FILTER (WHERE figure = 'meetings'), 0)::bigint AS meetings,
           coalesce(sum(value) FILTER (WHERE figure = 'core_present'), 0)::bigint AS core_present,
           coalesce(sum(value) FILTER (WHERE figure = 'profiles'), 0)::bigint AS profiles
    FROM (SELECT DISTINCT ward_id, week FROM flows) w
    CROSS JOIN generate_series(1, 7) AS weekday
    LEFT JOIN flows f USING (ward_id, week, weekday)
    GROUP BY ward_id, week, weekday
)
INSERT INTO nerve_centre_ward_weeks (ward_id, week, meetings, core_present, profiles)
SELECT ward_id, week, array_agg(meetings ORDER BY weekday),
       array_agg(core_present ORDER BY weekday), array_agg(profiles ORDER BY weekday)
FROM days GROUP BY ward_id, week
ON CONFLICT (ward_id, week) DO NOTHING;
