-- The work lists' open referrals, most overdue first (projections.nerve_centre.queries.board):
-- ordered by the date their next step falls due (acknowledgement, then delivery; none once
-- delivered: last), so a page of 200 reads 200 index entries rather than sorting every open
-- referral in scope (a province's: half of all referrals). The expression is the query's
-- (board._DUE, from contributions.DUE_BY) and the predicate its terminal statuses, written
-- out in the query too (a bound array would hide the predicate from a generic plan).
CREATE INDEX IF NOT EXISTS nerve_centre_r_open_due ON nerve_centre_referrals (
    (CASE status WHEN 'made' THEN ack_by WHEN 'acknowledged' THEN deliver_by
                 WHEN 'disputed' THEN deliver_by END),
    made_at, referral_id
) WHERE status <> ALL ('{cancelled,closed,rejected}'::text[]);
