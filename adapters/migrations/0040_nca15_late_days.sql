-- The late deltas by occurred day ('o') and by the month's week ('ow') of the totals that keep
-- them (``projections.nerve_centre.history``) were a row a member in <total>_history: 737k
-- rows of area_counts_history over a 293k-event demo log, 40% of a catch-up's commit CPU
-- spent inserting them and their index entries. Now <total>_late_days: a row a group (an
-- area, a ward), basis and day, its members and their deltas as two arrays in member order,
-- as the snapshots and the running totals by month hold them (about a seventh of the rows);
-- a read unnests them (``late_days``). A row whose deltas all cancel out is gone, as a
-- member's row was. The ward's district and municipality, which no read of these rows takes,
-- are not kept. Converted here, then the old tables dropped: no rebuild. Run again (over a
-- schema whose earlier migrations made the old tables again), it converts what they hold.
DO $$
DECLARE
    total record;
    history text;
BEGIN
    FOR total IN
        SELECT * FROM (VALUES
            ('area_counts', 'level text, code text', 'level, code', 'metric', 'text'),
            ('open_due', 'level text, code text', 'level, code', 'due', 'date'),
            ('open_made', 'level text, code text', 'level, code', 'made', 'date'),
            ('ward_needs', 'ward_id text', 'ward_id', 'category', 'text')
        ) AS t(name, declared, grouped, member, kind)
    LOOP
        EXECUTE format(
            'CREATE TABLE IF NOT EXISTS %1$I (%2$s, basis text, day date, '
            'members %3$s[] NOT NULL, counts bigint[] NOT NULL, PRIMARY KEY (%4$s, basis, day))',
            'nerve_centre_' || total.name || '_late_days', total.declared, total.kind,
            total.grouped
        );
        history := 'nerve_centre_' || total.name || '_history';
        IF to_regclass(quote_ident(history)) IS NOT NULL THEN
            EXECUTE format(
                'INSERT INTO %1$I (%3$s, basis, day, members, counts) '
                'SELECT %3$s, basis, day, array_agg(%4$I ORDER BY %4$I), '
                '  array_agg(value ORDER BY %4$I) '
                'FROM %2$I WHERE value <> 0 GROUP BY %3$s, basis, day '
                'ORDER BY %3$s, basis, day ON CONFLICT DO NOTHING',
                'nerve_centre_' || total.name || '_late_days', history, total.grouped,
                total.member
            );
            EXECUTE format('DROP TABLE %I', history);
        END IF;
    END LOOP;
END
$$;
