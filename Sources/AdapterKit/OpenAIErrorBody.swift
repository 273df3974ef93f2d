/// An OpenAI-shaped error for the client: `{"error":{"message","type","param","code"}}` plus the HTTP status
/// and whether retrying can help.
public struct OpenAIErrorBody: Sendable, Equatable {
    public var status: Int
    public var message: String
    public var type: String
    public var param: String?
    public var code: String?
    /// `GW_ERROR_NO_RETRY`: retrying cannot help (billing, a bad key, a malformed request).
    public var noRetry: Bool
    /// Extra top-level members kept next to `error` (e.g. GLM's `contentFilter`).
    public var extra: [JSONObject.Entry]

    public init(status: Int, message: String, type: String, param: String? = nil, code: String? = nil,
                noRetry: Bool = false, extra: [JSONObject.Entry] = []) {
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.noRetry = noRetry
        self.extra = extra
    }

    /// The JSON body.
    public func encoded() -> [UInt8] {
        var inner = JSONObject()
        inner["message"] = .string(message)
        inner["type"] = .string(type)
        inner["param"] = param.map(JSONValue.string) ?? .null
        inner["code"] = code.map(JSONValue.string) ?? .null
        var outer = JSONObject()
        outer["error"] = .object(inner)
        for e in extra where e.key != "error" { outer[e.key] = e.value }
        return outer.serialized()
    }

    /// The OpenAI `type` that usually goes with an HTTP status.
    public static func defaultType(forStatus status: Int) -> String {
        switch status {
        case 400, 404, 409, 413, 422: return "invalid_request_error"
        case 401: return "authentication_error"
        case 402: return "insufficient_quota"
        case 403: return "permission_error"
        case 408, 504: return "timeout_error"
        case 429: return "rate_limit_error"
        case 500...599: return "server_error"
        default: return status >= 500 ? "server_error" : "upstream_error"
        }
    }

    /// The `code` that usually goes with an HTTP status (nil when OpenAI sends none).
    public static func defaultCode(forStatus status: Int) -> String? {
        switch status {
        case 401: return "invalid_api_key"
        case 402: return "insufficient_quota"
        case 404: return "not_found"
        case 429: return "rate_limit_exceeded"
        default: return nil
        }
    }

    /// Whether retrying the same request can help, judged by the status alone.
    public static func defaultNoRetry(forStatus status: Int) -> Bool {
        switch status {
        case 400, 401, 402, 403, 404, 413, 422: return true
        default: return false
        }
    }

    /// An error for an upstream answer we could not read: "upstream returned HTTP <status>".
    public static func upstream(status: Int, clientStatus: Int = 502) -> OpenAIErrorBody {
        OpenAIErrorBody(status: clientStatus, message: "upstream returned HTTP \(status)", type: "upstream_error",
                        param: nil, code: "upstream_error")
    }

    /// An error built only from the upstream status, with `message` (or a generic one).
    public static func forStatus(_ status: Int, message: String? = nil) -> OpenAIErrorBody {
        let clientStatus = (400...599).contains(status) ? status : 502
        return OpenAIErrorBody(
            status: clientStatus, message: message ?? "upstream returned HTTP \(status)",
            type: defaultType(forStatus: clientStatus), param: nil, code: defaultCode(forStatus: clientStatus),
            noRetry: defaultNoRetry(forStatus: clientStatus))
    }

    /// Reads `{"error":{...}}` (or a bare `{"message":...}`) leniently: missing fields become nil, numeric
    /// codes become strings. Returns nil when there is no usable error object.
    public static func parseUpstream(_ object: JSONObject) -> (message: String?, type: String?, param: String?, code: String?)? {
        let inner: JSONObject
        if let e = object["error"]?.objectValue {
            inner = e
        } else if let s = object["error"]?.stringValue {
            return (s, nil, nil, nil)
        } else if object["message"]?.stringValue != nil {
            inner = object
        } else {
            return nil
        }
        func text(_ v: JSONValue?) -> String? {
            switch v {
            case .string(let s)?: return s
            case .number(let n)?: return n
            case .bool(let b)?: return b ? "true" : "false"
            default: return nil
            }
        }
        return (text(inner["message"]), text(inner["type"]), text(inner["param"]), text(inner["code"]))
    }
}
