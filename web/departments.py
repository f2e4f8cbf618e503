"""The departments a page's forms offer (a seat, a referral, a reassignment): those of the
current catalogue still in service.

The catalogue is reference data that changes a few times a year: a page takes it as this
process last read it, read again once that is ``FRESH_FOR`` old (a change made through this
process shows at once; through another replica, within ``FRESH_FOR``). The command still
checks the live catalogue, so an option retired meanwhile is refused with the reason.
"""

from __future__ import annotations

from fastapi.concurrency import run_in_threadpool

from domain.reference.departments import Catalogue, Department
from domain.sukuma import Sukuma

#: How long (seconds) a page's forms may offer the catalogue this process last read.
FRESH_FOR = 30.0


def _in_service(catalogue: Catalogue) -> list[Department]:
    return [d for d in catalogue.departments if not d.retired]


def in_service(app: Sukuma) -> list[Department]:
    """The departments in service (blocking when the held catalogue is too old: a thread's)."""
    held = app.held_catalogue(FRESH_FOR)
    return _in_service(app.catalogue() if held is None else held)


async def in_service_now(app: Sukuma) -> list[Department]:
    """``in_service`` for a page's async route: the catalogue's read, if due, in a thread."""
    held = app.held_catalogue(FRESH_FOR)
    return _in_service(await run_in_threadpool(app.catalogue) if held is None else held)
