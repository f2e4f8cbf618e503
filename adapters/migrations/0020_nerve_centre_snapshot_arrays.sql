-- The nerve centre's snapshots as two arrays instead of one jsonb object: a group's members
-- (metrics, categories, due days...) and their counts, side by side in member order. The
-- projector makes the rows in memory and COPYs them in binary (no jsonb_object_agg per group
-- and day); a read as of a day unnests them without parsing text or casting keys.
-- Every row is converted in place: no rebuild needed. A table already converted is left
-- alone (a migration run again finds no jsonb column).
DO $$
DECLARE
    snapshot record;
BEGIN
    FOR snapshot IN
        SELECT * FROM (VALUES
            ('area_counts', 'text'), ('open_due', 'date'), ('open_made', 'date'),
            ('ward_needs', 'text'), ('department_area', 'text'), ('department_due', 'date')
        ) AS t(total, member_type)
        CROSS JOIN (VALUES (''), ('_late')) AS l(late)
        WHERE EXISTS (
            SELECT 1 FROM information_schema.columns
            WHERE table_schema = current_schema() AND column_name = 'value'
            AND table_name = 'nerve_centre_' || total || late || '_snapshots'
        )
    LOOP
        EXECUTE format(
            'ALTER TABLE %1$I ADD COLUMN members %2$s[], ADD COLUMN counts bigint[];'
            -- text members in code-point order, as the projector sorts them (not the locale's)
            'UPDATE %1$I s SET (members, counts) = (SELECT'
            '  coalesce(array_agg(e.key::%2$s ORDER BY e.key::%2$s %3$s), ''{}''),'
            '  coalesce(array_agg(e.value::bigint ORDER BY e.key::%2$s %3$s), ''{}'')'
            '  FROM jsonb_each_text(s.value) e);'
            'ALTER TABLE %1$I DROP COLUMN value, ALTER COLUMN members SET NOT NULL,'
            '  ALTER COLUMN counts SET NOT NULL',
            'nerve_centre_' || snapshot.total || snapshot.late || '_snapshots',
            snapshot.member_type,
            CASE WHEN snapshot.member_type = 'text' THEN 'COLLATE "C"' ELSE '' END
        );
    END LOOP;
END
$$;
