/// What the mock answers to one chat request, independent of the provider's wire format.
///
/// Each content piece, reasoning piece and tool-call part is one completion token; the usage follows from the
/// counts, so streamed and non-streamed answers report the same numbers.
struct AnswerPlan: Sendable {
    enum Output: Sendable {
        case text(TextPieces)
        case toolCall(ToolCall)
    }

    /// Reasoning pieces; empty when reasoning is off.
    var reasoning: [String]
    var output: Output
    /// Provider-native finish reason of the last chunk.
    var finishReason: String
    /// The usage the answer carries, or nil with `no_usage`.
    var usage: MockUsage?

    /// Completion tokens spent on the visible output.
    var outputTokens: Int {
        switch output {
        case .text(let pieces): pieces.count
        case .toolCall(let call): call.tokens
        }
    }

    static let reasoningText = "Thinking about it."

    /// - Parameters:
    ///   - reasoning: whether the answer reasons; the caller decides per provider.
    ///   - reportsReasoningTokens: whether the provider puts a reasoning count on the wire (GLM does not).
    init(
        request: ChatRequest,
        directives: MockDirectives,
        flavor: MockFlavor,
        reasoning: Bool,
        reportsReasoningTokens: Bool,
        toolCallID: String
    ) {
        self.reasoning = reasoning ? TextPieces(text: Self.reasoningText).all : []
        if directives.has("tools") {
            let function = request.firstFunction
            output = .toolCall(
                ToolCall(
                    id: toolCallID,
                    name: function?.name ?? "mock_tool",
                    argumentName: function?.argumentName ?? "city"
                )
            )
        } else if let count = directives.int("chunks") {
            output = .text(.words(min(count, 100_000)))
        } else {
            let echo = String(String.UnicodeScalarView(directives.strippedText.unicodeScalars.prefix(40)))
            output = .text(TextPieces(text: "Hello from mock \(flavor.rawValue)! You said: \(echo)"))
        }
        if let finish = directives.string("finish"), !finish.isEmpty {
            finishReason = finish
        } else if case .toolCall = output {
            finishReason = "tool_calls"
        } else {
            finishReason = "stop"
        }
        usage = nil
        if !directives.has("no_usage") {
            let promptTokens = max(1, (request.contentBytes + 3) / 4)
            let reasoningTokens = self.reasoning.count
            usage = MockUsage(
                promptTokens: promptTokens,
                completionTokens: reasoningTokens + outputTokens,
                reasoningTokens: reportsReasoningTokens ? reasoningTokens : 0,
                cachedTokens: min(directives.int("cached") ?? 0, promptTokens)
            )
        }
    }
}

/// Word-sized pieces of an answer text: each piece is the whitespace before a word plus the word, and trailing
/// whitespace stays on the last piece, so the pieces concatenate to the exact text.
enum TextPieces: Sendable {
    case pieces([String])
    /// `w1`, ` w2`, ... ` wN`, generated on demand so 100,000 chunks cost no memory up front.
    case words(Int)

    init(text: String) {
        var pieces: [String] = []
        var current = ""
        var inWord = false
        for character in text {
            if character.isWhitespace {
                if inWord {
                    pieces.append(current)
                    current = ""
                    inWord = false
                }
            } else {
                inWord = true
            }
            current.append(character)
        }
        if !current.isEmpty {
            if !inWord, !pieces.isEmpty {
                pieces[pieces.count - 1] += current
            } else {
                pieces.append(current)
            }
        }
        self = .pieces(pieces)
    }

    var count: Int {
        switch self {
        case .pieces(let pieces): pieces.count
        case .words(let count): count
        }
    }

    subscript(index: Int) -> String {
        switch self {
        case .pieces(let pieces): pieces[index]
        case .words: index == 0 ? "w1" : " w\(index + 1)"
        }
    }

    var all: [String] { (0..<count).map { self[$0] } }

    /// The whole text.
    var joined: String {
        switch self {
        case .pieces(let pieces): pieces.joined()
        case .words(let count): (0..<count).map { "w\($0 + 1)" }.joined(separator: " ")
        }
    }
}

/// The single tool call of a `tools` answer: the first function of the request, with one string argument.
struct ToolCall: Sendable {
    var id: String
    var name: String
    var arguments: String
    /// The argument text streamed in fragments of four characters, as OpenAI splits it.
    var fragments: [String]

    /// One token for the call head plus one per argument fragment.
    var tokens: Int { 1 + fragments.count }

    init(id: String, name: String, argumentName: String) {
        self.id = id
        self.name = name
        self.arguments = JSONValue.object([(argumentName, .string("Lisbon"))]).serialized
        var fragments: [String] = []
        var rest = Substring(arguments)
        while !rest.isEmpty {
            fragments.append(String(rest.prefix(4)))
            rest = rest.dropFirst(4)
        }
        self.fragments = fragments
    }
}
