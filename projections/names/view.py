"""The names read model: what a list needs to name a household, its personal part still sealed.

Tables (prefixed ``names_``): ``heads``, each household's ward and consent (who may see its
name) and its head's first name and surname exactly as the event store sealed them (the
profile event's own ciphertext, under the household's data key); ``referrals``, the referrals
made sharing personal data (a department officer sees a head's name through one of those).
The view never holds a key: erasure destroys the household's key and the copy stops opening,
whether or not the view has caught up. Its rows are opened by ``projections.names.queries``.
"""

from __future__ import annotations

from typing import ClassVar

from projections.statements import RowKeys, StatementView, Upsert

NAME = "names"
TRACKING = f"{NAME}_tracking"
HEADS = f"{NAME}_heads"
REFERRALS = f"{NAME}_referrals"

#: The head's parts of a profile, as ``domain.access.visibility`` names them.
PARTS = ("first_name", "surname")

_HEAD = "head_member_id = %s, first_name = %s, surname = %s, resolved = '{{}}'"

# In the order the events came: a page may register, profile and move one household.
_STATEMENTS: dict[str, str | Upsert] = {
    "registered": Upsert(
        "heads", ("household_id", "ward_id"), key=("household_id",), update=("ward_id",)
    ),
    "moved": "UPDATE {t_heads} SET ward_id = %s WHERE household_id = %s",
    # A profile observed before the current one is kept in the history, not current (as the
    # aggregate's ``on_profile_submitted``); the profiling form may record consent.
    "profiled": f"UPDATE {{t_heads}} SET profile_at = %s, {_HEAD}, "
    "consent = CASE WHEN %s THEN 'given' ELSE consent END "
    "WHERE household_id = %s AND (profile_at IS NULL OR profile_at <= %s)",
    "merged": f"UPDATE {{t_heads}} SET profile_at = greatest(profile_at, %s), {_HEAD} "
    "WHERE household_id = %s",
    **{
        f"resolved_{part}": f"UPDATE {{t_heads}} SET {part} = %s, "
        f"resolved = array_append(array_remove(resolved, '{part}'), '{part}') "
        "WHERE household_id = %s AND head_member_id = %s"
        for part in PARTS
    },
    "consent": "UPDATE {t_heads} SET consent = %s WHERE household_id = %s",
    # The key is destroyed already (the copy no longer opens); the copy goes too.
    "erased": "UPDATE {t_heads} SET first_name = NULL, surname = NULL, resolved = '{{}}' "
    "WHERE household_id = %s",
    "shared": Upsert("referrals", ("referral_id", "household_id"), key=("referral_id",)),
}


# Each statement changes one row (a household's head, a referral) and reads no other.
_ROW_KEYS: dict[str, RowKeys] = {
    "registered": ("heads", 0),
    "moved": ("heads", 1),
    "profiled": ("heads", 5),
    "merged": ("heads", 4),
    **{f"resolved_{part}": ("heads", 1) for part in PARTS},
    "consent": ("heads", 1),
    "erased": ("heads", 0),
    "shared": ("referrals", 0),
}


class NamesView(StatementView):
    tables: ClassVar[tuple[str, ...]] = ("heads", "referrals")
    statements = _STATEMENTS
    row_keys = _ROW_KEYS
