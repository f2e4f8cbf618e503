"""Reference-data commands: read the current (or an earlier) catalogue, change it (admins).

Until an administrator first changes it, the catalogue is the catalogue file's (version 0,
nothing in the event store). The first change records the file's contents (``Seeded``) and the
change together, so from then on the event store holds every version and who made it.
The catalogue is one small aggregate every replica reads: each process keeps the last state
it loaded and reads only the events recorded after it, so a change made through another
replica applies to the next referral made here.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any

from eventsourcing.persistence import RecordConflictError

from domain.access.policy import NOWHERE, authorize_creation
from domain.application import MAX_ATTEMPTS, ApplicationBase, ConcurrencyExhausted, kind_of
from domain.context import CommandContext, Written
from domain.errors import InvalidCommand, NotFoundError, RuleViolation, VersionConflict
from domain.reference.catalogue import CATALOGUE_ID, ServiceCatalogue
from domain.reference.departments import Catalogue, load_catalogue_file, shipped_catalogue

#: The eventsourcing env key naming the operator's catalogue file (unset: the shipped one).
CATALOGUE_FILE_KEY = "REFERENCE_DATA_FILE"


class ReferenceCommands(ApplicationBase):
    """The service catalogue: from its file until first changed, then event-sourced."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._catalogue_lock = threading.Lock()
        self._catalogue_state: ServiceCatalogue | None = None
        self._catalogue_value: Catalogue | None = None
        #: When (``time.monotonic``) the held catalogue was last known current: its query began.
        self._catalogue_read_at = float("-inf")
        if self.env.get(CATALOGUE_FILE_KEY):
            self.catalogue_file  # noqa: B018  (an operator's bad file stops the start, not a referral)

    # ---- reading -------------------------------------------------------------------------------

    @cached_property
    def catalogue_file(self) -> tuple[Catalogue, str]:
        """The configured file's catalogue and where it came from (read once per process)."""
        configured = self.env.get(CATALOGUE_FILE_KEY)
        if not configured:
            return shipped_catalogue(), "shipped defaults"
        return load_catalogue_file(Path(configured)), configured

    def catalogue(self, version: int | None = None) -> Catalogue:
        """The current catalogue, or version ``version`` (0: the file's, before any change);
        a referral records the ``version`` label of the one it was made under."""
        if version is None:
            return self.current_catalogue()[1]
        if version == 0:
            return self.catalogue_file[0]
        current = self.current_catalogue()[0]
        if not 1 <= version <= current:
            raise NotFoundError("catalogue version", version)
        return self.get(ServiceCatalogue, CATALOGUE_ID, version=version).catalogue()

    def current_catalogue(self) -> tuple[int, Catalogue]:
        """(version, catalogue) now: what this process had, plus any events recorded since."""
        state, catalogue = self._catalogue_now()
        return (state.version if state is not None else 0), catalogue

    def held_catalogue(self, max_age: float) -> Catalogue | None:
        """The current catalogue as this process last read it, if that was less than
        ``max_age`` seconds ago (its own changes read it at once; another replica's show after
        ``max_age`` at most), without a query; ``None``: read it (``catalogue()``)."""
        if time.monotonic() - self._catalogue_read_at >= max_age:
            return None
        return self._catalogue_value

    def _catalogue_now(self) -> tuple[ServiceCatalogue | None, Catalogue]:
        # The query runs outside the lock, so concurrent commands do not queue on it.
        held = self._catalogue_state
        seen = held.version if held is not None else 0
        asked_at = time.monotonic()
        newer = list(self.repository.event_store.get(CATALOGUE_ID, gt=seen))
        with self._catalogue_lock:
            self._catalogue_read_at = max(self._catalogue_read_at, asked_at)
            state = self._catalogue_state
            unseen = [e for e in newer if e.originator_version > (state.version if state else 0)]
            if unseen:
                state = copy.deepcopy(state)
                for stored in unseen:
                    assert isinstance(stored, ServiceCatalogue.Event)
                    state = stored.mutate(state)
                assert isinstance(state, ServiceCatalogue)
                self._catalogue_state, self._catalogue_value = state, state.catalogue()
            if self._catalogue_value is None:
                self._catalogue_value = self.catalogue_file[0]
            return self._catalogue_state, self._catalogue_value

    def _check_department(self, code: str, field: str = "department") -> None:
        """New work (a referral, a reassignment, a war-room seat) goes only to a department of
        the current catalogue that is not retired."""
        try:
            self.catalogue().in_service(code)
        except NotFoundError:
            raise InvalidCommand(
                field, f"unknown department {code!r} (see GET /v1/departments)"
            ) from None
        except RuleViolation as exc:
            raise InvalidCommand(field, exc.message) from None

    # ---- changing (administrators) ----------------------------------------------------------

    def _change_catalogue(
        self, ctx: CommandContext, command: Callable[[ServiceCatalogue], None]
    ) -> Written:
        """Apply one change; the first change also records the file it started from."""
        if ctx.principal is not None:
            # Public reference data: a caller who may not change it gets 403, never 404.
            authorize_creation(ctx.principal, f"{kind_of(ServiceCatalogue)}.change", NOWHERE)
        for _ in range(MAX_ATTEMPTS):
            current, _ = self._catalogue_now()
            version = current.version if current is not None else 0
            if ctx.expected_version is not None and version != ctx.expected_version:
                raise VersionConflict(ctx.expected_version, version)
            state = copy.deepcopy(current)
            if state is None:
                catalogue, source = self.catalogue_file
                state = ServiceCatalogue.seed(catalogue, source, ctx.occurred_at, ctx.actor)
            command(state)
            try:
                written = self._save(ctx, state, ())
            except RecordConflictError:
                if ctx.expected_version is not None:
                    now = self.current_catalogue()[0]
                    raise VersionConflict(ctx.expected_version, now) from None
                continue  # another administrator (or replica) changed it: re-decide
            self.current_catalogue()  # this process sees its own change at once
            return written
        raise ConcurrencyExhausted("the service catalogue is being changed concurrently")

    def add_department(self, *, code: str, name: str, kind: str, ctx: CommandContext) -> Written:
        return self._change_catalogue(
            ctx,
            lambda c: c.add_department(
                code=code, name=name, kind=kind, occurred_at=ctx.occurred_at, actor=ctx.actor
            ),
        )

    def rename_department(self, *, code: str, name: str, ctx: CommandContext) -> Written:
        return self._change_catalogue(
            ctx,
            lambda c: c.rename_department(
                code=code, name=name, occurred_at=ctx.occurred_at, actor=ctx.actor
            ),
        )

    def retire_department(self, *, code: str, ctx: CommandContext) -> Written:
        return self._change_catalogue(
            ctx,
            lambda c: c.retire_department(code=code, occurred_at=ctx.occurred_at, actor=ctx.actor),
        )

    def route_need(self, *, category: str, department: str, ctx: CommandContext) -> Written:
        return self._change_catalogue(
            ctx,
            lambda c: c.route_need(
                category=category,
                department=department,
                occurred_at=ctx.occurred_at,
                actor=ctx.actor,
            ),
        )

    def set_service_standard(
        self,
        *,
        department: str,
        category: str,
        ack_within_days: int,
        deliver_within_days: int,
        ctx: CommandContext,
    ) -> Written:
        return self._change_catalogue(
            ctx,
            lambda c: c.set_standard(
                department=department,
                category=category,
                ack_within_days=ack_within_days,
                deliver_within_days=deliver_within_days,
                occurred_at=ctx.occurred_at,
                actor=ctx.actor,
            ),
        )

    def remove_service_standard(
        self, *, department: str, category: str, ctx: CommandContext
    ) -> Written:
        return self._change_catalogue(
            ctx,
            lambda c: c.remove_standard(
                department=department,
                category=category,
                occurred_at=ctx.occurred_at,
                actor=ctx.actor,
            ),
        )

    def change_default_standard(
        self, *, ack_within_days: int, deliver_within_days: int, ctx: CommandContext
    ) -> Written:
        return self._change_catalogue(
            ctx,
            lambda c: c.change_default_standard(
                ack_within_days=ack_within_days,
                deliver_within_days=deliver_within_days,
                occurred_at=ctx.occurred_at,
                actor=ctx.actor,
            ),
        )
