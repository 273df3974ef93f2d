"""Chat completions through the gateway, with the official OpenAI SDK as the client."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
import requests

from e2e_support import FLAVORS, HTTP_TIMEOUT, WEATHER_TOOL, Stack, parse_sse


def extra(model: Any, name: str) -> Any:
    """A field the SDK's types do not declare (e.g. DeepSeek's reasoning_content)."""
    value = getattr(model, name, None)
    if value is None:
        value = (getattr(model, "model_extra", None) or {}).get(name)
    return value


def stream_text(chunks: list[Any]) -> str:
    return "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)


def assert_usage_matches(usage: Any, reported: Any, what: str) -> None:
    """The gateway passes on the token counts the provider reported."""
    assert isinstance(reported, dict) and reported, f"the mock reported no usage for {what}: {reported!r}"
    compared = 0
    for field in ("prompt_tokens", "completion_tokens", "total_tokens"):
        if field in reported:
            assert getattr(usage, field) == reported[field], (
                f"{what}: usage.{field} is {getattr(usage, field)}, the provider reported {reported[field]}"
            )
            compared += 1
    assert compared, f"the mock's reported usage has no token counts: {reported!r}"


@pytest.mark.parametrize("flavor", FLAVORS)
def test_custom_path_answers_like_openai_in_both_modes(stack: Stack, flavor: str, marker: str):
    endpoint = stack.endpoints[flavor]
    client = stack.client(endpoint)
    messages = [{"role": "user", "content": f"Good morning, {marker}"}]

    raw = client.chat.completions.with_raw_response.create(model=endpoint.model, messages=messages)
    assert raw.headers.get("x-request-id"), "proxied answers carry an x-request-id header"
    completion = raw.parse()
    assert completion.object == "chat.completion"
    text = completion.choices[0].message.content
    assert completion.choices[0].message.role == "assistant"
    assert text.startswith("Hello from mock"), text
    assert flavor in text.lower(), f"the answer should come from the {flavor} mock: {text!r}"
    assert marker in text, f"the mock echoes the user's words: {text!r}"
    assert completion.choices[0].finish_reason == "stop"

    upstream = stack.mock.settled_request_with(marker)
    upstream_messages = upstream["body"]["messages"]
    assert upstream_messages[0]["role"] == "system"
    assert upstream_messages[0]["content"] == endpoint.system_prompt
    assert marker in json.dumps(upstream_messages[-1])
    assert_usage_matches(completion.usage, upstream.get("reported_usage"), f"{flavor} non-stream")

    chunks = list(client.chat.completions.create(model=endpoint.model, messages=messages, stream=True))
    assert chunks, "the stream yielded no chunks"
    assert all(chunk.object == "chat.completion.chunk" for chunk in chunks)
    assert len({chunk.id for chunk in chunks}) == 1, "all chunks of one answer share one id"
    assert stream_text(chunks) == text, "streamed deltas assemble into the non-stream answer"
    finish_reasons = [chunk.choices[0].finish_reason for chunk in chunks if chunk.choices and chunk.choices[0].finish_reason]
    assert finish_reasons == ["stop"], f"exactly one chunk ends the answer: {finish_reasons}"

    streamed_requests = [r for r in stack.mock.requests_with(marker) if r["body"].get("stream") is True]
    assert len(streamed_requests) == 1
    first = streamed_requests[0]["body"]["messages"][0]
    assert (first["role"], first["content"]) == ("system", endpoint.system_prompt)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_models_list_on_the_endpoint_path(stack: Stack, flavor: str):
    endpoint = stack.endpoints[flavor]
    page = stack.client(endpoint).models.list()
    models = list(page)
    assert [model.id for model in models] == [endpoint.model], "without model override only the endpoint's model is listed"
    assert models[0].owned_by == endpoint.provider_name
    assert models[0].object == "model"
    assert isinstance(models[0].created, int)


def test_models_list_with_model_override_adds_the_providers_models(stack: Stack):
    endpoint = stack.endpoints["v1"]
    ids = {model.id for model in stack.client(endpoint).models.list()}
    assert ids == {endpoint.model, *stack.providers["openai"]["models"]}


def test_v1_endpoint_is_a_standard_openai_base_url(stack: Stack, marker: str):
    endpoint = stack.endpoints["v1"]
    client = openai.OpenAI(base_url=f"{stack.gateway.url}/v1", api_key=stack.key, timeout=HTTP_TIMEOUT)
    completion = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": f"Hi {marker}"}]
    )
    assert completion.choices[0].message.content.startswith("Hello from mock")
    upstream = stack.mock.settled_request_with(marker)
    first = upstream["body"]["messages"][0]
    assert (first["role"], first["content"]) == ("system", endpoint.system_prompt)

    # The endpoint allows model override, so another model of the provider's list is passed on.
    other = f"{marker}-override"
    client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": f"Hi {other}"}])
    (upstream,) = stack.mock.requests_with(other)
    assert upstream["body"]["model"] == "gpt-4o"

    # A plain HTTP client sees the same at /v1/chat/completions.
    response = requests.post(
        f"{stack.gateway.url}/v1/chat/completions",
        headers={"Authorization": f"Bearer {stack.key}"},
        json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "plain"}]},
        timeout=HTTP_TIMEOUT,
    )
    assert response.status_code == 200, response.text
    assert response.json()["object"] == "chat.completion"


@pytest.mark.parametrize("flavor", FLAVORS)
def test_stream_usage_only_when_asked(stack: Stack, flavor: str, marker: str):
    endpoint = stack.endpoints[flavor]
    client = stack.client(endpoint)
    messages = [{"role": "user", "content": f"Count my tokens {marker}"}]

    chunks = list(client.chat.completions.create(
        model=endpoint.model, messages=messages, stream=True, stream_options={"include_usage": True}
    ))
    with_usage = [chunk for chunk in chunks if chunk.usage is not None]
    assert len(with_usage) == 1, f"exactly one chunk carries usage, got {len(with_usage)}"
    assert with_usage[0] is chunks[-1], "the usage chunk is the last chunk"
    assert chunks[-1].choices == [], "the usage chunk has no choices, as OpenAI sends it"
    upstream = stack.mock.settled_request_with(marker)
    assert_usage_matches(chunks[-1].usage, upstream.get("reported_usage"), f"{flavor} stream")
    assert chunks[-1].usage.total_tokens == chunks[-1].usage.prompt_tokens + chunks[-1].usage.completion_tokens

    plain_marker = f"{marker}-plain"
    plain = list(client.chat.completions.create(
        model=endpoint.model, messages=[{"role": "user", "content": f"Count my tokens {plain_marker}"}], stream=True
    ))
    assert plain
    assert all(chunk.usage is None for chunk in plain), "without include_usage no chunk carries usage"
    assert all(chunk.choices for chunk in plain), "without include_usage there is no usage-only chunk"


def test_deepseek_reasoning_content_in_stream_and_message(stack: Stack, marker: str):
    endpoint = stack.endpoints["deepseek-reasoner"]
    client = stack.client(endpoint)
    messages = [{"role": "user", "content": f"[mock reasoning] Why is the sky blue? {marker}"}]

    chunks = list(client.chat.completions.create(model=endpoint.model, messages=messages, stream=True))
    reasoning = "".join(extra(chunk.choices[0].delta, "reasoning_content") or "" for chunk in chunks if chunk.choices)
    content = stream_text(chunks)
    assert reasoning, "reasoning_content arrives in the stream deltas"
    assert content, "the answer follows the reasoning"

    completion = client.chat.completions.create(model=endpoint.model, messages=messages)
    message = completion.choices[0].message
    assert extra(message, "reasoning_content") == reasoning, "the non-stream message has the same reasoning"
    assert message.content == content


@pytest.mark.parametrize("flavor", FLAVORS)
def test_streamed_tool_call_assembles_into_a_function_call(stack: Stack, flavor: str, marker: str):
    endpoint = stack.endpoints[flavor]
    client = stack.client(endpoint)
    messages = [{"role": "user", "content": f"[mock tools] What is the weather in Paris? {marker}"}]

    chunks = list(client.chat.completions.create(
        model=endpoint.model, messages=messages, tools=[WEATHER_TOOL], stream=True
    ))
    calls: dict[int, dict[str, str]] = {}
    for chunk in chunks:
        if not chunk.choices:
            continue
        for fragment in chunk.choices[0].delta.tool_calls or []:
            call = calls.setdefault(fragment.index, {"id": "", "name": "", "arguments": ""})
            if fragment.id:
                call["id"] = fragment.id
            if fragment.function and fragment.function.name:
                call["name"] += fragment.function.name
            if fragment.function and fragment.function.arguments:
                call["arguments"] += fragment.function.arguments
    assert calls, "the stream carried tool-call deltas"
    for index, call in sorted(calls.items()):
        assert call["id"], f"tool call {index} has an id"
        assert call["name"] == "get_weather"
        arguments = json.loads(call["arguments"])
        assert isinstance(arguments, dict), f"arguments are a JSON object: {call['arguments']!r}"
    finish_reasons = [chunk.choices[0].finish_reason for chunk in chunks if chunk.choices and chunk.choices[0].finish_reason]
    assert finish_reasons == ["tool_calls"]

    upstream = stack.mock.settled_request_with(marker)
    assert [tool["function"]["name"] for tool in upstream["body"]["tools"]] == ["get_weather"]

    completion = client.chat.completions.create(model=endpoint.model, messages=messages, tools=[WEATHER_TOOL])
    tool_calls = completion.choices[0].message.tool_calls
    assert tool_calls and tool_calls[0].function.name == "get_weather"
    assert json.loads(tool_calls[0].function.arguments) == json.loads(calls[min(calls)]["arguments"])
    assert completion.choices[0].finish_reason == "tool_calls"


def test_keep_alive_comments_while_the_upstream_is_slow(stack: Stack, marker: str):
    """The gateway keeps the client's connection busy until the first upstream event arrives."""
    endpoint = stack.endpoints["openai"]
    prompt = f"[mock first_byte_ms=1500] slow start {marker}"
    response = requests.post(
        f"{stack.gateway.url}{endpoint.path}/chat/completions",
        headers={"Authorization": f"Bearer {stack.key}"},
        json={"model": endpoint.model, "stream": True, "messages": [{"role": "user", "content": prompt}]},
        timeout=HTTP_TIMEOUT,
    )
    assert response.status_code == 200, response.text
    events = parse_sse(response.content)
    first_data = next(index for index, event in enumerate(events) if event.data is not None)
    keep_alives = [c for event in events[:first_data] for c in event.comments if c == "keep-alive"]
    assert len(keep_alives) >= 2, f"expected ': keep-alive' comments before the first chunk, got {events[:first_data]}"

    # And the SDK is not disturbed by them.
    chunks = list(stack.client(endpoint).chat.completions.create(
        model=endpoint.model, messages=[{"role": "user", "content": prompt}], stream=True
    ))
    assert stream_text(chunks).startswith("Hello from mock")
