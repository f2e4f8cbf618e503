-- The department league's two totals (department_area, department_due) kept, besides their
-- snapshots and their totals by occurred day (0036), the storage the league as of a day by
-- occurred time read before 0036: their late changes' day and week rows (_history), running
-- totals (_late), snapshots of those (_late_snapshots) and running totals by month
-- (_late_months). No read takes them any more (by recorded time the league reads its
-- snapshots, by occurred time its _occurred rows), and writing them cost the catch-up about
-- a tenth of the nerve centre's work: the projector no longer writes them, and they go.
-- The other totals (area counts, open referrals, ward needs) keep theirs: their reads by
-- occurred time take them.
DROP TABLE IF EXISTS
    nerve_centre_department_area_history,
    nerve_centre_department_due_history,
    nerve_centre_department_area_late,
    nerve_centre_department_due_late,
    nerve_centre_department_area_late_snapshots,
    nerve_centre_department_due_late_snapshots,
    nerve_centre_department_area_late_months,
    nerve_centre_department_due_late_months;
