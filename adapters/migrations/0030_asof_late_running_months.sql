-- Area figures as of a day by occurred time (basis=occurred) summed each key's late deltas by
-- year before the day's year, by month before its month, by week of the month and by day
-- (migration 0024): at 3M households every key has a row on each of them, up to 11 months and
-- a row a year a key, so a district's league a year back read ~1,760 index rows where today's
-- reads a snapshot a department. In their place, running totals by occurred month:
-- <total>_late_months holds, for each group of a total (as its snapshots group it) and each
-- month it has late day rows in, the group's late deltas summed over every day up to that
-- month's end, as two arrays (members, counts) like a snapshot. A read as of D takes the
-- group's latest row before D's month (one index probe), then the month's weeks and the
-- week's days up to D: at most 4 weeks and 7 days a key. The projector rewrites a group's rows
-- from the month of a late change on (a few, with the 90-day window).
--
-- Filled here from the day rows already there: no rebuild. The month ('om') and year ('oy')
-- roll-ups are read no more and kept no more: deleted.
CREATE TABLE IF NOT EXISTS nerve_centre_area_counts_late_months (
    level text, code text, month date, members text[] NOT NULL, counts bigint[] NOT NULL,
    PRIMARY KEY (level, code, month)
);
CREATE TABLE IF NOT EXISTS nerve_centre_open_due_late_months (
    level text, code text, month date, members date[] NOT NULL, counts bigint[] NOT NULL,
    PRIMARY KEY (level, code, month)
);
CREATE TABLE IF NOT EXISTS nerve_centre_open_made_late_months (
    level text, code text, month date, members date[] NOT NULL, counts bigint[] NOT NULL,
    PRIMARY KEY (level, code, month)
);
CREATE TABLE IF NOT EXISTS nerve_centre_ward_needs_late_months (
    ward_id text, month date, members text[] NOT NULL, counts bigint[] NOT NULL,
    PRIMARY KEY (ward_id, month)
);
CREATE TABLE IF NOT EXISTS nerve_centre_department_area_late_months (
    department text, level text, code text, month date, members text[] NOT NULL,
    counts bigint[] NOT NULL, PRIMARY KEY (department, level, code, month)
);
CREATE TABLE IF NOT EXISTS nerve_centre_department_due_late_months (
    department text, level text, code text, month date, members date[] NOT NULL,
    counts bigint[] NOT NULL, PRIMARY KEY (department, level, code, month)
);

DO $$
DECLARE
    total record;
BEGIN
    FOR total IN
        SELECT * FROM (VALUES
            ('area_counts', ARRAY['level', 'code'], 'metric'),
            ('open_due', ARRAY['level', 'code'], 'due'),
            ('open_made', ARRAY['level', 'code'], 'made'),
            ('ward_needs', ARRAY['ward_id'], 'category'),
            ('department_area', ARRAY['department', 'level', 'code'], 'metric'),
            ('department_due', ARRAY['department', 'level', 'code'], 'due')
        ) AS t(name, grouped, member)
    LOOP
        -- Each month a group has day rows in, for each of the group's members: the member's
        -- running sum over the months up to it (a window over the group's months), kept
        -- where not zero. A month whose sums are all zero keeps a row of empty arrays.
        EXECUTE format(
            'INSERT INTO %1$I (%3$s, month, members, counts) '
            'SELECT %3$s, month, '
            '  coalesce(array_agg(member ORDER BY member) FILTER (WHERE running <> 0), ''{}''), '
            '  coalesce(array_agg(running ORDER BY member) FILTER (WHERE running <> 0), ''{}'') '
            'FROM (SELECT %3$s, month, member, (sum(coalesce(value, 0)) '
            '        OVER (PARTITION BY %3$s, member ORDER BY month))::bigint AS running '
            '      FROM (SELECT DISTINCT %3$s, date_trunc(''month'', day)::date AS month '
            '            FROM %2$I WHERE basis = ''o'') months '
            '      JOIN (SELECT DISTINCT %3$s, %4$I AS member FROM %2$I WHERE basis = ''o'') '
            '        members USING (%3$s) '
            '      LEFT JOIN (SELECT %3$s, %4$I AS member, '
            '                 date_trunc(''month'', day)::date AS month, sum(value) AS value '
            '                 FROM %2$I WHERE basis = ''o'' GROUP BY %3$s, %4$I, date_trunc(''month'', day)) sums '
            '        USING (%3$s, member, month)) running '
            'GROUP BY %3$s, month ORDER BY %3$s, month '
            'ON CONFLICT DO NOTHING',
            'nerve_centre_' || total.name || '_late_months',
            'nerve_centre_' || total.name || '_history',
            array_to_string(total.grouped, ', '),
            total.member
        );
        EXECUTE format(
            'DELETE FROM %I WHERE basis IN (''om'', ''oy'')',
            'nerve_centre_' || total.name || '_history'
        );
    END LOOP;
END
$$;
