"""Every JSON document the gateway sends on proxy routes validates against OpenAI's own schemas.

Raw HTTP (requests) here, so nothing is hidden by an SDK's leniency.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from e2e_support import FLAVORS, HTTP_TIMEOUT, WEATHER_TOOL, Endpoint, Stack, assert_valid, parse_sse


def post(stack: Stack, path: str, body: Any, key: str | None = None, raw_body: bytes | None = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {key or stack.key}"}
    if raw_body is not None:
        headers["Content-Type"] = "application/json"
        return requests.post(f"{stack.gateway.url}{path}", data=raw_body, headers=headers, timeout=HTTP_TIMEOUT)
    return requests.post(f"{stack.gateway.url}{path}", json=body, headers=headers, timeout=HTTP_TIMEOUT)


def chat_body(endpoint: Endpoint, content: str, **extra: Any) -> dict[str, Any]:
    return {"model": endpoint.model, "messages": [{"role": "user", "content": content}], **extra}


def assert_stream_valid(response: requests.Response, what: str, expect_error: bool = False) -> list[Any]:
    """Validates every data event of an SSE answer; returns the decoded chunks (error last, if any)."""
    assert response.status_code == 200, f"{what}: {response.status_code} {response.text[:500]}"
    assert response.headers.get("content-type", "").startswith("text/event-stream"), response.headers
    assert response.headers.get("x-request-id"), f"{what}: no x-request-id header"
    events = [event for event in parse_sse(response.content) if event.data is not None]
    assert events, f"{what}: no data events"
    documents = []
    for position, event in enumerate(events):
        is_last = position == len(events) - 1
        if event.data == "[DONE]":
            assert is_last, f"{what}: [DONE] is the last event"
            assert not expect_error, f"{what}: no [DONE] after a stream error"
            continue
        document = json.loads(event.data)
        if "error" in document:
            assert expect_error and is_last, f"{what}: unexpected error event at {position}: {event.data}"
            assert_valid("ErrorResponse", document, f"{what}, error event")
        else:
            assert_valid("CreateChatCompletionStreamResponse", document, f"{what}, chunk {position}")
        documents.append(document)
    if expect_error:
        assert "error" in documents[-1], f"{what}: the stream should end with an error event"
    else:
        assert events[-1].data == "[DONE]", f"{what}: the stream ends with data: [DONE]"
    return documents


def assert_error(response: requests.Response, status: int, code: str, what: str, param: str | None = None) -> dict:
    assert response.status_code == status, f"{what}: expected {status}, got {response.status_code} {response.text[:500]}"
    assert response.headers.get("content-type", "").startswith("application/json"), response.headers
    document = response.json()
    assert_valid("ErrorResponse", document, what)
    assert document["error"]["code"] == code, f"{what}: {document}"
    if param is not None:
        assert document["error"]["param"] == param, f"{what}: {document}"
    return document


@pytest.mark.parametrize("flavor", FLAVORS)
def test_non_stream_answers_validate(stack: Stack, flavor: str, marker: str):
    endpoint = stack.endpoints[flavor]
    for path in (f"{endpoint.path}/chat/completions", endpoint.path):
        for content in (f"plain {marker}", f"[mock tools] weather in Oslo? {marker}"):
            extra = {"tools": [WEATHER_TOOL]} if "[mock tools]" in content else {}
            response = post(stack, path, chat_body(endpoint, content, **extra))
            what = f"POST {path} ({content.split(']')[0] if ']' in content else 'plain'})"
            assert response.status_code == 200, f"{what}: {response.status_code} {response.text[:500]}"
            assert response.headers.get("content-type", "").startswith("application/json")
            assert response.headers.get("x-request-id")
            assert_valid("CreateChatCompletionResponse", response.json(), what)


def test_deepseek_reasoning_answers_validate(stack: Stack):
    endpoint = stack.endpoints["deepseek-reasoner"]
    content = "[mock reasoning] think first"
    response = post(stack, f"{endpoint.path}/chat/completions", chat_body(endpoint, content))
    assert response.status_code == 200, response.text
    assert_valid("CreateChatCompletionResponse", response.json(), "deepseek reasoning answer")
    stream = post(stack, f"{endpoint.path}/chat/completions", chat_body(endpoint, content, stream=True))
    assert_stream_valid(stream, "deepseek reasoning stream")


@pytest.mark.parametrize("flavor", FLAVORS)
def test_stream_chunks_validate(stack: Stack, flavor: str):
    endpoint = stack.endpoints[flavor]
    path = f"{endpoint.path}/chat/completions"
    cases = {
        "plain": chat_body(endpoint, "stream please", stream=True),
        "include_usage": chat_body(endpoint, "stream please", stream=True, stream_options={"include_usage": True}),
        "tools": chat_body(endpoint, "[mock tools] weather?", stream=True, tools=[WEATHER_TOOL]),
        "bare path": chat_body(endpoint, "stream please", stream=True),
    }
    for name, body in cases.items():
        documents = assert_stream_valid(post(stack, endpoint.path if name == "bare path" else path, body), f"{flavor} stream, {name}")
        if name == "include_usage":
            assert documents[-1]["choices"] == [] and documents[-1]["usage"], "usage chunk last"


@pytest.mark.parametrize("flavor", FLAVORS)
def test_mid_stream_error_event_validates(stack: Stack, flavor: str):
    endpoint = stack.endpoints[flavor]
    response = post(stack, f"{endpoint.path}/chat/completions",
                    chat_body(endpoint, "[mock stream_error_after=2] long story", stream=True))
    documents = assert_stream_valid(response, f"{flavor} stream with an error", expect_error=True)
    assert len(documents) >= 2, "chunks arrived before the error event"


@pytest.mark.parametrize("flavor", FLAVORS)
def test_models_list_validates(stack: Stack, flavor: str):
    endpoint = stack.endpoints[flavor]
    response = requests.get(f"{stack.gateway.url}{endpoint.path}/models",
                            headers={"Authorization": f"Bearer {stack.key}"}, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200, response.text
    assert_valid("ListModelsResponse", response.json(), f"GET {endpoint.path}/models")


def test_error_bodies_validate(stack: Stack):
    openai_endpoint = stack.endpoints["openai"]
    path = f"{openai_endpoint.path}/chat/completions"
    assert_error(post(stack, path, chat_body(openai_endpoint, "hi"), key="gw-wrong"),
                 401, "invalid_api_key", "wrong key")
    no_key = requests.post(f"{stack.gateway.url}{path}", json=chat_body(openai_endpoint, "hi"), timeout=HTTP_TIMEOUT)
    assert_error(no_key, 401, "invalid_api_key", "missing key")
    assert_error(post(stack, "/bots/does-not-exist/chat/completions", chat_body(openai_endpoint, "hi")),
                 404, "endpoint_not_found", "unknown path")
    assert_error(post(stack, path, None, raw_body=b'{"model": "gpt-4o-mini", "messages": [}'),
                 400, "invalid_json", "malformed JSON")
    assert_error(post(stack, path, {"model": openai_endpoint.model, "messages": "hi"}),
                 400, "invalid_request", "messages as a string", param="messages")
    assert_error(post(stack, path, chat_body(openai_endpoint, "hi", temperature="hot")),
                 400, "invalid_request", "temperature as a string", param="temperature")
    assert_error(post(stack, path, chat_body(openai_endpoint, "hi") | {"model": "not-this-one"}),
                 400, "model_not_allowed", "other model")

    deepseek = stack.endpoints["deepseek"]
    insufficient = post(stack, f"{deepseek.path}/chat/completions", chat_body(deepseek, "[mock error=402] pay"))
    assert_error(insufficient, 402, "insufficient_balance", "deepseek 402")
    assert insufficient.headers.get("x-should-retry") == "false"

    glm = stack.endpoints["glm"]
    limited = post(stack, f"{glm.path}/chat/completions", chat_body(glm, "[mock glm_code=1302] busy"))
    assert limited.status_code == 429, limited.text
    assert_valid("ErrorResponse", limited.json(), "glm 1302")

    garbage = post(stack, path, chat_body(openai_endpoint, "[mock garbage] x"))
    assert_error(garbage, 502, "upstream_error", "garbage upstream")
