"""OpenAPI links: which later operations a command's answer opens, and with which values.

``POST /v1/referrals`` answers the new referral's ``id``: the schema says it is the
``{referral_id}`` of ``/acknowledge``, ``/deliver``, ... ``/close``, and that its ``ETag`` is
their ``If-Match``. Clients read them as documentation; schemathesis' stateful phase follows
them, so a generated sequence walks an object through its lifecycle instead of meeting 404s.
Added to the generated schema once (FastAPI's documented way of extending ``app.openapi``),
so the routers stay as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

Schema = dict[str, Any]


@dataclass(frozen=True)
class Family:
    """The operations under ``prefix`` all name one object by ``parameter``: its creation (a
    POST on ``prefix``) answers it as ``created``, each later command as ``again``. With a
    ``lifecycle``, a command links only to the commands that may follow it (and every read)."""

    prefix: str
    parameter: str
    created: str
    again: str
    lifecycle: Mapping[str, tuple[str, ...]] | None = None


#: A referral's lifecycle (``domain.referrals.model``): after each command, by its path's last
#: segment ("" for making the referral), the commands that may follow it.
REFERRAL_LIFECYCLE = {
    "": ("acknowledge", "reject", "reassign", "cancel", "escalate"),
    "acknowledge": ("deliver", "reject", "reassign", "cancel", "escalate"),
    "reassign": ("acknowledge", "reject", "cancel", "escalate"),
    # An escalation keeps the status it found (made or acknowledged).
    "escalate": ("acknowledge", "deliver", "reject", "reassign", "cancel", "escalate"),
    "deliver": ("verify", "dispute"),
    "dispute": ("reopen",),
    "reopen": ("deliver",),
    "verify": ("close",),
}
_BY_ID = "$response.body#/id"
FAMILIES = (
    Family("/v1/households", "household_id", _BY_ID, _BY_ID),
    Family("/v1/referrals", "referral_id", _BY_ID, _BY_ID, REFERRAL_LIFECYCLE),
    Family("/v1/war-rooms", "room_id", _BY_ID, _BY_ID),
    Family("/v1/field-workers", "worker_id", _BY_ID, _BY_ID),
    Family("/v1/users", "username", "$request.body#/username", "$request.path.username"),
    Family(
        "/v1/departments", "department_code", "$request.body#/code", "$request.path.department_code"
    ),
    # Results and Delivery: a team's and a priority's commands under them may answer another
    # object (a stocktake, a target), so the path names theirs.
    Family("/v1/task-teams", "team_id", _BY_ID, "$request.path.team_id"),
    Family("/v1/priorities", "priority_id", _BY_ID, "$request.path.priority_id"),
    Family("/v1/targets", "target_id", _BY_ID, "$request.path.target_id"),
    Family("/v1/stocktakes", "stocktake_id", _BY_ID, "$request.path.stocktake_id"),
    Family("/v1/solutions", "solution_id", _BY_ID, _BY_ID),
)
#: Creations under another object's path: their answer's id opens the new object's family.
CREATED_UNDER = (
    (("post", "/v1/priorities/{priority_id}/targets"), "/v1/targets", "target_id"),
    (("post", "/v1/task-teams/{team_id}/stocktakes"), "/v1/stocktakes", "stocktake_id"),
)
#: Ids of the parts a command adds (the answer's extra fields), for the routes under them.
PARTS = {
    ("post", "/v1/households/{household_id}/needs"): {"need_id": "$response.body#/need_id"},
    ("post", "/v1/war-rooms/{room_id}/action-items"): {"item_id": "$response.body#/item_id"},
    ("post", "/v1/war-rooms/{room_id}/imbizo-questions"): {
        "question_id": "$response.body#/question_id"
    },
    ("post", "/v1/task-teams/{team_id}/members"): {"member_id": "$response.body#/member_id"},
    ("post", "/v1/task-teams/{team_id}/action-items"): {"item_id": "$response.body#/item_id"},
    ("post", "/v1/targets/{target_id}/chain"): {"link_id": "$response.body#/link_id"},
}


@dataclass(frozen=True)
class Link:
    """One more link: the values ``source``'s success gives ``target``'s parameters (by
    ``location.name``) and body (fields merged into the client's own)."""

    source: tuple[str, str]
    target: tuple[str, str]
    parameters: Mapping[str, str]
    body: Mapping[str, str] | None = None


_WARD = "$response.body#/districts/0/municipalities/0/wards/0/id"
_MUNICIPALITY = "$response.body#/districts/0/municipalities/0/code"
GEOGRAPHY = ("get", "/v1/geography")
#: Links no family gives: the ids a command's body takes, the places the geography lists.
LINKS = (
    Link(
        ("post", "/v1/households/{household_id}/needs"),
        ("post", "/v1/referrals"),
        {},
        {"household_id": "$response.body#/id", "need_id": "$response.body#/need_id"},
    ),
    Link(
        ("post", "/v1/war-rooms/{room_id}/members"),
        ("post", "/v1/war-rooms/{room_id}/action-items"),
        {"path.room_id": "$request.path.room_id"},
        {"owner_member_id": "$response.body#/member_id"},
    ),
    Link(GEOGRAPHY, ("post", "/v1/households"), {}, {"ward_id": _WARD}),
    Link(GEOGRAPHY, ("post", "/v1/war-rooms"), {}, {"ward_id": _WARD}),
    Link(GEOGRAPHY, ("post", "/v1/task-teams"), {}, {"kind": "LTT", "code": _MUNICIPALITY}),
    Link(GEOGRAPHY, ("post", "/v1/priorities"), {}, {"team": "LTT", "team_code": _MUNICIPALITY}),
    Link(
        GEOGRAPHY,
        ("get", "/v1/dashboard/{level}/{code}"),
        {"path.level": "ward", "path.code": _WARD},
    ),
    Link(
        GEOGRAPHY,
        ("get", "/v1/indicators/{level}/{code}"),
        {"path.level": "ward", "path.code": _WARD},
    ),
    Link(GEOGRAPHY, ("get", "/v1/trends"), {"query.level": "ward", "query.code": _WARD}),
    Link(GEOGRAPHY, ("get", "/v1/needs/heatmap"), {"query.municipality": _MUNICIPALITY}),
)

#: Reads that list objects made elsewhere (alerts come from the scheduler, not a command).
LIST_LINKS = (
    (("get", "/v1/alerts"), "/v1/alerts", {"alert_id": "$response.body#/data/0/alert_id"}),
    (
        ("get", "/v1/households"),
        "/v1/households",
        {"household_id": "$response.body#/data/0/household_id"},
    ),
)


def install(app: FastAPI) -> None:
    """Serve the app's OpenAPI schema with the links added (built once, as FastAPI does)."""
    build = app.openapi

    def openapi() -> Schema:
        if app.openapi_schema is None:
            add_links(build())
        return build()

    app.openapi = openapi  # type: ignore[method-assign]


def add_links(schema: Schema) -> None:
    """Add the links to a generated schema, in place (an unknown route fails loudly here)."""
    paths: dict[str, dict[str, Schema]] = schema["paths"]
    elsewhere = {path for (_, path), _, _ in CREATED_UNDER}  # they answer another object
    for family in FAMILIES:
        for path, methods in paths.items():
            if path.startswith(family.prefix) and "post" in methods and path not in elsewhere:
                created = path == family.prefix
                known = {family.parameter: family.created if created else family.again}
                known |= PARTS.get(("post", path), {})
                follows = None
                if family.lifecycle is not None:
                    step = "" if created else path.rsplit("/", 1)[-1]
                    follows = family.lifecycle.get(step, ())
                _link_to_family(
                    paths, methods["post"], family.prefix, known, same_object=True, follows=follows
                )
    for link in LINKS:
        target = paths[link.target[1]][link.target[0]]
        definition: Schema = {"operationId": target["operationId"], "parameters": link.parameters}
        if link.body is not None:
            definition["requestBody"] = link.body
        links = _success(paths[link.source[1]][link.source[0]]).setdefault("links", {})
        links[target["operationId"]] = definition
    for (method, path), prefix, known in LIST_LINKS:
        _link_to_family(paths, paths[path][method], prefix, known, same_object=False)
    for (method, path), prefix, parameter in CREATED_UNDER:
        known = {parameter: _BY_ID}
        _link_to_family(paths, paths[path][method], prefix, known, same_object=True)


def _link_to_family(
    paths: dict[str, dict[str, Schema]],
    source: Schema,
    prefix: str,
    known: dict[str, str],
    *,
    same_object: bool,
    follows: tuple[str, ...] | None = None,
) -> None:
    """Link ``source``'s success to every operation under ``prefix`` whose path parameters
    it names (commands only to those ``follows`` names, when given); a command on the same
    object also gets the answer's ETag as If-Match."""
    links = _success(source).setdefault("links", {})
    for path, methods in paths.items():
        if not path.startswith(prefix + "/"):
            continue
        for method, target in methods.items():
            names = _path_parameters(target)
            if not names or not names <= known.keys():
                continue
            if method == "post" and follows is not None and path.rsplit("/", 1)[-1] not in follows:
                continue
            parameters = {f"path.{name}": known[name] for name in sorted(names)}
            if same_object and _declares(target, "If-Match"):
                parameters["header.If-Match"] = "$response.header.ETag"
            links[target["operationId"]] = {
                "operationId": target["operationId"],
                "parameters": parameters,
            }


def _success(operation: Schema) -> Schema:
    """The operation's documented success answer (201 or 200)."""
    responses: dict[str, Schema] = operation["responses"]
    return next(responses[code] for code in ("201", "200") if code in responses)


def _path_parameters(operation: Schema) -> set[str]:
    return {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}


def _declares(operation: Schema, header: str) -> bool:
    return any(p["in"] == "header" and p["name"] == header for p in operation.get("parameters", []))
