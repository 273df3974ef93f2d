import Crypto
import JSONCore

/// The exact-match key of a cacheable request: endpoint, model and the request body in canonical form
/// (keys sorted at every level; `stream`, `stream_options` and `user` left out, as they do not change
/// the answer's content).
enum CacheKey {
    static let ignoredFields: Set<String> = ["stream", "stream_options", "user"]

    static func make(endpointID: Int64, model: String, request: JSONObject) -> String {
        var canonical = JSONObject()
        for key in request.keys.sorted() where !ignoredFields.contains(key) {
            canonical[key] = sorted(request[key]!)
        }
        var hasher = SHA256()
        hasher.update(data: Array("\(endpointID)\u{0}\(model)\u{0}".utf8))
        hasher.update(data: JSONValue.object(canonical).serialized())
        return hasher.finalize().map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    private static func sorted(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            var result = JSONObject()
            for key in object.keys.sorted() { result[key] = sorted(object[key]!) }
            return .object(result)
        case .array(let items): return .array(items.map(sorted))
        default: return value
        }
    }

    /// Whether the answer to `request` is reproducible: temperature 0 (or top_p 0) and one choice.
    /// Other requests are cached only when the endpoint says sampling randomness is acceptable.
    static func isDeterministic(_ request: JSONObject) -> Bool {
        if let n = request["n"]?.int64Value, n > 1 { return false }
        if request["temperature"]?.doubleValue == 0 { return true }
        if request["top_p"]?.doubleValue == 0 { return true }
        return false
    }
}
