-- Background workers' proof of life (projections.liveness): each projection's position and
-- the scheduler's last sweep, with when they were written. /readyz and /metrics read it, so it
-- works when the projector and the scheduler run in other processes than the API.
CREATE TABLE IF NOT EXISTS sukuma_heartbeats (
    worker text PRIMARY KEY,
    position bigint,
    beat_at timestamptz NOT NULL DEFAULT now(),
    detail text
);
