"""The rules file: each rule's version, thresholds and start level; escalation; subscribers."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, Field, ValidationInfo, model_validator

from domain.access.policy import subscriber_scope_problem
from domain.delivery.rating import RatingThresholds
from domain.escalation import DEFAULT_DAYS_AT_LEVEL, Ladder
from domain.reference.departments import Catalogue

DEFAULT_RULES_FILE = Path(__file__).with_name("rules.toml")


class RatingConfig(BaseModel):
    """The rating a target's gap to trajectory suggests: behind by at most ``amber_green`` of
    the planned value 3, by at most ``amber_red`` 2, further 1 (on or above it 4)."""

    amber_green: float = Field(default=0.10, ge=0, le=1)
    amber_red: float = Field(default=0.25, ge=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> RatingConfig:
        if self.amber_green > self.amber_red:
            raise ValueError("amber_green must not be more than amber_red")
        return self

    @property
    def thresholds(self) -> RatingThresholds:
        return RatingThresholds(self.amber_green, self.amber_red)


class RuleConfig(BaseModel):
    """One rule's settings (only those it uses are set)."""

    version: str
    enabled: bool = True
    level: int = Field(default=1, ge=1, le=4, description="start level")
    days: float = Field(default=0, ge=0, description="days the situation lasts before it warns")
    high_level: int | None = Field(default=None, ge=1, le=4)
    high_level_after_days: float | None = Field(default=None, ge=0)
    min_count: int = Field(default=0, ge=0)
    min_share: float = Field(default=0, ge=0, le=1)
    factor: float = Field(default=1, gt=0)
    weeks: int = Field(default=8, ge=1)
    window_days: int = Field(default=28, ge=1)
    #: the file's one ``[rating]`` (EW-12's level follows the rating a target's gap suggests)
    rating: RatingConfig = RatingConfig()


class EscalationConfig(BaseModel):
    """The ladder's days at each level (1 -> 2, 2 -> 3, 3 -> 4), for alerts and referrals."""

    after_days: list[float] = Field(default=list(DEFAULT_DAYS_AT_LEVEL), min_length=3, max_length=3)

    @property
    def ladder(self) -> Ladder:
        return Ladder.of(self.after_days)


class Subscriber(BaseModel):
    """Receives new and escalated alerts at or above its level that a user with its scopes
    could read (``domain.access.policy.subscriber_sees``).

    ``scope`` is one access scope (``district:DC22``) or several: an area, and for a
    department's desk its departments in it (``["department:DOH", "district:DC22"]``).
    """

    name: str
    scope: str | list[str]
    min_level: int = Field(default=1, ge=1, le=4)
    webhook_url: str | None = None
    webhook_secret: str | None = None
    email: str | None = None

    @property
    def scopes(self) -> tuple[str, ...]:
        return (self.scope,) if isinstance(self.scope, str) else tuple(self.scope)

    @model_validator(mode="after")
    def _known_scopes(self, info: ValidationInfo) -> Subscriber:
        # Departments as the installation's catalogue has them (load_rules_file's), if given.
        catalogue = (info.context or {}).get("catalogue")
        problem = subscriber_scope_problem(self.scopes, catalogue)
        if problem:
            raise ValueError(f"subscriber {self.name!r}, scope: {problem}")
        return self


class RulesFile(BaseModel):
    escalation: EscalationConfig = EscalationConfig()
    rating: RatingConfig = RatingConfig()
    rules: dict[str, RuleConfig]
    subscribers: list[Subscriber] = []

    @model_validator(mode="after")
    def _one_rating(self) -> RulesFile:
        for rule in self.rules.values():
            rule.rating = self.rating
        return self

    @model_validator(mode="after")
    def _unique_subscribers(self) -> RulesFile:
        names = [s.name for s in self.subscribers]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            # deliveries are recorded, and queued in order, per subscriber name
            raise ValueError(f"subscriber names must be unique: {', '.join(repeated)}")
        return self


def load_rules_file(path: Path | None = None, catalogue: Catalogue | None = None) -> RulesFile:
    """The rules file; its subscribers' departments checked against ``catalogue`` (the current
    service catalogue: an administrator may have added one), else the shipped one."""
    with (path or DEFAULT_RULES_FILE).open("rb") as f:
        return RulesFile.model_validate(tomllib.load(f), context={"catalogue": catalogue})
