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

    static func oneLine(_ text: String, max: Int) -> Bool {
        text.count <= max && !text.contains(where: { $0.isNewline })
    }
}
