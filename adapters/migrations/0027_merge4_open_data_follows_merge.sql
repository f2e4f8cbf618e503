-- Open data follows a merge of duplicate households (issue 20): while a household is merged,
-- ``merged_into`` names its survivor, so a release counts its facts for the survivor (one
-- household) and leaves its own first profile out; an unmerge clears it. Each referral the
-- merge handed to the survivor's ward keeps the duplicate in ``merged_from``, so an unmerge
-- hands it back. Rows projected before this release hold NULL: right for every household
-- never merged (a database with merges already made: rebuild the open_data view).
ALTER TABLE open_data_households ADD COLUMN IF NOT EXISTS merged_into uuid;
ALTER TABLE open_data_referrals ADD COLUMN IF NOT EXISTS merged_from uuid;
-- The merge finds a duplicate's referrals by its household, the unmerge by ``merged_from``.
CREATE INDEX IF NOT EXISTS open_data_referrals_household
    ON open_data_referrals (household_id);
CREATE INDEX IF NOT EXISTS open_data_referrals_merged_from
    ON open_data_referrals (merged_from) WHERE merged_from IS NOT NULL;

-- The matcher's blocking query reads only (key, household_id): a covering index answers it
-- from the index alone (an index-only scan, no heap visit per key), and replaces the plain one.
CREATE INDEX IF NOT EXISTS matcher_keys_key_household
    ON matcher_keys (key) INCLUDE (household_id);
DROP INDEX IF EXISTS matcher_keys_key;
