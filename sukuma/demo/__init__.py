"""Synthetic demo data: a year of Operation Sukuma Sakhe case work in KwaZulu-Natal wards.

``generate(app, households, seed, now=...)`` writes war rooms, field workers, households,
profiles, needs, referrals, visits, interventions, meetings and graduations through the
domain's own aggregates and rules; ``is_empty(app)`` says whether the log has any events.
All people, ID numbers, phone numbers and ward numbers are synthetic.
"""

from sukuma.demo.generate import DemoSummary, generate, is_empty

__all__ = ["DemoSummary", "generate", "is_empty"]
