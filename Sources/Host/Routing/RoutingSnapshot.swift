import AdapterHost
import JSONCore

/// Why a provider can or cannot serve requests right now.
public enum ProviderStatus: String, Sendable, Codable {
    case ready
    case adapterMissing = "adapter_missing"
    case configError = "config_error"
    case disabled
}

/// A provider as the hot path needs it: its adapter instance (created once per configuration change)
/// and the decrypted credential, which lives only inside that instance.
public final class ResolvedProvider: Sendable {
    public let record: ProviderRecord
    public let instance: AdapterInstance?
    public let status: ProviderStatus
    public let statusMessage: String?
    public let models: [String]

    init(record: ProviderRecord, instance: AdapterInstance?, status: ProviderStatus, statusMessage: String?) {
        self.record = record
        self.instance = instance
        self.status = status
        self.statusMessage = statusMessage
        self.models = record.models
    }

    public var id: Int64 { record.id ?? 0 }
    public var name: String { record.name }
}

/// An endpoint with its provider resolved and its system message prepared once.
public struct ResolvedEndpoint: Sendable {
    public let record: EndpointRecord
    public let provider: ResolvedProvider
    /// `{"role":"system","content":<prompt>}`, or nil when the endpoint has no system prompt.
    public let systemMessage: JSONValue?

    init(record: EndpointRecord, provider: ResolvedProvider) {
        self.record = record
        self.provider = provider
        let prompt = record.systemPrompt
        self.systemMessage = prompt.isEmpty
            ? nil : .object(["role": .string("system"), "content": .string(prompt)])
    }

    public var id: Int64 { record.id ?? 0 }
    public var path: String { record.path }
}

/// A client key as the hot path needs it: everything `ProxyHandler.authenticate` decides on, so a
/// proxied request reads no database.
public struct ClientKeyEntry: Sendable {
    public let id: Int64
    public let name: String
    /// The owner (recorded in the usage ledger).
    public let userID: Int64?
    public let enabled: Bool
    /// SHA-256 of the key, compared in constant time after the dictionary lookup.
    public let digest: [UInt8]
    /// Seconds since 1970 after which the key is refused; nil: never.
    public let expiresAt: Int64?
    /// The endpoints the key may call; nil: every endpoint.
    public let endpointIDs: Set<Int64>?
    /// false while the owner's account is disabled: the key is suspended with it.
    public let ownerEnabled: Bool

    public init(id: Int64, name: String, userID: Int64?, enabled: Bool, digest: [UInt8] = [], expiresAt: Int64? = nil,
                endpointIDs: Set<Int64>? = nil, ownerEnabled: Bool = true) {
        self.id = id
        self.name = name
        self.userID = userID
        self.enabled = enabled
        self.digest = digest
        self.expiresAt = expiresAt
        self.endpointIDs = endpointIDs
        self.ownerEnabled = ownerEnabled
    }

    /// Whether the key may call `endpointID`.
    public func allows(endpoint endpointID: Int64) -> Bool { endpointIDs?.contains(endpointID) ?? true }
}

/// Everything a proxied request needs, built from the database after each admin write and swapped in
/// whole, so the hot path reads no database and never sees a half-applied change.
public struct RoutingSnapshot: Sendable {
    public let endpointsByPath: [String: ResolvedEndpoint]
    public let keysByHash: [String: ClientKeyEntry]
    public let providersByID: [Int64: ResolvedProvider]

    public static let empty = RoutingSnapshot(endpointsByPath: [:], keysByHash: [:], providersByID: [:])

    /// Finds the endpoint and the kind of route for a request path:
    /// `P` and `P/chat/completions` are chat routes, `P/models` lists models.
    public func route(for path: String) -> (endpoint: ResolvedEndpoint, kind: RouteKind)? {
        if let endpoint = endpointsByPath[path] { return (endpoint, .chat) }
        if path.hasSuffix("/chat/completions"), let endpoint = endpointsByPath[String(path.dropLast(17))] {
            return (endpoint, .chat)
        }
        if path.hasSuffix("/models"), let endpoint = endpointsByPath[String(path.dropLast(7))] {
            return (endpoint, .models)
        }
        return nil
    }

    public enum RouteKind: Sendable { case chat, models }
}
