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
        SELECT 'nerve_centre_' || total || '_history' AS name, t.* FROM (VALUES
            ('area_counts', 'level, code', 'metric', ''),
            ('open_due', 'level, code', 'due', ''),
            ('open_made', 'level, code', 'made', ''),
            ('ward_needs', 'ward_id', 'category', ', district, municipality'),
            ('department_area', 'department, level, code', 'metric', ''),
            ('department_due', 'department, level, code', 'due', '')
        ) AS t(total, grouped, member, carried)
    LOOP
        SELECT conname INTO pkey FROM pg_constraint
        WHERE conrelid = format('%I', history.name)::regclass AND contype = 'p';
        EXECUTE format(
            'ALTER TABLE %1$I DROP CONSTRAINT %2$I, '
            'ADD PRIMARY KEY (%3$s, basis, day, %4$s) INCLUDE (value)',
            history.name, pkey, history.grouped, history.member
        );
        -- The weeks of the month and the years from the day rows already there (the
        -- projector keeps them from now on; as it does, a total of zero has no row).
        EXECUTE format(
            'INSERT INTO %1$I (%2$s, %3$s%4$s, basis, day, value) '
            'SELECT %2$s, %3$s%4$s, p.basis, p.day, sum(value) FROM %1$I, LATERAL (VALUES '
            '  (''ow'', date_trunc(''month'', day)::date + (extract(day FROM day)::int - 1) / 7 * 7),'
            '  (''oy'', date_trunc(''year'', day)::date)) AS p(basis, day) '
            'WHERE %1$I.basis = ''o'' GROUP BY %2$s, %3$s%4$s, p.basis, p.day '
            'HAVING sum(value) <> 0',
            history.name, history.grouped, history.member, history.carried
        );
    END LOOP;
END
$$;

-- Daily flows known at the end of a day (basis=recorded) add those recorded by then for a
-- later day (a device's clock ahead): rare rows, but found among every late flow after the
-- day, a year of them for a read a year back. A partial index holds only those.
CREATE INDEX IF NOT EXISTS nerve_centre_area_daily_recorded_ahead
    ON nerve_centre_area_daily_recorded (level, code, metric, recorded) WHERE recorded < day;
