"""Reference data: geography (province → district → municipality → ward) and departments."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from domain.reference.departments import (
    DEFAULT_ACK_WITHIN_DAYS,
    DEFAULT_DELIVER_WITHIN_DAYS,
    departments,
    standards_table,
)
from domain.reference.geography import geography

router = APIRouter(tags=["reference data"])


@router.get("/geography")
def get_geography() -> dict[str, Any]:
    """Districts, municipalities and wards with their ids (the ward ids are synthetic)."""
    geo = geography()
    return {
        "province": {"code": geo.province.code, "name": geo.province.name},
        "districts": [
            {
                "code": d.code,
                "name": d.name,
                "is_metro": d.is_metro,
                "municipalities": [
                    {
                        "code": m.code,
                        "name": m.name,
                        "seat": m.seat,
                        "wards": [
                            {"id": w.id, "number": w.number, "synthetic": w.synthetic}
                            for w in geo.wards_in("municipality", m.code)
                        ],
                    }
                    for m in geo.municipalities
                    if m.district_code == d.code
                ],
            }
            for d in geo.districts
        ],
    }


@router.get("/departments")
def get_departments() -> dict[str, Any]:
    """Departments and NGOs with their service standards (days to acknowledge and deliver)."""
    standards = standards_table()
    return {
        "departments": [
            {
                "code": d.code,
                "name": d.name,
                "kind": d.kind,
                "service_standards": [
                    {
                        "category": str(s.category),
                        "ack_within_days": s.ack_within_days,
                        "deliver_within_days": s.deliver_within_days,
                        "version": s.version,
                    }
                    for s in standards
                    if s.department == d.code
                ],
            }
            for d in departments()
        ],
        "default": {
            "ack_within_days": DEFAULT_ACK_WITHIN_DAYS,
            "deliver_within_days": DEFAULT_DELIVER_WITHIN_DAYS,
        },
    }
