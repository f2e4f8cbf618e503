"""risk-v1 reasons as first recorded, reworded as they read now (for the RiskScored upcast).

Until the special categories were sealed, a RiskScored event named them ("TB symptom screen
positive (+15)"). The score and level stay as recorded; only the reasons are reworded, with
the same grouping ``score_risk`` applies today, so an old and a new event read alike.
"""

from __future__ import annotations

import re
from typing import Final

from domain.rules.risk import RISK_FACTORS, worded

# The first wording of each factor that is special personal information, by factor key.
_FIRST_WORDING: Final = {
    "child abuse or neglect concern": "child_abuse_concern",
    "gender-based violence disclosed or suspected": "gbv",
    "suspected malnutrition in a child under five": "malnourished_under_five",
    "TB symptom screen positive": "tb_symptoms",
    "a member is defaulting on treatment": "defaulting_treatment",
    "pregnancy under 18": "teenage_pregnancy",
    "substance abuse in the household": "substance_abuse",
    "suspected malnutrition (aged five or over)": "malnourished",
    "a member with a disability has no disability grant": "disability_without_grant",
    "a chronic condition not on treatment": "chronic_untreated",
    "a child missed immunisation": "missed_immunisation",
    "victim of crime": "crime_victim",
}
_FLOOR: Final = "level raised to high: "
_REASON = re.compile(r"^(?P<wording>.*) \(\+(?P<points>\d+)\)$")


def _now(wording: str) -> str:
    key = _FIRST_WORDING.get(wording)
    return wording if key is None else RISK_FACTORS[key][1]


def reword_first_reasons(reasons: list[str]) -> list[str]:
    """risk-v1 reasons as first recorded, in today's wording (today's reasons are unchanged)."""
    factors: list[tuple[str, int]] = []
    rest: list[str] = []
    for reason in reasons:
        match = _REASON.match(reason)
        if match is not None:
            factors.append((_now(match["wording"]), int(match["points"])))
        elif reason.startswith(_FLOOR):
            rest.append(_FLOOR + _now(reason.removeprefix(_FLOOR)))
        else:
            rest.append(reason)
    return [*worded(factors), *rest]
