-- Alert notes are sealed in the event log now and the alerts view keeps none (only that one
-- was written): withhold the notes the view copied before, as a rebuild of it would.
UPDATE alerts_events SET detail = jsonb_set(detail, '{note}', '"[withheld]"')
WHERE type = 'Acknowledged' AND detail ? 'note' AND jsonb_typeof(detail -> 'note') <> 'null';
