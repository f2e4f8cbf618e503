"""The household's consent and erasure commands (POPIA); their events and state changes are on
``Household``, where the event store finds them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from domain.errors import RuleViolation


class HouseholdConsent:
    """Consent given and withdrawn, personal data erased: a mixin of ``Household``."""

    # State and event methods of ``Household`` these commands use.
    consent: str | None
    personal_data_erased: bool
    _consent_given: Callable[..., None]
    _consent_withdrawn: Callable[..., None]
    _personal_data_erased: Callable[..., None]

    def _ensure_not_erased(self, action: str) -> None:
        if self.personal_data_erased:
            raise RuleViolation(
                "personal-data-erased",
                f"cannot {action}: the household's personal data has been erased",
            )

    def give_consent(
        self,
        *,
        given_by: str,
        basis: str,
        note: str | None,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        """Record consent to process and share the household's personal data."""
        self._ensure_not_erased("record consent")
        self._consent_given(
            given_by=given_by, basis=basis, note=note, occurred_at=occurred_at, actor=actor
        )

    def withdraw_consent(self, note: str | None, occurred_at: datetime, actor: str) -> None:
        """Consent may be withdrawn at any time (POPIA s11(2)(b))."""
        if self.consent == "withdrawn":
            raise RuleViolation("consent-withdrawn", "consent is already withdrawn")
        self._consent_withdrawn(note=note, occurred_at=occurred_at, actor=actor)

    @property
    def has_consent(self) -> bool:
        return self.consent == "given"

    def ensure_may_share_personal_data(self, override_reason: str | None) -> None:
        """Sharing personal data with a department needs consent, or a recorded override."""
        self._ensure_not_erased("share personal data")
        if not self.has_consent and not override_reason:
            raise RuleViolation(
                "referral-needs-consent",
                "sharing personal data needs the household's recorded consent, or a "
                "convener's override reason",
            )

    def erase_personal_data(
        self, reason: str, referral_ids: list[str], occurred_at: datetime, actor: str
    ) -> None:
        """Erase (POPIA s24): the store destroys the data keys when this event commits."""
        self._ensure_not_erased("erase again")
        self._personal_data_erased(
            reason=reason, referral_ids=referral_ids, occurred_at=occurred_at, actor=actor
        )
