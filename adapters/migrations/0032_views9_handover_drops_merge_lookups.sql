-- The views place a merged duplicate's referrals by the referrals' own events
-- (Referral.HandedOver), no longer by finding them from the households' merge events: these
-- indexes served only those look-ups (0027: open data's referrals by household and by
-- merged_from, its households by merged_into; 0029: field capture's referrals by household and
-- by held_by) and are now written on every referral for no reader. The nerve centre's
-- (0022) still serve its merge's naming of the duplicate's referrals.
DROP INDEX IF EXISTS open_data_referrals_household;
DROP INDEX IF EXISTS open_data_referrals_merged_from;
DROP INDEX IF EXISTS open_data_households_merged_into;
DROP INDEX IF EXISTS field_capture_referrals_household;
DROP INDEX IF EXISTS field_capture_referrals_held_by;
