"""Synthetic demo data: a year of Operation Sukuma Sakhe case work in KwaZulu-Natal wards.

``generate(app, households, seed, now=...)`` writes war rooms, field workers, households,
profiles, needs, referrals, visits, interventions, meetings and graduations through the
domain's own aggregates and rules, into a log without case data (else ``CaseDataExists``,
before writing anything); ``is_empty(app)`` says whether the log has any events.
All people, ID numbers, phone numbers and ward numbers are synthetic.
"""

from sukuma.demo.generate import CaseDataExists, DemoSummary, generate, has_case_data, is_empty

__all__ = ["CaseDataExists", "DemoSummary", "generate", "has_case_data", "is_empty"]
