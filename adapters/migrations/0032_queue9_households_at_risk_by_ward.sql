-- A ward's households with open needs, highest risk first (projections.nerve_centre.queries.board
-- households_at_risk with a ward: the households a war room's meeting form offers). By the
-- (ward_id, household_id) index PostgreSQL read every household of the ward, one heap page
-- each, to sort them and keep 50: 2,773 rows and 5.6 ms at 3 million households. This index
-- holds only the rows the query keeps, in its order: 50 rows read, 0.1 ms.
CREATE INDEX IF NOT EXISTS nerve_centre_h_ward_risk
    ON nerve_centre_households (ward_id, risk_score DESC NULLS LAST, household_id)
    WHERE merged_into IS NULL AND open_categories <> '{}';
