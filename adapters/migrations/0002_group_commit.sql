-- The function a shared append calls (adapters.group_commit): receipts, then the events
-- table's lock, the events, each receipt's position, all in one server-side call.
-- On its own, so that a later migration can drop it with the group commit.
-- Its lock_timeout is SUKUMA_DATABASE_LOCK_TIMEOUT, set by `sukuma migrate` on each run.
CREATE OR REPLACE FUNCTION sukuma_events_append(
    events stored_event_uuid[], r_actor text[], r_key text[], r_fingerprint text[],
    r_status int[], r_body jsonb[], r_aggregate uuid[], r_version bigint[], r_end int[]
) RETURNS SETOF bigint LANGUAGE plpgsql SET search_path FROM CURRENT AS $BODY$
DECLARE ids bigint[];
BEGIN
    -- Receipts before the lock, ordered by key: a racing retry waits on its key's row, not
    -- on the table, and two batches cannot deadlock on each other's keys.
    IF cardinality(r_key) > 0 THEN
        INSERT INTO sukuma_idempotency (actor, key, fingerprint, status_code, body,
            aggregate_id, version)
        SELECT * FROM unnest(r_actor, r_key, r_fingerprint, r_status, r_body,
            r_aggregate, r_version) ORDER BY 1, 2;
    END IF;
    LOCK TABLE sukuma_events IN EXCLUSIVE MODE;
    NOTIFY "sukuma_events";
    WITH inserted AS (
        INSERT INTO sukuma_events (originator_id, originator_version, topic, state)
        SELECT originator_id, originator_version, topic, state FROM unnest(events)
        RETURNING notification_id)
    SELECT array_agg(notification_id ORDER BY notification_id) INTO ids FROM inserted;
    IF cardinality(r_key) > 0 THEN
        UPDATE sukuma_idempotency AS r SET position = ids[u.e]
        FROM unnest(r_actor, r_key, r_end) AS u(a, k, e)
        WHERE r.actor = u.a AND r.key = u.k;
    END IF;
    RETURN QUERY SELECT unnest(ids);
END
$BODY$;
