import JSONCore

/// The representative unified (OpenAI chat-completions) requests every adapter must translate, and the texts
/// that must survive the translation.
struct UnifiedRequests {
    struct Case {
        let id: String
        let title: String
        let body: [UInt8]
        let stream: Bool
        let includeUsage: Bool
        /// Texts that must appear in the upstream request (as JSON string values, or anywhere in a non-JSON body).
        let mustCarry: [String]
        /// The capability without which the adapter may refuse it (GW_ERR_UNSUPPORTED / GW_ERR_INVALID_REQUEST).
        let capability: UInt64?
    }

    static let systemText = "You are a conformance checker. Answer briefly."
    static let unicodeText = "Grüße 👋🏽 — 你好，世界 — مرحبا — e\u{301} — 𝄞 — line\u{2028}separator — \"quoted\" \\ back\\slash\ttab"

    let model: String

    var all: [Case] {
        [plain, systemMultiTurn, tools, stream, unicode, vision]
    }

    private func json(_ value: JSONObject) -> [UInt8] { JSONValue.object(value).serialized() }

    private func message(_ role: String, _ content: String) -> JSONValue {
        .object(["role": .string(role), "content": .string(content)])
    }

    var plain: Case {
        Case(id: "request.plain", title: "plain chat", body: json([
            "model": .string(model), "messages": .array([message("user", "Say hello to the conformance checker.")]),
            "stream": .bool(false),
        ]), stream: false, includeUsage: false, mustCarry: ["Say hello to the conformance checker."], capability: nil)
    }

    var systemMultiTurn: Case {
        Case(id: "request.system-multi-turn", title: "system prompt and several turns", body: json([
            "model": .string(model),
            "messages": .array([
                message("system", Self.systemText),
                message("user", "What is 2 + 2?"),
                message("assistant", "2 + 2 = 4."),
                .object(["role": .string("user"), "content": .array([
                    .object(["type": .string("text"), "text": .string("And 3 + 3?")]),
                    .object(["type": .string("text"), "text": .string(" Answer with a number.")]),
                ])]),
            ]),
            "temperature": .number("0.2"), "top_p": .number("0.9"), "max_tokens": .number("64"), "stop": .array([.string("\n\n")]),
            "user": .string("checker-user"), "stream": .bool(false),
        ]), stream: false, includeUsage: false,
            mustCarry: [Self.systemText, "What is 2 + 2?", "2 + 2 = 4.", "And 3 + 3?"], capability: nil)
    }

    var tools: Case {
        let parameters: JSONValue = .object([
            "type": .string("object"),
            "properties": .object(["city": .object(["type": .string("string"), "description": .string("City name")])]),
            "required": .array([.string("city")]),
        ])
        return Case(id: "request.tools", title: "tools, an assistant tool call and its result", body: json([
            "model": .string(model),
            "messages": .array([
                message("user", "What is the weather in Lisbon?"),
                .object([
                    "role": .string("assistant"), "content": .null,
                    "tool_calls": .array([.object([
                        "id": .string("call_check_1"), "type": .string("function"),
                        "function": .object(["name": .string("get_weather"), "arguments": .string(#"{"city":"Lisbon"}"#)]),
                    ])]),
                ]),
                .object(["role": .string("tool"), "tool_call_id": .string("call_check_1"), "content": .string("Sunny, 24 °C")]),
                message("user", "Thanks. And in Porto?"),
            ]),
            "tools": .array([.object([
                "type": .string("function"),
                "function": .object([
                    "name": .string("get_weather"), "description": .string("Current weather of a city"), "parameters": parameters,
                ]),
            ])]),
            "tool_choice": .string("auto"), "stream": .bool(false),
        ]), stream: false, includeUsage: false,
            mustCarry: ["get_weather", "Sunny, 24 °C", "Thanks. And in Porto?"], capability: 1 << 1)  // GW_CAP_TOOLS
    }

    var stream: Case {
        Case(id: "request.stream", title: "streaming with include_usage", body: json([
            "model": .string(model), "messages": .array([message("user", "Stream a short answer.")]),
            "stream": .bool(true), "stream_options": .object(["include_usage": .bool(true)]),
        ]), stream: true, includeUsage: true, mustCarry: ["Stream a short answer."], capability: 1 << 0)  // GW_CAP_STREAMING
    }

    var unicode: Case {
        Case(id: "request.unicode", title: "non-ASCII text, emoji, combining marks, escapes", body: json([
            "model": .string(model), "messages": .array([message("system", "Réponds en français 🇫🇷."), message("user", Self.unicodeText)]),
            "stream": .bool(false),
        ]), stream: false, includeUsage: false, mustCarry: [Self.unicodeText, "Réponds en français 🇫🇷."], capability: nil)
    }

    var vision: Case {
        // A 1x1 PNG.
        let png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
        return Case(id: "request.vision", title: "an image in a user message", body: json([
            "model": .string(model),
            "messages": .array([.object(["role": .string("user"), "content": .array([
                .object(["type": .string("text"), "text": .string("What is in this image?")]),
                .object(["type": .string("image_url"), "image_url": .object(["url": .string("data:image/png;base64," + png)])]),
            ])])]),
            "stream": .bool(false),
        ]), stream: false, includeUsage: false, mustCarry: ["What is in this image?"], capability: 1 << 3)  // GW_CAP_VISION
    }
}
