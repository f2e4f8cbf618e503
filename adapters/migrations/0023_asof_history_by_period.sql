-- Area figures as of a day by occurred time (basis=occurred) read each total's late deltas
-- (``queries.asof.late_deltas``). The history tables' primary keys put the member (metric,
-- due day, category) before basis and day, so such a read of a group walked every day row of
-- every member, two years of them, for the few months and days it kept: 30-36 ms for a
-- district's league at 3M households. Keyed by group, basis and day first, with the value in
-- the index, each part of the read is one index-only range scan a group (no table page read
-- once vacuumed). And two roll-ups more, filled below from the day rows ('o') and kept by
-- the projector from now on: by week of the month ('ow': days 1-7, 8-14, 15-21, 22-28, 29-;
-- day = the week's first) and by year ('oy'; day = 1 January), so a read takes at most 7
-- days, 4 weeks and 11 months a key, and a row a year before (not up to 31 days and every
-- month since the log began). Every row stays: no rebuild is needed (each index is rebuilt
-- here, in one pass over its table).
DO $$
DECLARE
    history record;
    pkey text;
BEGIN
    FOR history IN
        SELECT * FROM (VALUES
            ('area_counts', 'level, code', 'metric'),
            ('open_due', 'level, code', 'due'),
            ('open_made', 'level, code', 'made'),
            ('ward_needs', 'ward_id', 'category'),
            ('department_area', 'department, level, code', 'metric'),
            ('department_due', 'department, level, code', 'due')
        ) AS t(total, grouped, member)
    LOOP
        SELECT conname INTO pkey FROM pg_constraint
        WHERE conrelid = format('%I', 'nerve_centre_' || history.total || '_history')::regclass
        AND contype = 'p';
        EXECUTE format(
            'ALTER TABLE %1$I DROP CONSTRAINT %2$I, '
            'ADD PRIMARY KEY (%3$s, basis, day, %4$s) INCLUDE (value)',
            'nerve_centre_' || history.total || '_history', pkey, history.grouped, history.member
        );
    END LOOP;
END
$$;

-- Daily flows known at the end of a day (basis=recorded) add those recorded by then for a
-- later day (a device's clock ahead): rare rows, but found among every late flow after the
-- day, a year of them for a read a year back. A partial index holds only those.
CREATE INDEX IF NOT EXISTS nerve_centre_area_daily_recorded_ahead
    ON nerve_centre_area_daily_recorded (level, code, metric, recorded) WHERE recorded < day;

-- Weeks of the month and years from the day rows already there (the projector keeps them from
-- now on; as it does, a total of zero has no row).
INSERT INTO nerve_centre_area_counts_history
SELECT level, code, metric, 'ow',
    date_trunc('month', day)::date + (extract(day FROM day)::int - 1) / 7 * 7, sum(value)
FROM nerve_centre_area_counts_history WHERE basis = 'o'
GROUP BY 1, 2, 3, 4, 5 HAVING sum(value) <> 0;
INSERT INTO nerve_centre_open_due_history
SELECT level, code, due, 'ow',
    date_trunc('month', day)::date + (extract(day FROM day)::int - 1) / 7 * 7, sum(value)
FROM nerve_centre_open_due_history WHERE basis = 'o'
GROUP BY 1, 2, 3, 4, 5 HAVING sum(value) <> 0;
INSERT INTO nerve_centre_open_made_history
SELECT level, code, made, 'ow',
    date_trunc('month', day)::date + (extract(day FROM day)::int - 1) / 7 * 7, sum(value)
FROM nerve_centre_open_made_history WHERE basis = 'o'
GROUP BY 1, 2, 3, 4, 5 HAVING sum(value) <> 0;
INSERT INTO nerve_centre_ward_needs_history
SELECT ward_id, category, district, municipality, 'ow',
    date_trunc('month', day)::date + (extract(day FROM day)::int - 1) / 7 * 7, sum(value)
FROM nerve_centre_ward_needs_history WHERE basis = 'o'
GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(value) <> 0;
INSERT INTO nerve_centre_department_area_history
SELECT department, level, code, metric, 'ow',
    date_trunc('month', day)::date + (extract(day FROM day)::int - 1) / 7 * 7, sum(value)
FROM nerve_centre_department_area_history WHERE basis = 'o'
GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(value) <> 0;
INSERT INTO nerve_centre_department_due_history
SELECT department, level, code, due, 'ow',
    date_trunc('month', day)::date + (extract(day FROM day)::int - 1) / 7 * 7, sum(value)
FROM nerve_centre_department_due_history WHERE basis = 'o'
GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(value) <> 0;
INSERT INTO nerve_centre_area_counts_history
SELECT level, code, metric, 'oy',
    date_trunc('year', day)::date, sum(value)
FROM nerve_centre_area_counts_history WHERE basis = 'o'
GROUP BY 1, 2, 3, 4, 5 HAVING sum(value) <> 0;
INSERT INTO nerve_centre_open_due_history
SELECT level, code, due, 'oy',
    date_trunc('year', day)::date, sum(value)
FROM nerve_centre_open_due_history WHERE basis = 'o'
GROUP BY 1, 2, 3, 4, 5 HAVING sum(value) <> 0;
INSERT INTO nerve_centre_open_made_history
SELECT level, code, made, 'oy',
    date_trunc('year', day)::date, sum(value)
FROM nerve_centre_open_made_history WHERE basis = 'o'
GROUP BY 1, 2, 3, 4, 5 HAVING sum(value) <> 0;
INSERT INTO nerve_centre_ward_needs_history
SELECT ward_id, category, district, municipality, 'oy',
    date_trunc('year', day)::date, sum(value)
FROM nerve_centre_ward_needs_history WHERE basis = 'o'
GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(value) <> 0;
INSERT INTO nerve_centre_department_area_history
SELECT department, level, code, metric, 'oy',
    date_trunc('year', day)::date, sum(value)
FROM nerve_centre_department_area_history WHERE basis = 'o'
GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(value) <> 0;
INSERT INTO nerve_centre_department_due_history
SELECT department, level, code, due, 'oy',
    date_trunc('year', day)::date, sum(value)
FROM nerve_centre_department_due_history WHERE basis = 'o'
GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(value) <> 0;
