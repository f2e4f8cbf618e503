-- A merged duplicate's referrals follow its survivor further (issue 20): the early-warning
-- clocks and the field-capture view hand its open referrals to the survivor's ward while
-- merged, a move of the survivor carries them on, and the unmerge puts them back.
--
-- Field capture: each referral's household, whether it is open, and the survivor holding it
-- while its household is merged (``held_by``). Filled in place from the nerve centre's rows
-- (which already hand a merged duplicate's open referrals to its survivor's ward), so no
-- rebuild is needed; the departures a merge made before this release would have written are
-- not written (a phone of the duplicate's ward keeps such a referral until it syncs afresh).
ALTER TABLE field_capture_referrals ADD COLUMN IF NOT EXISTS household_id uuid;
ALTER TABLE field_capture_referrals ADD COLUMN IF NOT EXISTS open boolean NOT NULL DEFAULT true;
ALTER TABLE field_capture_referrals ADD COLUMN IF NOT EXISTS held_by uuid;
UPDATE field_capture_referrals f
SET household_id = coalesce(n.merged_from, n.household_id),
    open = n.status NOT IN ('closed', 'rejected', 'cancelled'),
    held_by = CASE WHEN n.merged_from IS NOT NULL
        AND n.status NOT IN ('closed', 'rejected', 'cancelled') THEN n.household_id END,
    ward_id = n.ward_id, municipality = n.municipality, district = n.district
FROM nerve_centre_referrals n
WHERE n.referral_id = f.referral_id;
-- The merge finds a duplicate's referrals by its household, a survivor's move by ``held_by``.
CREATE INDEX IF NOT EXISTS field_capture_referrals_household
    ON field_capture_referrals (household_id);
CREATE INDEX IF NOT EXISTS field_capture_referrals_held_by
    ON field_capture_referrals (held_by) WHERE held_by IS NOT NULL;

-- Early warning: a household's state lists the referrals made for it (``referrals``), so a
-- merge finds them without a search of the referrals' states. A state written before this
-- release has no list: its first merge searches the referrals' states once and keeps it
-- (rows are left as they are). A merge standing from before this release has not handed
-- its referrals' clocks to the survivor's ward: rebuild the early_warning view once if so.

-- Open data: a survivor's move finds the households merged into it.
CREATE INDEX IF NOT EXISTS open_data_households_merged_into
    ON open_data_households (merged_into) WHERE merged_into IS NOT NULL;
