"""What a sweep did: counts per rule, each part's seconds, and whether it ran to its end."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Summary:
    """What a sweep did, per rule (alerts escalated by schedule under ``escalation``,
    overdue referrals escalated up the ladder under ``referrals``)."""

    raised: Counter[str] = field(default_factory=Counter)
    escalated: Counter[str] = field(default_factory=Counter)
    resolved: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=dict)  # per rule, "escalation", ...
    skipped: bool = False
    stopped: bool = False  # the process stopped it: the rest is swept next time

    def total(self) -> dict[str, int]:
        return {
            "raised": self.raised.total(),
            "escalated": self.escalated.total(),
            "resolved": self.resolved.total(),
            "failed": self.failed.total(),
        }
