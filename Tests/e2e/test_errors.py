"""Errors reach the OpenAI SDK as the exceptions its users already handle."""

from __future__ import annotations

import openai
import pytest

from e2e_support import FLAVORS, Stack



def test_wrong_gateway_key_is_an_authentication_error(stack: Stack, marker: str):
    endpoint = stack.endpoints["openai"]
    client = stack.client(endpoint, api_key="gw-this-key-does-not-exist")
    with pytest.raises(openai.AuthenticationError) as caught:
        client.chat.completions.create(model=endpoint.model, messages=[{"role": "user", "content": marker}])
    assert caught.value.status_code == 401
    assert caught.value.code == "invalid_api_key"
    assert caught.value.type == "invalid_request_error"
    assert stack.mock.requests_with(marker) == [], "a rejected request never reaches the provider"


def test_unknown_path_is_not_found(stack: Stack):
    client = openai.OpenAI(base_url=f"{stack.gateway.url}/bots/nobody-lives-here", api_key=stack.key, max_retries=0)
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hello?"}])
    assert caught.value.status_code == 404
    assert caught.value.code == "endpoint_not_found"


def test_other_model_without_override_is_rejected(stack: Stack, marker: str):
    endpoint = stack.endpoints["openai"]
    with pytest.raises(openai.BadRequestError) as caught:
        stack.client(endpoint).chat.completions.create(
            model="some-other-model", messages=[{"role": "user", "content": marker}]
        )
    assert caught.value.status_code == 400
    assert caught.value.code == "model_not_allowed"
    assert stack.mock.requests_with(marker) == []


def test_empty_messages_is_a_bad_request_naming_the_field(stack: Stack):
    endpoint = stack.endpoints["openai"]
    with pytest.raises(openai.BadRequestError) as caught:
        stack.client(endpoint).chat.completions.create(model=endpoint.model, messages=[])
    assert caught.value.code == "invalid_request"
    assert caught.value.param == "messages"


def test_deepseek_insufficient_balance_is_402_and_not_retried(stack: Stack, marker: str):
    endpoint = stack.endpoints["deepseek"]
    client = stack.client(endpoint)  # the SDK's default retry policy, as users have it
    with pytest.raises(openai.APIStatusError) as caught:
        client.chat.completions.create(
            model=endpoint.model, messages=[{"role": "user", "content": f"[mock error=402] {marker}"}]
        )
    assert caught.value.status_code == 402
    assert caught.value.code == "insufficient_balance"
    assert caught.value.response.headers.get("x-should-retry") == "false"
    assert len(stack.mock.requests_with(marker)) == 1, "neither the SDK nor the gateway retried"


def test_glm_rate_limit_code_is_a_rate_limit_error(stack: Stack, marker: str):
    endpoint = stack.endpoints["glm"]
    client = stack.client(endpoint, max_retries=0)
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(
            model=endpoint.model, messages=[{"role": "user", "content": f"[mock glm_code=1302] {marker}"}]
        )
    assert caught.value.status_code == 429
    assert caught.value.message


def test_garbage_from_the_upstream_is_a_bad_gateway(stack: Stack, marker: str):
    endpoint = stack.endpoints["openai"]
    client = stack.client(endpoint, max_retries=0)
    with pytest.raises(openai.InternalServerError) as caught:
        client.chat.completions.create(
            model=endpoint.model, messages=[{"role": "user", "content": f"[mock garbage] {marker}"}]
        )
    assert caught.value.status_code == 502
    assert caught.value.code == "upstream_error"


@pytest.mark.parametrize("flavor", FLAVORS)
def test_error_in_the_middle_of_a_stream_raises_while_iterating(stack: Stack, flavor: str, marker: str):
    endpoint = stack.endpoints[flavor]
    stream = stack.client(endpoint).chat.completions.create(
        model=endpoint.model,
        messages=[{"role": "user", "content": f"[mock stream_error_after=2] tell me a long story {marker}"}],
        stream=True,
    )
    received = []
    with pytest.raises(openai.APIError) as caught:
        for chunk in stream:
            received.append(chunk)
    assert received, "some chunks arrived before the error"
    assert any(chunk.choices and chunk.choices[0].delta.content for chunk in received)
    assert caught.value.message


def test_upstream_connection_cut_mid_stream_raises_while_iterating(stack: Stack, marker: str):
    endpoint = stack.endpoints["openai"]
    stream = stack.client(endpoint).chat.completions.create(
        model=endpoint.model,
        messages=[{"role": "user", "content": f"[mock drop_after=3] tell me a long story {marker}"}],
        stream=True,
    )
    received = []
    with pytest.raises(openai.APIError):
        for chunk in stream:
            received.append(chunk)
    assert received, "some chunks arrived before the upstream went away"
