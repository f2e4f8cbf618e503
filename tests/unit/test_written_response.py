"""A command's answer is rendered by orjson: the same bytes as Starlette's ``JSONResponse``."""

from __future__ import annotations

import uuid

from fastapi.responses import JSONResponse

from api.commands import written_response


def test_a_written_answer_is_byte_for_byte_the_json_response_it_replaces() -> None:
    aggregate_id = uuid.uuid4()
    extras = [{}, {"visit_id": str(uuid.uuid4())}, {"note": "Ngiyabonga – é ü 😀", "n": None}]
    for version, position, extra in [(3, 42, extras[0]), (1, None, extras[1]), (7, 9, extras[2])]:
        answer = written_response(201, aggregate_id, version, position, extra, "/v1/x")
        content = {"id": str(aggregate_id), "version": version, "position": position, **extra}
        expected = JSONResponse(
            status_code=201, content=content, headers={"ETag": f'"{version}"', "Location": "/v1/x"}
        )
        assert answer.body == expected.body
        assert answer.raw_headers == expected.raw_headers
        assert answer.status_code == 201
