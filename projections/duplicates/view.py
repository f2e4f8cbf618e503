"""The duplicates read model: candidate pairs for review, and where each household is now.

Tables (prefixed ``duplicates_``): ``households`` (each household's ward and the areas above
it, so a pair is listed to whoever may see both households where they are now) and
``candidates`` (one row per pair: the evidence's numbers, never a name, and the decision).
"""

from __future__ import annotations

from typing import ClassVar

from projections.statements import HOUSEHOLD_PLACE, StatementView, Upsert

NAME = "duplicates"
HOUSEHOLDS = f"{NAME}_households"
CANDIDATES = f"{NAME}_candidates"

# In the order the events came: a page may propose, merge and undo one pair.
_STATEMENTS: dict[str, str | Upsert] = {
    "household": HOUSEHOLD_PLACE,
    "proposed": "INSERT INTO {t_candidates} (candidate_id, household_a, household_b, score, "
    "field_scores, same_id_number, rule_version, status, proposed_at) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, 'open', %s) ON CONFLICT (candidate_id) DO NOTHING",
    "decided": "UPDATE {t_candidates} SET status = %s, survivor_id = %s, decided_at = %s, "
    "decided_by = %s WHERE candidate_id = %s",
}


class DuplicatesView(StatementView):
    tables: ClassVar[tuple[str, ...]] = ("households", "candidates")
    statements = _STATEMENTS
