/// Behaviour switches found in the text of the last user message as `[mock key=value flag ...]`.
///
/// Several brackets may appear anywhere in the text; a later value for the same key wins. Tokens are separated by
/// whitespace; a token without `=` is a flag. Unknown keys are ignored.
struct MockDirectives: Sendable {
    private(set) var values: [String: String] = [:]

    /// The text with every directive removed, together with the whitespace that follows it, then trimmed.
    private(set) var strippedText: String = ""

    init(parsing text: String) {
        var stripped = ""
        var rest = Substring(text)
        while let open = rest.range(of: "[mock") {
            let afterKeyword = rest[open.upperBound...]
            // `[mockery]` is not a directive: the keyword must end at whitespace or the closing bracket.
            guard let next = afterKeyword.first, next == "]" || next.isWhitespace,
                let close = afterKeyword.firstIndex(of: "]")
            else {
                stripped += rest[..<open.upperBound]
                rest = afterKeyword
                continue
            }
            stripped += rest[..<open.lowerBound]
            for token in afterKeyword[..<close].split(whereSeparator: \.isWhitespace) {
                if let equals = token.firstIndex(of: "=") {
                    values[token[..<equals].lowercased()] = String(token[token.index(after: equals)...])
                } else {
                    values[token.lowercased()] = ""
                }
            }
            rest = afterKeyword[afterKeyword.index(after: close)...].drop(while: \.isWhitespace)
        }
        stripped += rest
        strippedText = stripped.trimmingWhitespace()
    }

    /// True when the key is present, with or without a value.
    func has(_ key: String) -> Bool { values[key] != nil }

    /// The raw value; `""` for a flag, nil when absent.
    func string(_ key: String) -> String? { values[key] }

    /// A non-negative integer value; nil when absent or not a number.
    func int(_ key: String) -> Int? {
        values[key].flatMap { Int($0) }.map { max(0, $0) }
    }

    /// A flag that is on unless written `key=false`, `key=0` or `key=off`.
    func flag(_ key: String) -> Bool {
        guard let value = values[key] else { return false }
        return !["false", "0", "off", "no"].contains(value.lowercased())
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map { index(after: $0) } ?? start
        return String(self[start..<Swift.max(start, end)])
    }
}
