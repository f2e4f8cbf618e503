-- A merge of duplicate households followed by the views (issue 20). The nerve centre keeps
-- each household's own row; while it is merged, ``merged_into`` names its survivor (the row
-- counts for nothing and its open needs are folded into the survivor's row), and each of its
-- referrals names the survivor as its household with ``merged_from`` the duplicate, so an
-- unmerge puts everything back. Rows projected before this release hold NULL: right for
-- every household never merged (a database with merges already made: rebuild the view).
ALTER TABLE nerve_centre_households ADD COLUMN IF NOT EXISTS merged_into uuid;
ALTER TABLE nerve_centre_households_versions ADD COLUMN IF NOT EXISTS merged_into uuid;
ALTER TABLE nerve_centre_referrals ADD COLUMN IF NOT EXISTS merged_from uuid;
ALTER TABLE nerve_centre_referrals_versions ADD COLUMN IF NOT EXISTS merged_from uuid;
-- An unmerge finds the duplicate's referrals by it (only merged rows are in the index).
CREATE INDEX IF NOT EXISTS nerve_centre_r_merged_from
    ON nerve_centre_referrals (merged_from) WHERE merged_from IS NOT NULL;
-- The merge finds a duplicate's referrals in its ward (its referrals follow it when it moves).
CREATE INDEX IF NOT EXISTS nerve_centre_r_ward_household
    ON nerve_centre_referrals (ward_id, household_id);

-- The caseloads view: a merged household leaves its field worker's caseload while merged.
ALTER TABLE caseloads_households ADD COLUMN IF NOT EXISTS merged_into uuid;
-- A survivor's visits due read its duplicates' last visits through it (only merged rows).
CREATE INDEX IF NOT EXISTS caseloads_merged_into
    ON caseloads_households (merged_into) WHERE merged_into IS NOT NULL;

-- The duplicate matcher's index follows the log like a projection: the position up to which
-- every profile recorded is indexed (``adapters.matching.follower``), so a process that died
-- between a profile's save and its indexing leaves nothing unindexed once it catches up.
CREATE TABLE IF NOT EXISTS matcher_tracking (
    application_name text PRIMARY KEY,
    notification_id bigint NOT NULL
);
-- Each card records the household version it was made from: catching up skips a household
-- whose card is already as new as the event (the command indexed it at once).
ALTER TABLE matcher_cards ADD COLUMN IF NOT EXISTS version bigint;
-- Households profiled before this release were indexed as they were recorded (or are by
-- ``sukuma duplicates scan``): follow on from where the nerve centre is, not the log's start.
INSERT INTO matcher_tracking (application_name, notification_id)
SELECT application_name, notification_id FROM nerve_centre_tracking
ON CONFLICT (application_name) DO NOTHING;
