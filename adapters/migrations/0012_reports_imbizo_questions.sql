-- The questions a community raised at its imbizo, and what became of them ("you said, we
-- did"), on each war room's row (projections.war_rooms): a JSON list in the order they were
-- recorded. Each question's and answer's text is kept as the event store seals it. No war
-- room recorded one before this release, so every existing row starts with none.
ALTER TABLE war_rooms_rooms ADD COLUMN IF NOT EXISTS imbizo_questions jsonb NOT NULL DEFAULT '[]';
