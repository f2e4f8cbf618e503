-- Appends go through the library's recorder (adapters.event_store): the group commit's
-- function (0002) is called no more.
DROP FUNCTION IF EXISTS sukuma_events_append(
    stored_event_uuid[], text[], text[], text[], int[], jsonb[], uuid[], bigint[], int[]
);
