import PluginAPI

/// Reads the borrowed C inputs safely: only fields inside the given `struct_size` are used, the rest count as
/// absent, and NULL pointers with a non-zero length are treated as empty.
enum CInput {
    /// Whether a field at `offset` of `size` bytes lies inside `structSize`.
    static func has(_ structSize: UInt32, _ offset: Int?, _ size: Int) -> Bool {
        guard let offset else { return false }
        return offset + size <= Int(structSize)
    }

    /// The bytes of a borrowed gw_str (empty when NULL).
    static func bytes(_ s: gw_str) -> UnsafeRawBufferPointer {
        guard let p = s.ptr, s.len > 0, s.len <= Int.max / 2 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: p, count: s.len)
    }

    /// A borrowed gw_str as a Swift String (invalid UTF-8 is repaired).
    static func string(_ s: gw_str) -> String {
        String(decoding: bytes(s), as: UTF8.self)
    }
}

/// One unified request, as handed to `translate_request`, `translate_response`, `translate_error` and
/// `create_stream`. `body` is borrowed: it is valid only during the call.
public struct AdapterRequest {
    public var model: String
    /// The OpenAI chat-completions JSON (borrowed for the call).
    public var body: UnsafeRawBufferPointer
    /// `GW_REQ_STREAM`.
    public var stream: Bool
    /// `GW_REQ_INCLUDE_USAGE`.
    public var includeUsage: Bool
    /// The host's request id (may be empty when an older host sent none).
    public var requestID: String

    public init(model: String, body: UnsafeRawBufferPointer, stream: Bool, includeUsage: Bool, requestID: String) {
        self.model = model
        self.body = body
        self.stream = stream
        self.includeUsage = includeUsage
        self.requestID = requestID
    }

    init(_ p: UnsafePointer<gw_request>) {
        let size = p.pointee.struct_size
        let flags = CInput.has(size, MemoryLayout<gw_request>.offset(of: \.flags), 4) ? p.pointee.flags : 0
        model = CInput.has(size, MemoryLayout<gw_request>.offset(of: \.model), 16) ? CInput.string(p.pointee.model) : ""
        body = CInput.has(size, MemoryLayout<gw_request>.offset(of: \.body_json), 16)
            ? CInput.bytes(p.pointee.body_json) : UnsafeRawBufferPointer(start: nil, count: 0)
        requestID = CInput.has(size, MemoryLayout<gw_request>.offset(of: \.request_id), 16)
            ? CInput.string(p.pointee.request_id) : ""
        stream = flags & UInt32(GW_REQ_STREAM) != 0
        includeUsage = flags & UInt32(GW_REQ_INCLUDE_USAGE) != 0
    }
}

/// An upstream HTTP answer (whole body, borrowed for the call).
public struct UpstreamResponse {
    public var status: Int
    public var contentType: String
    public var body: UnsafeRawBufferPointer

    public init(status: Int, contentType: String, body: UnsafeRawBufferPointer) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    init(_ p: UnsafePointer<gw_response>) {
        let size = p.pointee.struct_size
        status = CInput.has(size, MemoryLayout<gw_response>.offset(of: \.status), 4) ? Int(p.pointee.status) : 0
        contentType = CInput.has(size, MemoryLayout<gw_response>.offset(of: \.content_type), 16)
            ? CInput.string(p.pointee.content_type) : ""
        body = CInput.has(size, MemoryLayout<gw_response>.offset(of: \.body), 16)
            ? CInput.bytes(p.pointee.body) : UnsafeRawBufferPointer(start: nil, count: 0)
    }
}

/// The configuration of one provider instance, copied out of `gw_instance_config`.
public struct InstanceConfig: Sendable {
    public var baseURL: String
    /// The provider credential in plain text: keep it in memory only, never log it.
    public var apiKey: String
    /// Adapter-specific options, a JSON object ("{}" when none).
    public var optionsJSON: [UInt8]

    public init(baseURL: String, apiKey: String, optionsJSON: [UInt8]) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.optionsJSON = optionsJSON
    }

    init(_ p: UnsafePointer<gw_instance_config>) {
        let size = p.pointee.struct_size
        baseURL = CInput.has(size, MemoryLayout<gw_instance_config>.offset(of: \.base_url), 16)
            ? CInput.string(p.pointee.base_url) : ""
        apiKey = CInput.has(size, MemoryLayout<gw_instance_config>.offset(of: \.api_key), 16)
            ? CInput.string(p.pointee.api_key) : ""
        optionsJSON = CInput.has(size, MemoryLayout<gw_instance_config>.offset(of: \.options_json), 16)
            ? Array(CInput.bytes(p.pointee.options_json)) : []
    }

    /// The options as a JSON object (empty when absent or blank).
    /// - Throws: ``AdapterError/config(_:)`` when the options are not a JSON object.
    public func options() throws(AdapterError) -> JSONObject {
        let trimmed = optionsJSON.drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        if trimmed.isEmpty { return JSONObject() }
        guard case .object(let o)? = try? JSONValue.parse(optionsJSON) else {
            throw AdapterError.config("options_json is not a JSON object")
        }
        return o
    }
}
