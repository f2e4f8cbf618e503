-- Offline sync's changes feed (projections.nerve_centre.queries.changes) reads households and
-- referrals past a log position, in position order.
CREATE INDEX IF NOT EXISTS nerve_centre_h_position ON nerve_centre_households (position);
CREATE INDEX IF NOT EXISTS nerve_centre_r_position ON nerve_centre_referrals (position);
