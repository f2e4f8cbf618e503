"""The early-warning projection's cached subject states, and how their clocks are written.

States touched by a page stay cached across pages (the projector is their only writer); a
page's unknown states are loaded in one query first. A subject's clocks are computed from
its state; ``_clocks`` writes those that run or have just stopped.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from projections.base import BufferedProjection
from projections.decoding import uuid_text, uuid_texts
from projections.early_warning import clocks
from projections.early_warning.view import EarlyWarningView, StateKey

CACHE_LIMIT = 200_000
_WORKER_FIELDS = ("field_worker_id", "previous_field_worker_id")
_KINDS = {
    "Household": "household",
    "Referral": "referral",
    "FieldWorker": "field_worker",
    "WarRoom": "war_room",
}


def _kind(event_class: type) -> tuple[str | None, tuple[str, ...]]:
    """An event class's subject kind (if any), and which of its fields name a field worker
    whose state its handler may change (looked up on its events only if the class has them)."""
    if dataclasses.is_dataclass(event_class):  # (the domain's events are)
        fields = {f.name for f in dataclasses.fields(event_class)}
    else:
        fields = set(_WORKER_FIELDS)
    return (
        _KINDS.get(event_class.__qualname__.split(".")[0]),
        tuple(f for f in _WORKER_FIELDS if f in fields),
    )


class SubjectStates(BufferedProjection):
    """Each subject's (aggregate's) state, cached between pages, and its rule clocks."""

    def __init__(self, view: EarlyWarningView) -> None:
        super().__init__(view)
        self.ew: EarlyWarningView = view
        self.cache: dict[StateKey, dict[str, Any]] = {}
        self.subject = ""  # the id of the event being applied, as text
        self._kinds: dict[type, tuple[str | None, tuple[str, ...]]] = {}  # see _kind
        # The prefetched page's events and their ids' text, made once for both (``apply``)
        self._page: Sequence[Any] = ()
        self._subjects: list[str] = []
        self._next = 0

    # ---- cache -----------------------------------------------------------------------------

    def prefetch(self, events: Sequence[Any]) -> None:
        wanted: set[StateKey] = set()
        kinds = self._kinds
        subjects = uuid_texts([event.originator_id for event in events])
        for event, subject in zip(events, subjects, strict=True):
            cls = type(event)
            known = kinds.get(cls)
            if known is None:
                known = kinds[cls] = _kind(cls)
            kind, workers = known
            if kind and event.originator_version > 1:
                wanted.add((kind, subject))
            for worker in workers:
                worker_id = getattr(event, worker, None)
                if worker_id:
                    wanted.add(("field_worker", worker_id))
        self.cache.update(self.ew.load_states(wanted - self.cache.keys()))
        self._page, self._subjects, self._next = events, subjects, 0

    def forget(self) -> None:
        self.cache.clear()

    def cache_full(self) -> bool:
        return len(self.cache) > CACHE_LIMIT

    def apply(self, domain_event: Any, position: int) -> None:
        self.ew.position = position  # clocks record where they changed
        # States are keyed by the id's text: made once per event (by ``prefetch`` if the
        # event is the next of its page, as the batching runner applies them), not in every
        # helper.
        at = self._next
        if at < len(self._page) and self._page[at] is domain_event:
            self.subject = self._subjects[at]
            self._next = at + 1
        else:
            self.subject = uuid_text(domain_event.originator_id)
        super().apply(domain_event, position)

    def _state(self, kind: str) -> dict[str, Any] | None:
        """The cached state of the event's subject (its aggregate)."""
        return self.cache.get((kind, self.subject))

    @staticmethod
    def _idle(state: dict[str, Any], runs: Sequence[bool]) -> bool:
        """Whether none of a subject's clocks runs now nor ran before (most households and
        finished referrals): ``_clocks`` would write nothing, so its keys need not be made."""
        return True not in runs and state.get("running") == []

    def _clocks(
        self,
        state: dict[str, Any],
        keys: Sequence[StateKey],
        runs: Sequence[bool],
        build: clocks.Build,
    ) -> None:
        """Write the subject's clocks (``keys``) that run (``runs``; their rows built by
        ``build`` at the commit) or have just stopped (the state remembers which run)."""
        listed = state.get("running")
        running = listed or ()
        started, stopped = [], []
        ew = self.ew
        for key, runs_now in zip(keys, runs, strict=True):
            if runs_now:
                if ew.run_clock(key, build, state):
                    continue  # (listed since it ran earlier in the window: no tag to make)
                tag = f"{key[0]}|{key[1]}"
                if tag not in running:
                    started.append(tag)
            elif running:  # (most states run no clock: nothing to stop, no tag to make)
                tag = f"{key[0]}|{key[1]}"
                if tag in running:
                    ew.set_clock(key, None)
                    stopped.append(tag)
        if started or stopped or listed is None:  # (kept sorted: most events change none)
            state["running"] = sorted({*running, *started}.difference(stopped))

    def _put(self, kind: str, key: str, state: dict[str, Any]) -> None:
        self.cache[kind, key] = state
        self.ew.states[kind, key] = state

    # ---- field workers (EW-07): their submissions and caseloads -----------------------------

    def _field_worker(self, key: str, change: Any) -> None:
        w = self.cache.get(("field_worker", key))
        if w is None:
            return
        change(w)
        self._put("field_worker", key, w)
        runs = (clocks.field_worker_runs(w),)
        self._clocks(w, (("field_worker_silent", key),), runs, clocks.field_worker_row)

    def _submission(self, field_worker_id: str | None, when: datetime) -> None:
        if field_worker_id:
            self._field_worker(
                field_worker_id,
                lambda w: w.update(last_submission_at=clocks.later(w["last_submission_at"], when)),
            )

    def _caseload(self, field_worker_id: str | None, sign: int, when: datetime | None) -> None:
        """EW-07 reads the caseload: its size, and a household given to the worker restarts
        its silence clock (as an assignment to a ward does)."""

        def change(w: dict[str, Any]) -> None:
            w["caseload"] = max(0, w.get("caseload", 0) + sign)
            if when is not None:
                w["assigned_at"] = clocks.later(w["assigned_at"], when)

        if field_worker_id:
            self._field_worker(field_worker_id, change)
