-- A person's alert resolution reason is sealed in the event log now and the alerts view keeps
-- none (only that one was written): withhold the reasons the view copied before, as a rebuild
-- of it would. Automatic resolutions keep their fixed wording.
UPDATE alerts_alerts SET resolution = '[withheld]'
WHERE resolution IS NOT NULL AND NOT resolved_automatically;
UPDATE alerts_events SET detail = jsonb_set(detail, '{reason}', '"[withheld]"')
WHERE type = 'Resolved' AND NOT (detail ->> 'automatic')::boolean
  AND jsonb_typeof(detail -> 'reason') = 'string';
