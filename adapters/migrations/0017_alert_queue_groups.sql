-- The alert queue at province scale (1.1 million open alerts for 3 million households): the
-- open alerts counted per rule, level, area and department, kept by the alerts projection in
-- the same transaction as the alerts it counts (projections.alerts.view). The queue sums these
-- few thousand rows instead of grouping a million. Key columns hold '' where an alert has no
-- ward or department (an area's or a department's alert).
CREATE TABLE IF NOT EXISTS alerts_groups (
    rule text NOT NULL, level int NOT NULL, ward_id text NOT NULL, municipality text NOT NULL,
    district text NOT NULL, department text NOT NULL,
    alerts bigint NOT NULL, unacknowledged bigint NOT NULL,
    oldest timestamptz NOT NULL, level_since timestamptz NOT NULL,
    PRIMARY KEY (rule, level, ward_id, municipality, district, department)
);
INSERT INTO alerts_groups
    SELECT rule, level, coalesce(ward_id, ''), coalesce(municipality, ''),
           coalesce(district, ''), coalesce(department, ''), count(*),
           count(*) FILTER (WHERE status = 'open'), min(raised_at), min(level_since)
    FROM alerts_alerts WHERE status <> 'resolved' GROUP BY 1, 2, 3, 4, 5, 6
    ON CONFLICT DO NOTHING;
-- The projection recounts the groups a page of changes touched through this index.
CREATE INDEX IF NOT EXISTS alerts_open_group ON alerts_alerts
    (rule, level, coalesce(ward_id, ''), coalesce(department, '')) WHERE status <> 'resolved';
-- A group's oldest open alerts (its page, a bulk action's batch) without sorting a district's.
CREATE INDEX IF NOT EXISTS alerts_open_oldest ON alerts_alerts
    (rule, level, raised_at, alert_id) WHERE status <> 'resolved';
