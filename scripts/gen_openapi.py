#!/usr/bin/env python3
"""Writes docs/openapi.json, the OpenAPI 3.1 description of the gateway's admin API.

    python3 scripts/gen_openapi.py            # rewrite docs/openapi.json
    python3 scripts/gen_openapi.py --check    # exit 1 when docs/openapi.json is out of date
    python3 scripts/gen_openapi.py --output Sources/Host/Resources/openapi.json   # the copy the gateway serves

The document follows the behaviour contract (admin routes, shapes, status codes). Only the standard
library is used, so it runs anywhere python3 does.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

OUTPUT = Path(__file__).resolve().parents[1] / "docs" / "openapi.json"


STRICT_BODIES = ("LoginRequest", "PasswordChange", "ProviderCreate", "ProviderUpdate", "EndpointCreate",
                 "EndpointUpdate", "KeyCreate", "KeyUpdate", "UserCreate", "UserUpdate", "ProfileUpdate")


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def response_ref(name: str) -> dict:
    return {"$ref": f"#/components/responses/{name}"}


def json_body(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def error_response(description: str, code: str, fields: bool = False) -> dict:
    example = {"error": {"code": code, "message": description}}
    if fields:
        example["error"]["fields"] = {"path": "must start with \"/\""}
    return {
        "description": description,
        "content": {"application/json": {"schema": ref("Error"), "example": example}},
    }


MODEL_NAME = {"type": "string", "minLength": 1, "maxLength": 128}
TIMESTAMP = {"type": "string", "format": "date-time", "description": "ISO 8601, UTC."}
ID = {"type": "integer", "format": "int64", "minimum": 1}
USERNAME = {"type": "string", "minLength": 3, "maxLength": 32, "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{2,31}$"}
ROLE = {"type": "string", "enum": ["admin", "user"],
        "description": "admin: everything. user: own keys, own usage, own profile, the endpoints they may call."}
PASSWORD = {"type": "string", "minLength": 8, "maxLength": 72, "writeOnly": True,
            "description": "8 to 72 bytes, not the username, not the current password, not a common password such "
                           "as admin123 or 12345678."}
ENDPOINT_SCOPE = {"anyOf": [{"type": "array", "items": ID, "minItems": 1, "maxItems": 1000}, {"type": "null"}],
                  "default": None,
                  "description": "The endpoints the key may call (403 `key_not_allowed_for_endpoint` elsewhere); "
                                 "null: every endpoint. Deleting an endpoint removes it from scopes."}
EXPIRY = {"anyOf": [{**TIMESTAMP, "description": "ISO 8601, in the future."}, {"type": "null"}], "default": None,
          "description": "After this time the key is refused (401); null: never expires."}
KEY_PROPERTIES = {
    "id": ID,
    "name": {"type": "string"},
    "prefix": {"type": "string", "description": "The first characters of the key, to recognise it.",
               "examples": ["gw-abcd1234"]},
    "enabled": {"type": "boolean"},
    "status": {"type": "string", "enum": ["active", "disabled", "expired", "owner_disabled"],
               "description": "Whether the key works right now, and if not, why."},
    "user_id": {"anyOf": [ID, {"type": "null"}], "description": "The owner."},
    "username": {"type": ["string", "null"]},
    "endpoint_ids": {"anyOf": [{"type": "array", "items": ID}, {"type": "null"}],
                     "description": "null: every endpoint."},
    "expires_at": {"anyOf": [TIMESTAMP, {"type": "null"}]},
    "created_at": TIMESTAMP,
    "last_used_at": {"anyOf": [TIMESTAMP, {"type": "null"}]},
}

schemas: dict[str, dict] = {
    "Error": {
        "type": "object",
        "description": "Every admin API error. `fields` is present only on validation errors (422).",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {
                        "type": "string",
                        "description": "Machine-readable code.",
                        "examples": ["invalid_json", "validation_failed", "unauthorized", "session_revoked",
                                     "forbidden", "password_change_required", "not_found", "conflict",
                                     "too_many_attempts", "invalid_credentials", "origin_not_allowed"],
                    },
                    "message": {"type": "string", "description": "Human-readable text."},
                    "fields": {
                        "type": "object",
                        "description": "Field name -> what is wrong with it.",
                        "additionalProperties": {"type": "string"},
                    },
                },
            }
        },
    },
    "LoginRequest": {
        "type": "object",
        "required": ["username", "password"],
        "properties": {"username": {"type": "string", "examples": ["admin"]}, "password": {"type": "string"}},
    },
    "SessionUser": {
        "type": "object",
        "required": ["id", "username", "role", "must_change_password"],
        "properties": {
            "id": ID,
            "username": {"type": "string"},
            "role": {"type": "string", "examples": ["admin"]},
            "must_change_password": {
                "type": "boolean",
                "description": "True while the account still has its initial password.",
            },
        },
    },
    "LoginResponse": {
        "type": "object",
        "required": ["token", "expires_at", "user"],
        "properties": {
            "token": {"type": "string", "description": "HS256 JWT; send as `Authorization: Bearer <token>`."},
            "expires_at": TIMESTAMP,
            "user": ref("SessionUser"),
        },
    },
    "User": {
        "type": "object",
        "description": "An account. Never carries the password or its hash.",
        "required": ["id", "username", "display_name", "email", "role", "enabled", "must_change_password",
                     "created_at", "updated_at", "last_login_at", "password_changed_at"],
        "properties": {
            "id": ID,
            "username": USERNAME,
            "display_name": {"type": "string", "maxLength": 100},
            "email": {"type": "string", "maxLength": 254},
            "role": ROLE,
            "enabled": {"type": "boolean"},
            "must_change_password": {
                "type": "boolean",
                "description": "True while the account has its initial or an administrator-set password; until "
                               "it is changed every other route answers 403 `password_change_required`.",
            },
            "created_at": TIMESTAMP,
            "updated_at": TIMESTAMP,
            "last_login_at": {"anyOf": [TIMESTAMP, {"type": "null"}]},
            "password_changed_at": {"anyOf": [TIMESTAMP, {"type": "null"}]},
        },
    },
    "UserList": {
        "type": "object", "required": ["data"], "properties": {"data": {"type": "array", "items": ref("User")}},
    },
    "UserCreate": {
        "type": "object",
        "required": ["username", "password"],
        "properties": {
            "username": {**USERNAME, "description": "Unique regardless of case."},
            "password": PASSWORD,
            "display_name": {"type": "string", "maxLength": 100, "default": ""},
            "email": {"type": "string", "maxLength": 254, "default": "", "description": "An e-mail address or empty."},
            "role": {**ROLE, "default": "user"},
            "enabled": {"type": "boolean", "default": True},
            "must_change_password": {"type": "boolean", "default": True,
                                     "description": "The owner must replace this password at first login."},
        },
    },
    "UserUpdate": {
        "type": "object",
        "description": "Partial update. Setting `password` resets it: the user's sessions end and, unless "
                       "`must_change_password` is false, the owner must change it at next login. Disabling ends the "
                       "user's sessions and suspends their API keys. The last enabled admin cannot be disabled or "
                       "demoted (409).",
        "properties": {
            "username": USERNAME,
            "password": PASSWORD,
            "display_name": {"type": "string", "maxLength": 100},
            "email": {"type": "string", "maxLength": 254},
            "role": ROLE,
            "enabled": {"type": "boolean"},
            "must_change_password": {"type": "boolean"},
        },
    },
    "ProfileUpdate": {
        "type": "object",
        "description": "The signed-in user's own profile. `username`, `role`, `enabled` and `password` are refused "
                       "here (422): administrators change them with PUT /admin/users/{id}.",
        "properties": {
            "display_name": {"type": "string", "maxLength": 100},
            "email": {"type": "string", "maxLength": 254},
        },
    },
    "PasswordChange": {
        "type": "object",
        "required": ["current_password", "new_password"],
        "properties": {
            "current_password": {"type": "string"},
            "new_password": {**PASSWORD, "description": PASSWORD["description"] + " A wrong `current_password` is a "
                                                                     "422 with `fields.current_password`."},
        },
    },
    "Provider": {
        "type": "object",
        "description": "An upstream account: which adapter speaks to it, where, and with which key.",
        "required": ["id", "name", "adapter", "base_url", "api_key", "has_api_key", "models", "options",
                     "enabled", "status", "status_message", "created_at", "updated_at"],
        "properties": {
            "id": ID,
            "name": {"type": "string", "minLength": 1, "maxLength": 64},
            "adapter": {"type": "string", "description": "Name of a loaded adapter (see GET /admin/plugins).",
                        "examples": ["openai", "deepseek", "glm"]},
            "base_url": {"type": "string", "format": "uri"},
            "api_key": {
                "type": "string",
                "description": "Masked: first 3 characters + \"...\" + last 4 (\"****\" for keys of 8 characters "
                               "or fewer, \"\" when none). The plaintext is never returned.",
                "examples": ["sk-...abcd"],
            },
            "has_api_key": {"type": "boolean"},
            "models": {"type": "array", "items": {"type": "string"},
                       "description": "Models clients may pick on endpoints that allow model override."},
            "options": {"type": "object", "additionalProperties": True,
                        "description": "Adapter-specific options, passed to the adapter as JSON."},
            "enabled": {"type": "boolean"},
            "status": {"type": "string", "enum": ["ready", "adapter_missing", "config_error", "disabled"]},
            "status_message": {"type": ["string", "null"]},
            "created_at": TIMESTAMP,
            "updated_at": TIMESTAMP,
        },
    },
    "ProviderCreate": {
        "type": "object",
        "required": ["name", "adapter"],
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 64, "description": "Unique."},
            "adapter": {"type": "string", "description": "Must be loaded; otherwise 422 with `fields.adapter` "
                                                         "listing the loaded adapters."},
            "base_url": {"type": "string", "format": "uri",
                         "description": "http(s) URL. Default: the adapter's `default_base_url`."},
            "api_key": {"type": "string", "maxLength": 4096, "description": "Stored; never shown again in plain text."},
            "models": {"type": "array", "items": MODEL_NAME, "maxItems": 500, "default": []},
            "options": {"type": "object", "additionalProperties": True, "default": {},
                        "description": "Adapter-specific; at most 64 KiB as JSON."},
            "enabled": {"type": "boolean", "default": True},
        },
    },
    "ProviderUpdate": {
        "type": "object",
        "description": "Partial update: only the fields present change. Without `api_key` the stored key is kept.",
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 64},
            "adapter": {"type": "string"},
            "base_url": {"type": "string", "format": "uri"},
            "api_key": {"type": "string", "maxLength": 4096},
            "models": {"type": "array", "items": MODEL_NAME, "maxItems": 500},
            "options": {"type": "object", "additionalProperties": True},
            "enabled": {"type": "boolean"},
        },
    },
    "ProviderList": {
        "type": "object", "required": ["data"], "properties": {"data": {"type": "array", "items": ref("Provider")}},
    },
    "EndpointPath": {
        "type": "string",
        "maxLength": 200,
        "pattern": "^/[A-Za-z0-9._~/-]*$",
        "description": "Starts with \"/\"; only A-Z a-z 0-9 . _ ~ / -; no \"//\", no \".\" or \"..\" segments, "
                       "no trailing \"/\"; must not be or start with /admin, /healthz, /readyz, /metrics, /assets, "
                       "/console; must not end with /chat/completions or /models. Unique.",
        "examples": ["/bots/translator", "/v1"],
    },
    "Endpoint": {
        "type": "object",
        "description": "A client-facing API path bound to a provider and a model.",
        "required": ["id", "path", "name", "description", "provider_id", "model", "allow_model_override",
                     "system_prompt", "system_prompt_mode", "stream", "enabled", "created_at", "updated_at"],
        "properties": {
            "id": ID,
            "path": ref("EndpointPath"),
            "name": {"type": "string", "maxLength": 100},
            "description": {"type": "string", "maxLength": 2000},
            "provider_id": ID,
            "model": MODEL_NAME,
            "allow_model_override": {"type": "boolean"},
            "system_prompt": {"type": "string"},
            "system_prompt_mode": {"type": "string", "enum": ["prepend", "override"]},
            "stream": {"type": "string", "enum": ["client", "always", "never"]},
            "enabled": {"type": "boolean"},
            "created_at": TIMESTAMP,
            "updated_at": TIMESTAMP,
        },
    },
    "EndpointCreate": {
        "type": "object",
        "required": ["path", "provider_id", "model"],
        "properties": {
            "path": ref("EndpointPath"),
            "name": {"type": "string", "maxLength": 100},
            "description": {"type": "string", "maxLength": 2000, "default": ""},
            "provider_id": {**ID, "description": "Must exist."},
            "model": {**MODEL_NAME,
                      "description": "Sent upstream; used when the client sends no model."},
            "allow_model_override": {"type": "boolean", "default": False,
                                     "description": "When true, a client's model is used if it is in the provider's "
                                                    "`models` (or that list is empty). When false, any other model "
                                                    "gets 400 model_not_allowed."},
            "system_prompt": {"type": "string", "default": "",
                              "description": "Inserted as the first message (role system). At most 64 KiB."},
            "system_prompt_mode": {"type": "string", "enum": ["prepend", "override"], "default": "prepend",
                                   "description": "prepend: the client's system messages follow the endpoint's. "
                                                  "override: the client's system/developer messages are removed."},
            "stream": {"type": "string", "enum": ["client", "always", "never"], "default": "client",
                       "description": "client: the client's `stream` flag decides; always / never force it."},
            "enabled": {"type": "boolean", "default": True},
        },
    },
    "EndpointUpdate": {
        "type": "object",
        "description": "Partial update: only the fields present change.",
        "properties": {
            "path": ref("EndpointPath"),
            "name": {"type": "string"},
            "description": {"type": "string"},
            "provider_id": ID,
            "model": {"type": "string", "minLength": 1},
            "allow_model_override": {"type": "boolean"},
            "system_prompt": {"type": "string"},
            "system_prompt_mode": {"type": "string", "enum": ["prepend", "override"]},
            "stream": {"type": "string", "enum": ["client", "always", "never"]},
            "enabled": {"type": "boolean"},
        },
    },
    "EndpointList": {
        "type": "object", "required": ["data"], "properties": {"data": {"type": "array", "items": ref("Endpoint")}},
    },
    "Key": {
        "type": "object",
        "description": "A gateway API key as listed (the plaintext is shown only once, at creation).",
        "required": ["id", "name", "prefix", "enabled", "status", "user_id", "username", "endpoint_ids", "expires_at",
                     "created_at", "last_used_at"],
        "properties": KEY_PROPERTIES,
    },
    "KeyCreate": {
        "type": "object", "required": ["name"],
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 100},
            "user_id": {**ID, "description": "The owner (admins only; default: the caller). A user may only leave "
                                             "it out or give their own id."},
            "endpoint_ids": ENDPOINT_SCOPE,
            "expires_at": EXPIRY,
            "enabled": {"type": "boolean", "default": True},
        },
    },
    "KeyUpdate": {
        "type": "object",
        "description": "Partial update. `endpoint_ids: null` widens the key to every endpoint; `expires_at: null` "
                       "removes the expiry. The owner cannot be changed (422).",
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 100},
            "endpoint_ids": ENDPOINT_SCOPE,
            "expires_at": EXPIRY,
            "enabled": {"type": "boolean", "description": "false: the key is refused (401) but kept."},
        },
    },
    "KeyCreated": {
        "type": "object",
        "required": ["id", "name", "key", "prefix", "enabled", "status", "user_id", "username", "endpoint_ids",
                     "expires_at", "created_at"],
        "properties": {
            **KEY_PROPERTIES,
            "key": {"type": "string", "pattern": "^gw-[A-Za-z0-9_-]{43}$",
                    "description": "The plaintext key. Returned only in this response; store it now."},
        },
    },
    "KeyList": {
        "type": "object", "required": ["data"], "properties": {"data": {"type": "array", "items": ref("Key")}},
    },
    "LoadedPlugin": {
        "type": "object",
        "description": "The version of an adapter that new requests use.",
        "required": ["name", "display_name", "version", "abi_version", "file", "capabilities", "default_base_url",
                     "sha256", "loaded_at", "in_use", "instances"],
        "properties": {
            "name": {"type": "string", "examples": ["deepseek"]},
            "display_name": {"type": "string", "examples": ["DeepSeek"]},
            "version": {"type": "string", "examples": ["1.0.0"]},
            "abi_version": {"type": "string", "description": "\"major.minor\" the adapter was built against.",
                            "examples": ["1.0"]},
            "file": {"type": "string", "examples": ["deepseek.so"]},
            "capabilities": {"type": "array",
                             "items": {"type": "string", "enum": ["streaming", "tools", "reasoning", "vision",
                                                                 "json_mode"]}},
            "default_base_url": {"type": ["string", "null"]},
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$",
                       "description": "Digest of the file's content when it was loaded (compare with `sha256sum`)."},
            "loaded_at": {"type": "string", "format": "date-time"},
            "in_use": {"type": "integer", "minimum": 0, "description": "Requests being answered with this version now."},
            "instances": {"type": "integer", "minimum": 0, "description": "Provider instances created from this version."},
        },
    },
    "RetiredPlugin": {
        "type": "object",
        "description": "A replaced or removed version that requests or provider instances still use. It leaves the "
                       "list when idle (its last instance is destroyed); its code stays mapped until the gateway restarts.",
        "required": ["name", "version", "file", "sha256", "loaded_at", "retired_at", "reason", "in_use", "instances"],
        "properties": {
            "name": {"type": "string"}, "version": {"type": "string"}, "file": {"type": "string"},
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "loaded_at": {"type": "string", "format": "date-time"}, "retired_at": {"type": "string", "format": "date-time"},
            "reason": {"type": "string", "examples": ["replaced by 1.1.0", "file removed"]},
            "in_use": {"type": "integer", "minimum": 0}, "instances": {"type": "integer", "minimum": 0},
        },
    },
    "RefusedPlugin": {
        "type": "object",
        "required": ["file", "reason", "refused_at", "sha256"],
        "properties": {
            "file": {"type": "string"},
            "reason": {"type": "string", "examples": ["adapter does not support host ABI major 1 (entry returned NULL)",
                                                      "version 1.0.0 is not newer than the loaded version 1.0.0; bump the "
                                                      "version to replace it (or restart the gateway to go back to an older one)"]},
            "refused_at": {"type": "string", "format": "date-time"},
            "sha256": {"type": ["string", "null"], "description": "Digest of the refused content; null when unreadable."},
        },
    },
    "PluginChange": {
        "type": "object",
        "required": ["action", "file", "name", "version", "previous_version", "reason"],
        "properties": {
            "action": {"type": "string", "enum": ["loaded", "replaced", "removed", "refused"]},
            "file": {"type": "string"},
            "name": {"type": ["string", "null"]},
            "version": {"type": ["string", "null"]},
            "previous_version": {"type": ["string", "null"], "description": "For `replaced`: the retired version."},
            "reason": {"type": ["string", "null"]},
        },
    },
    "PluginList": {
        "type": "object",
        "required": ["directory", "loaded", "retired", "refused", "load_failures", "mapped_libraries", "watch"],
        "properties": {
            "directory": {"type": "string", "description": "The plugins folder (`plugins.dir`)."},
            "loaded": {"type": "array", "items": ref("LoadedPlugin")},
            "retired": {"type": "array", "items": ref("RetiredPlugin")},
            "refused": {"type": "array", "items": ref("RefusedPlugin"),
                        "description": "Files in the plugins folder whose current content is not in use, with the reason."},
            "load_failures": {"type": "integer", "minimum": 0, "description": "Files refused since start."},
            "mapped_libraries": {"type": "integer", "minimum": 0,
                                 "description": "Library copies this process has mapped; libraries are never unloaded."},
            "watch": {
                "type": "object", "required": ["mode", "scans", "last_scan_at"],
                "properties": {
                    "mode": {"type": "string", "enum": ["inotify", "poll", "off"]},
                    "scans": {"type": "integer", "minimum": 0},
                    "last_scan_at": {"type": ["string", "null"], "format": "date-time"},
                },
            },
            "changes": {"type": "array", "items": ref("PluginChange"),
                        "description": "Only in answers to POST /admin/plugins/reload: what that scan changed."},
        },
    },
    "CallableEndpoint": {
        "type": "object",
        "description": "An enabled endpoint as any signed-in user sees it (no provider, no system prompt).",
        "required": ["id", "path", "name", "description", "model", "models", "stream"],
        "properties": {
            "id": ID,
            "path": ref("EndpointPath"),
            "name": {"type": "string"},
            "description": {"type": "string"},
            "model": {"type": "string", "description": "Used when the client sends no model."},
            "models": {"type": "array", "items": {"type": "string"},
                       "description": "What `GET <path>/models` lists: the models a client may ask for."},
            "stream": {"type": "string", "enum": ["client", "always", "never"]},
        },
    },
    "CallableEndpointList": {
        "type": "object", "required": ["data"],
        "properties": {"data": {"type": "array", "items": ref("CallableEndpoint")}},
    },
    "AuditEvent": {
        "type": "object",
        "description": "Who did what, when and from where. `detail` names changed fields and non-secret values; "
                       "passwords, keys and tokens never appear.",
        "required": ["id", "at", "user_id", "username", "action", "target_type", "target_id", "detail",
                     "remote_address"],
        "properties": {
            "id": ID,
            "at": TIMESTAMP,
            "user_id": {"anyOf": [ID, {"type": "null"}], "description": "Who acted (for failed logins: the account "
                                                                         "tried, null when no such account)."},
            "username": {"type": "string"},
            "action": {"type": "string", "examples": ["login.success", "login.failure", "login.locked", "logout",
                                                       "user.create", "user.update", "user.delete",
                                                       "user.password_change", "user.profile_update",
                                                       "provider.update", "endpoint.create", "key.delete"]},
            "target_type": {"type": "string", "examples": ["user", "provider", "endpoint", "key", ""]},
            "target_id": {"type": "string"},
            "detail": {"type": "object", "additionalProperties": True},
            "remote_address": {"type": "string", "description": "The client's IP address as the gateway saw it."},
        },
    },
    "AuditPage": {
        "type": "object", "required": ["data", "next_before"],
        "properties": {
            "data": {"type": "array", "items": ref("AuditEvent"), "description": "Newest first."},
            "next_before": {"anyOf": [ID, {"type": "null"}],
                            "description": "Pass as `before` for the next, older page; null on the last page."},
        },
    },
    "Health": {
        "type": "object", "required": ["status"], "properties": {"status": {"type": "string", "examples": ["ok"]}},
    },
}

# Request bodies are decoded strictly: an unknown field is a 422 naming it.
for _name in STRICT_BODIES:
    schemas[_name]["additionalProperties"] = False

responses = {
    "InvalidJSON": error_response("The body is not valid JSON.", "invalid_json"),
    "ValidationFailed": error_response("One or more fields are invalid, missing or unknown; see `fields`.",
                                       "validation_failed", fields=True),
    "TooLarge": error_response("The request body is too large.", "request_too_large"),
    "Unauthorized": error_response("Missing, invalid or expired token.", "unauthorized"),
    "Forbidden": error_response(
        "The account's role does not allow this (`forbidden`), or the account must change its password first "
        "(`password_change_required`).", "forbidden"),
    "PasswordChangeRequired": error_response(
        "The account must change its password first (PUT /admin/user/password); only GET /admin/user/info, "
        "PUT /admin/user/password and POST /admin/logout work until then.", "password_change_required"),
    "TooManyAttempts": {
        "description": "Too many failed attempts for this username or from this address; wait `Retry-After` seconds.",
        "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1},
                                    "description": "Seconds until the lock ends."}},
        "content": {"application/json": {"schema": ref("Error"), "example": {
            "error": {"code": "too_many_attempts", "message": "Too many failed logins; try again in 900 seconds."}}}},
    },
    "NotFound": error_response("No such object.", "not_found"),
    "Conflict": error_response("Duplicate name or path, or the object is still in use.", "conflict"),
}

PUBLIC: list = []  # `security: []` on an operation: no token needed


ACCESS_TEXT = {
    "public": "No token needed.",
    "user": "Any signed-in user (role `user` or `admin`).",
    "admin": "Administrators only; users get 403 `forbidden`.",
}


def op(summary: str, tag: str, responses_: dict, *, request: dict | None = None, security: list | None = None,
       operation_id: str, description: str | None = None, access: str | None = None,
       before_password_change: bool = False, parameters: list | None = None) -> dict:
    """One operation. `access` says who may call it: "public", "user" (any signed-in account) or "admin";
    it is emitted as `x-access` and checked route by route by Tests/HostTests/RoleMatrixTests.swift.
    `before_password_change` marks the few routes an account that must change its password may use."""
    if security == PUBLIC:
        access = "public"
    operation: dict = {"tags": [tag], "summary": summary, "operationId": operation_id}
    if access is not None:
        operation["x-access"] = access
        text = ACCESS_TEXT[access]
        description = f"{description}\n\n**Access:** {text}" if description else f"**Access:** {text}"
    if access in ("user", "admin"):
        operation["x-allowed-before-password-change"] = before_password_change
        if not before_password_change:
            responses_.setdefault("403", response_ref("PasswordChangeRequired" if access == "user" else "Forbidden"))
    if description:
        operation["description"] = description
    if parameters:
        operation["parameters"] = parameters
    if security is not None:
        operation["security"] = security
    if request is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": request}}}
        responses_.setdefault("400", response_ref("InvalidJSON"))
        responses_.setdefault("413", response_ref("TooLarge"))
    operation["responses"] = dict(sorted(responses_.items()))
    return operation


def authed(extra: dict) -> dict:
    return {**extra, "401": response_ref("Unauthorized")}


def id_parameter(what: str) -> list:
    return [{"name": "id", "in": "path", "required": True, "description": f"The {what}'s id.", "schema": ID}]


NO_CONTENT = {"description": "Done."}

def query_parameter(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


paths = {
    "/admin/login": {
        "post": op(
            "Log in", "auth", {
                "200": json_body(ref("LoginResponse"), "A token for the admin API."),
                "400": response_ref("InvalidJSON"),
                "401": error_response("Wrong username or password (also for disabled accounts).", "invalid_credentials"),
                "422": response_ref("ValidationFailed"),
                "429": response_ref("TooManyAttempts"),
            },
            request=ref("LoginRequest"), security=PUBLIC, operation_id="login",
            description="On first start the gateway creates `admin` / `admin123` (unless GATEWAY_ADMIN_PASSWORD is "
                        "set); that account must change its password before anything else. Failed logins are "
                        "slowed, then locked per username and per client address (429 with Retry-After); a success "
                        "clears the username's count. Every attempt is recorded in the audit log.",
        )
    },
    "/admin/logout": {
        "post": op("Log out", "auth", authed({"204": NO_CONTENT}), operation_id="logout", access="user",
                   before_password_change=True,
                   description="Ends the session of the token sent; the token is refused from now on "
                               "(401 `session_revoked`), also after a restart. Other sessions stay."),
    },
    "/admin/user/info": {
        "get": op("The current user", "personal", authed({"200": json_body(ref("User"), "The signed-in user.")}),
                  operation_id="getCurrentUser", access="user", before_password_change=True),
        "put": op(
            "Edit the current user's profile", "personal",
            authed({"200": json_body(ref("User"), "Updated."), "422": response_ref("ValidationFailed")}),
            request=ref("ProfileUpdate"), operation_id="updateCurrentUser", access="user",
        ),
    },
    "/admin/user/password": {
        "put": op(
            "Change the current user's password", "personal",
            authed({
                "204": NO_CONTENT,
                "422": response_ref("ValidationFailed"),
                "429": response_ref("TooManyAttempts"),
            }),
            request=ref("PasswordChange"), operation_id="changePassword", access="user", before_password_change=True,
            description="Needs the current password (wrong guesses count towards the login throttle). Ends every "
                        "other session of the account; the session that made the change continues.",
        )
    },
    "/admin/user/endpoints": {
        "get": op("Endpoints the current user may call", "personal",
                  authed({"200": json_body(ref("CallableEndpointList"), "Enabled endpoints, by path.")}),
                  operation_id="listCallableEndpoints", access="user",
                  description="For the API tester and for choosing a key's scope: paths and models, without "
                              "providers or system prompts."),
    },
    "/admin/users": {
        "get": op("List users", "users", authed({"200": json_body(ref("UserList"), "All accounts.")}),
                  operation_id="listUsers", access="admin"),
        "post": op(
            "Create a user", "users",
            authed({
                "201": json_body(ref("User"), "Created."),
                "409": error_response("The username is taken (regardless of case).", "conflict"),
                "422": response_ref("ValidationFailed"),
            }),
            request=ref("UserCreate"), operation_id="createUser", access="admin",
        ),
    },
    "/admin/users/{id}": {
        "parameters": id_parameter("user"),
        "get": op("Get a user", "users", authed({"200": json_body(ref("User"), "The user."), "404": response_ref("NotFound")}),
                  operation_id="getUser", access="admin"),
        "put": op(
            "Update a user (partial)", "users",
            authed({
                "200": json_body(ref("User"), "Updated."),
                "404": response_ref("NotFound"),
                "409": error_response("Username taken, or the change would leave no enabled administrator.",
                                      "conflict"),
                "422": response_ref("ValidationFailed"),
            }),
            request=ref("UserUpdate"), operation_id="updateUser", access="admin",
        ),
        "delete": op(
            "Delete a user", "users",
            authed({
                "204": NO_CONTENT,
                "404": response_ref("NotFound"),
                "409": error_response("This is the last enabled administrator.", "conflict"),
            }),
            operation_id="deleteUser", access="admin",
            description="Deletes the account with its API keys and sessions; both stop working at once.",
        ),
    },
    "/admin/providers": {
        "get": op("List providers", "providers", authed({"200": json_body(ref("ProviderList"), "All providers.")}),
                  operation_id="listProviders", access="admin"),
        "post": op(
            "Create a provider", "providers",
            authed({
                "201": json_body(ref("Provider"), "Created."),
                "409": response_ref("Conflict"),
                "422": response_ref("ValidationFailed"),
            }),
            request=ref("ProviderCreate"), operation_id="createProvider", access="admin",
        ),
    },
    "/admin/providers/{id}": {
        "parameters": id_parameter("provider"),
        "get": op("Get a provider", "providers",
                  authed({"200": json_body(ref("Provider"), "The provider."), "404": response_ref("NotFound")}),
                  operation_id="getProvider", access="admin"),
        "put": op(
            "Update a provider (partial)", "providers",
            authed({
                "200": json_body(ref("Provider"), "Updated."),
                "404": response_ref("NotFound"),
                "409": response_ref("Conflict"),
                "422": response_ref("ValidationFailed"),
            }),
            request=ref("ProviderUpdate"), operation_id="updateProvider", access="admin",
        ),
        "delete": op(
            "Delete a provider", "providers",
            authed({
                "204": NO_CONTENT,
                "404": response_ref("NotFound"),
                "409": error_response("Endpoints still use this provider.", "conflict"),
            }),
            operation_id="deleteProvider", access="admin",
        ),
    },
    "/admin/providers/{id}/test": {
        "parameters": id_parameter("provider"),
        "post": op(
            "Test a provider's connection", "providers",
            authed({
                "200": json_body({
                    "type": "object", "additionalProperties": False,
                    "required": ["ok", "status", "latency_ms", "model", "reply", "message"],
                    "properties": {
                        "ok": {"type": "boolean", "description": "The provider answered 2xx with a readable completion."},
                        "status": {"type": ["integer", "null"], "description": "The provider's HTTP status; null when no answer arrived."},
                        "latency_ms": {"type": "integer", "minimum": 0},
                        "model": {"type": "string", "description": "The model that answered (or was asked for)."},
                        "reply": {"type": ["string", "null"], "description": "The start of the answer (at most 200 characters)."},
                        "message": {"type": ["string", "null"], "description": "What went wrong; null on success."},
                    },
                }, "The outcome; a provider that fails is reported here with ok false, not as an HTTP error."),
                "404": response_ref("NotFound"),
                "422": response_ref("ValidationFailed"),
            }),
            request={"type": "object", "additionalProperties": False, "properties": {
                "model": {"type": "string", "minLength": 1, "maxLength": 128,
                          "description": "The model to ask; default: the provider's first listed model."},
            }},
            operation_id="testProvider", access="admin",
            description="Sends a one-token completion through the provider's adapter (30 s limit) and reports "
                        "the status, latency and reply. Used by the console's \"Test\" button.",
        ),
    },
    "/admin/endpoints": {
        "get": op("List endpoints", "endpoints", authed({"200": json_body(ref("EndpointList"), "All endpoints.")}),
                  operation_id="listEndpoints", access="admin",
                  description="Users read the endpoints they may call with GET /admin/user/endpoints."),
        "post": op(
            "Create an endpoint", "endpoints",
            authed({
                "201": json_body(ref("Endpoint"), "Created; it serves requests from now on."),
                "409": error_response("Another endpoint has this path.", "conflict"),
                "422": response_ref("ValidationFailed"),
            }),
            request=ref("EndpointCreate"), operation_id="createEndpoint", access="admin",
        ),
    },
    "/admin/endpoints/{id}": {
        "parameters": id_parameter("endpoint"),
        "get": op("Get an endpoint", "endpoints",
                  authed({"200": json_body(ref("Endpoint"), "The endpoint."), "404": response_ref("NotFound")}),
                  operation_id="getEndpoint", access="admin"),
        "put": op(
            "Update an endpoint (partial)", "endpoints",
            authed({
                "200": json_body(ref("Endpoint"), "Updated."),
                "404": response_ref("NotFound"),
                "409": response_ref("Conflict"),
                "422": response_ref("ValidationFailed"),
            }),
            request=ref("EndpointUpdate"), operation_id="updateEndpoint", access="admin",
        ),
        "delete": op("Delete an endpoint", "endpoints",
                     authed({"204": NO_CONTENT, "404": response_ref("NotFound")}), operation_id="deleteEndpoint",
                     access="admin"),
    },
    "/admin/keys": {
        "get": op("List gateway API keys", "keys", authed({
            "200": json_body(ref("KeyList"), "The caller's keys; for administrators, everyone's."),
            "422": response_ref("ValidationFailed"),
        }), operation_id="listKeys", access="user",
            parameters=[query_parameter("user_id", "Administrators: only this owner's keys.", ID)]),
        "post": op(
            "Create a gateway API key", "keys",
            authed({
                "201": json_body(ref("KeyCreated"), "Created. The plaintext `key` is shown only here."),
                "422": response_ref("ValidationFailed"),
            }),
            request=ref("KeyCreate"), operation_id="createKey", access="user",
        ),
    },
    "/admin/keys/{id}": {
        "parameters": id_parameter("key"),
        "get": op("Get a key", "keys", authed({
            "200": json_body(ref("Key"), "The key (without its plaintext)."),
            "404": error_response("No such key, or it belongs to someone else.", "not_found"),
        }), operation_id="getKey", access="user"),
        "put": op(
            "Update a key (partial): rename, scope, expiry, disable", "keys",
            authed({
                "200": json_body(ref("Key"), "Updated; applies to the next request."),
                "404": error_response("No such key, or it belongs to someone else.", "not_found"),
                "422": response_ref("ValidationFailed"),
            }),
            request=ref("KeyUpdate"), operation_id="updateKey", access="user",
        ),
        "delete": op("Delete (revoke) a key", "keys",
                     authed({"204": NO_CONTENT,
                             "404": error_response("No such key, or it belongs to someone else.", "not_found")}),
                     operation_id="deleteKey", access="user"),
    },
    "/admin/plugins": {
        "get": op("Loaded, retired and refused adapters", "plugins",
                  authed({"200": json_body(ref("PluginList"),
                                           "What the plugins folder holds now (it is watched: changes apply without a restart).")}),
                  operation_id="listPlugins", access="admin"),
    },
    "/admin/plugins/reload": {
        "post": op("Rescan the plugins folder now", "plugins",
                   authed({"200": json_body(ref("PluginList"), "The state after the scan, with `changes`.")}),
                   operation_id="reloadPlugins", access="admin"),
    },
    "/admin/audit": {
        "get": op("The audit log", "audit", authed({
            "200": json_body(ref("AuditPage"), "Events, newest first."),
            "422": response_ref("ValidationFailed"),
        }), operation_id="listAudit", access="admin", parameters=[
            query_parameter("limit", "Events per page.", {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}),
            query_parameter("before", "Only events with a smaller id (the previous page's `next_before`).", ID),
            query_parameter("action", "An action (`user.create`), or a prefix ending in `.` (`login.`).",
                            {"type": "string", "maxLength": 64, "pattern": "^[A-Za-z0-9._]+$"}),
            query_parameter("user_id", "Only events by this account.", ID),
        ]),
    },
    "/admin/openapi.json": {
        "get": op("This document", "meta", {
            "200": {"description": "The OpenAPI 3.1 document of the admin API.",
                    "content": {"application/json": {"schema": {"type": "object"}}}},
        }, security=PUBLIC, operation_id="getOpenAPI"),
    },
    "/healthz": {
        "get": op("Liveness", "meta", {"200": json_body(ref("Health"), "The process is up.")},
                  security=PUBLIC, operation_id="healthz"),
    },
    "/readyz": {
        "get": op("Readiness", "meta", {
            "200": json_body(ref("Health"), "The database is reachable and at least one adapter is loaded."),
            "503": {"description": "Not ready: the database is unreachable or no adapter is loaded."},
        }, security=PUBLIC, operation_id="readyz"),
    },
}

# --- Statistics, request log and metrics (issue 4; docs/stats.md defines every figure) ---------------------

CACHE_FIELDS = {
    "cache_ttl": {"type": "integer", "minimum": 0, "maximum": 2592000, "default": 0,
                  "description": "Seconds an answer stays in the response cache; 0 turns the cache off for this endpoint."},
    "cache_nondeterministic": {"type": "boolean", "default": False,
                               "description": "Also cache answers to requests with sampling randomness "
                                              "(temperature > 0). Otherwise only temperature 0 / top_p 0 requests hit."},
}
schemas["Endpoint"]["properties"].update(CACHE_FIELDS)
schemas["Endpoint"]["required"] += ["cache_ttl", "cache_nondeterministic"]
schemas["EndpointCreate"]["properties"].update(CACHE_FIELDS)
schemas["EndpointUpdate"]["properties"].update({k: {kk: vv for kk, vv in v.items() if kk != "default"} for k, v in CACHE_FIELDS.items()})

COUNT = {"type": "integer", "minimum": 0}
MILLISECONDS = {"type": "number", "minimum": 0}
schemas.update({
    "Totals": {
        "type": "object",
        "required": ["calls", "errors", "prompt_tokens", "completion_tokens", "reasoning_tokens", "cached_tokens",
                     "avg_latency_ms"],
        "properties": {
            "calls": COUNT, "errors": COUNT, "prompt_tokens": COUNT, "completion_tokens": COUNT,
            "reasoning_tokens": COUNT, "cached_tokens": COUNT, "avg_latency_ms": MILLISECONDS,
            "avg_ttft_ms": {"type": ["number", "null"], "description": "Streams only; null when there were none."},
        },
    },
    "BreakdownItem": {
        "type": "object",
        "required": ["key", "label", "calls", "prompt_tokens", "completion_tokens"],
        "properties": {"key": {"type": "string"}, "label": {"type": "string"}, "calls": COUNT,
                       "prompt_tokens": COUNT, "completion_tokens": COUNT},
    },
    "StatsOverview": {
        "type": "object",
        "required": ["today", "all_time", "live", "system", "breakdown", "scope"],
        "properties": {
            "today": ref("Totals"),
            "all_time": ref("Totals"),
            "live": {"type": "object", "required": ["in_flight_requests", "open_streams"],
                     "properties": {"in_flight_requests": COUNT, "open_streams": COUNT}},
            "system": {"type": "object",
                       "required": ["uptime_seconds", "memory_rss_bytes", "adapters_loaded", "database_bytes", "version",
                                    "started_at", "ledger_queue_depth", "ledger_dropped"],
                       "properties": {"uptime_seconds": COUNT, "memory_rss_bytes": COUNT, "adapters_loaded": COUNT,
                                      "database_bytes": COUNT, "version": {"type": "string"}, "started_at": TIMESTAMP,
                                      "ledger_queue_depth": COUNT, "ledger_dropped": COUNT}},
            "breakdown": {"type": "object", "description": "The last 24 hours.",
                          "required": ["endpoints", "providers", "models"],
                          "properties": {name: {"type": "array", "items": ref("BreakdownItem")}
                                         for name in ["endpoints", "providers", "models"]}},
            "scope": {"type": "string", "enum": ["all", "own"],
                      "description": "all for admins; own for users, whose figures cover only their keys."},
        },
    },
    "Timeseries": {
        "type": "object",
        "required": ["bucket", "from", "to", "series"],
        "properties": {
            "bucket": {"type": "string", "enum": ["minute", "hour", "day"]},
            "from": TIMESTAMP, "to": TIMESTAMP,
            "group_by": {"type": ["string", "null"]},
            "series": {"type": "array", "items": {
                "type": "object", "required": ["key", "label", "points"],
                "properties": {"key": {"type": "string"}, "label": {"type": "string"},
                               "points": {"type": "array", "items": {
                                   "type": "object",
                                   "required": ["t", "calls", "errors", "prompt_tokens", "completion_tokens", "reasoning_tokens"],
                                   "properties": {"t": TIMESTAMP, "calls": COUNT, "errors": COUNT, "prompt_tokens": COUNT,
                                                  "completion_tokens": COUNT, "reasoning_tokens": COUNT}}}}}},
        },
    },
    "LogEntry": {
        "type": "object",
        "description": "One ledger row (docs/stats.md).",
        "properties": {
            "id": ID, "request_id": {"type": "string"}, "time": TIMESTAMP,
            "endpoint_id": {"type": ["integer", "null"]}, "endpoint_path": {"type": "string"},
            "provider_id": {"type": ["integer", "null"]}, "provider_name": {"type": "string"}, "adapter": {"type": "string"},
            "model_requested": {"type": "string"}, "model_answered": {"type": "string"},
            "key_id": {"type": ["integer", "null"]}, "key_name": {"type": "string"},
            "user_id": {"type": ["integer", "null"]}, "username": {"type": ["string", "null"]},
            "stream": {"type": "boolean"}, "status": {"type": "integer"},
            "error_class": {"type": ["string", "null"]},
            "latency_ms": MILLISECONDS, "ttft_ms": {"type": ["number", "null"]},
            "upstream_ms": {"type": ["number", "null"]}, "overhead_ms": {"type": ["number", "null"]},
            "prompt_tokens": COUNT, "completion_tokens": COUNT, "reasoning_tokens": COUNT, "cached_tokens": COUNT,
            "token_source": {"type": "string", "enum": ["reported", "estimated", "cache", "none"]},
            "cache_hit": {"type": "boolean"},
        },
    },
    "LogPage": {
        "type": "object", "required": ["data", "page", "page_size", "total"],
        "properties": {"data": {"type": "array", "items": ref("LogEntry")}, "page": COUNT, "page_size": COUNT,
                       "total": COUNT},
    },
})

TIME_PARAMETER = {"type": "string", "description": "ISO 8601 (2026-11-27T10:00:00Z) or Unix seconds."}
paths.update({
    "/admin/stats": {
        "get": op("Dashboard totals, live counters, system status", "stats",
                  authed({"200": json_body(ref("StatsOverview"), "Figures as defined in docs/stats.md.")}),
                  operation_id="getStats", access="user",
                  description="Admins see every request; users only those made with their own keys."),
    },
    "/admin/stats/timeseries": {
        "get": op("Calls and tokens over time", "stats", authed({
            "200": json_body(ref("Timeseries"), "One series per group (or one named `all`)."),
            "422": response_ref("ValidationFailed"),
        }), operation_id="getTimeseries", access="user", parameters=[
            query_parameter("from", "Start (default: 24 h ago; 30 days for day buckets).", TIME_PARAMETER),
            query_parameter("to", "End (default: now).", TIME_PARAMETER),
            query_parameter("bucket", "Bucket size; at most 5000 buckets.", {"type": "string", "enum": ["minute", "hour", "day"], "default": "hour"}),
            query_parameter("group_by", "One series per value (user: admins only).",
                            {"type": "string", "enum": ["endpoint", "provider", "model", "key", "user"]}),
        ]),
    },
    "/admin/logs": {
        "get": op("The request log", "stats", authed({
            "200": json_body(ref("LogPage"), "Ledger rows, newest first."),
            "422": response_ref("ValidationFailed"),
        }), operation_id="listLogs", access="user", parameters=[
            query_parameter("from", "Only requests that arrived at or after this time.", TIME_PARAMETER),
            query_parameter("to", "Only requests that arrived before this time.", TIME_PARAMETER),
            query_parameter("endpoint_id", "Only this endpoint.", ID),
            query_parameter("provider_id", "Only this provider.", ID),
            query_parameter("status", "An HTTP status (429) or a class (2xx, 4xx, 5xx).", {"type": "string"}),
            query_parameter("key_id", "Only this key.", ID),
            query_parameter("user_id", "Only this user's keys (admins; users always see only their own).", ID),
            query_parameter("page", "Page number, from 1.", {"type": "integer", "minimum": 1, "default": 1}),
            query_parameter("page_size", "Rows per page.", {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}),
        ]),
    },
    "/metrics": {
        "get": op("Prometheus metrics", "meta", {
            "200": {"description": "Prometheus text format (metric list in docs/stats.md).",
                    "content": {"text/plain": {"schema": {"type": "string"}}}},
            "403": error_response("metrics.access does not allow this client.", "forbidden"),
        }, security=PUBLIC, operation_id="metrics",
           description="Open to loopback clients by default; see metrics.access and metrics.token."),
    },
})


document = {
    "openapi": "3.1.0",
    "info": {
        "title": "LLM Gateway admin API",
        "version": "1.0.0",
        "description": "Manage providers (upstream accounts), endpoints (client-facing API paths) and gateway "
                       "API keys. Log in with POST /admin/login and send the token as "
                       "`Authorization: Bearer <token>`. Changes take effect on the next request, without a "
                       "restart. The proxy routes themselves (POST <endpoint path>[/chat/completions], "
                       "GET <endpoint path>/models) speak the OpenAI chat-completions API and are not described "
                       "here.",
        "license": {"name": "See the repository"},
    },
    "servers": [{"url": "http://localhost:8080", "description": "`make run` on this machine"}],
    "security": [{"bearerAuth": []}],
    "tags": [
        {"name": "auth", "description": "Login and logout."},
        {"name": "personal", "description": "The signed-in user's own profile, password and callable endpoints."},
        {"name": "users", "description": "Accounts and roles (administrators)."},
        {"name": "providers", "description": "Upstream accounts, each served by an adapter."},
        {"name": "endpoints", "description": "Client-facing paths."},
        {"name": "keys", "description": "API keys clients use on endpoints."},
        {"name": "plugins", "description": "Adapters in the plugins folder."},
        {"name": "audit", "description": "Who changed what, when and from where."},
        {"name": "stats", "description": "Usage statistics and the request log (docs/stats.md)."},
        {"name": "meta", "description": "Health, metrics and this document."},
    ],
    "paths": paths,
    "components": {
        "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                           "description": "The `token` from POST /admin/login (HS256, valid 24 h by default)."},
        },
        "schemas": schemas,
        "responses": responses,
    },
}


def render() -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 when the output file is out of date")
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"where to write (default: {OUTPUT})")
    arguments = parser.parse_args()
    text = render()
    output: Path = arguments.output
    if arguments.check:
        if not output.exists() or output.read_text() != text:
            print(f"{output} is out of date; run python3 scripts/gen_openapi.py", file=sys.stderr)
            return 1
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
