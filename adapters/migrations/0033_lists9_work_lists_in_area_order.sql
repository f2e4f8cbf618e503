-- The work lists of a few areas (projections.nerve_centre.queries.board: a convener's ward,
-- an officer's department in its municipality) read each area's rows by an index in the
-- list's own order, a page's worth, instead of every row of the area sorted: at 3 million
-- households a ward holds about 2,200 households with open needs (on as many heap pages) and
-- 900 open referrals, and an officer's municipality 5,000 open referrals to its department,
-- where the API's reads of the same area stop after a page.
--
-- A ward's households with open needs, highest risk first (the households page).
CREATE INDEX IF NOT EXISTS nerve_centre_h_ward_risk ON nerve_centre_households (
    ward_id, risk_score DESC NULLS LAST, household_id
) WHERE open_categories <> '{}' AND merged_into IS NULL;
-- Open referrals most overdue first, in a ward (the board) and a department's in a
-- municipality (an officer's inbox): the due expression and open predicate of
-- nerve_centre_r_open_due (migration 0028).
CREATE INDEX IF NOT EXISTS nerve_centre_r_open_ward_due ON nerve_centre_referrals (
    ward_id,
    (CASE status WHEN 'made' THEN ack_by WHEN 'acknowledged' THEN deliver_by
                 WHEN 'disputed' THEN deliver_by END),
    made_at, referral_id
) WHERE status <> ALL ('{cancelled,closed,rejected}'::text[]);
CREATE INDEX IF NOT EXISTS nerve_centre_r_open_muni_dept_due ON nerve_centre_referrals (
    municipality, department,
    (CASE status WHEN 'made' THEN ack_by WHEN 'acknowledged' THEN deliver_by
                 WHEN 'disputed' THEN deliver_by END),
    made_at, referral_id
) WHERE status <> ALL ('{cancelled,closed,rejected}'::text[]);
