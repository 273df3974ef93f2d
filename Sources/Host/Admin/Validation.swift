import Foundation

/// Field checks shared by the admin handlers. Each returns a problem to show next to the field, or nil.
enum Validation {
    /// Paths the gateway itself serves; endpoints may not take them or live under them.
    static let reservedPrefixes = ["/admin", "/healthz", "/readyz", "/metrics", "/assets", "/console"]

    static func endpointPathProblem(_ path: String) -> String? {
        if !path.hasPrefix("/") { return "must start with /" }
        if path == "/" { return "must not be / (the console lives there)" }
        if path.count > 200 { return "must be at most 200 characters" }
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._~/-")
        if path.unicodeScalars.contains(where: { !allowed.contains($0) }) {
            return "may contain only letters, digits and . _ ~ / -"
        }
        if path.contains("//") { return "must not contain //" }
        if path.hasSuffix("/") { return "must not end with /" }
        let segments = path.split(separator: "/")
        if segments.contains(where: { $0 == "." || $0 == ".." }) { return "must not contain . or .. segments" }
        for prefix in reservedPrefixes where path == prefix || path.hasPrefix(prefix + "/") {
            return "must not be under \(prefix), which the gateway itself serves"
        }
        if path.hasSuffix("/chat/completions") || path.hasSuffix("/models") {
            return "must not end with /chat/completions or /models: those routes are added to the endpoint's path"
        }
        return nil
    }

    static func baseURLProblem(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.count <= 2048, let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty
        else { return "must be an http:// or https:// URL" }
        if url.user != nil || url.password != nil { return "must not contain credentials; use api_key" }
        if url.query != nil || url.fragment != nil { return "must not contain a query or fragment" }
        return nil
    }

    /// At most `max` characters and no control characters (no newlines, no terminal escapes that
    /// could forge log lines or garble a console).
    static func oneLine(_ text: String, max: Int) -> Bool {
        text.count <= max && !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == "\u{2028}" || $0 == "\u{2029}" })
    }

    /// Login names: 3 to 32 of letters, digits, `.`, `_`, `-`, starting with a letter or digit.
    static func usernameProblem(_ name: String) -> String? {
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard (3...32).contains(name.count), name.unicodeScalars.allSatisfy({ allowed.contains($0) }),
            let first = name.unicodeScalars.first, CharacterSet.alphanumerics.contains(first)
        else { return "must be 3 to 32 characters: letters, digits, . _ -, starting with a letter or digit" }
        return nil
    }

    /// An e-mail address, or empty for none. Only the shape is checked: one @, no spaces, a dot in the domain.
    static func emailProblem(_ email: String) -> String? {
        if email.isEmpty { return nil }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.utf8.count <= 254, oneLine(email, max: 254), parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
            !parts[1].hasPrefix("."), !parts[1].hasSuffix("."), !email.contains(where: { $0.isWhitespace })
        else { return "must be an e-mail address like name@example.com (at most 254 characters) or empty" }
        return nil
    }

    static func displayNameProblem(_ name: String) -> String? {
        oneLine(name, max: 100) ? nil : "must be at most 100 characters on one line"
    }

    /// An ISO 8601 timestamp (`2026-01-31T12:00:00Z`, fractional seconds allowed).
    static func timestamp(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}
