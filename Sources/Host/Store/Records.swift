import Foundation
import GRDB

/// A console account.
public struct UserRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "user"
    public var id: Int64?
    public var username: String
    public var displayName: String
    public var email: String
    public var role: String
    public var passwordHash: String
    public var mustChangePassword: Bool
    public var enabled: Bool
    public var createdAt: Date
    public var updatedAt: Date
    /// When the password was last changed (nil: never since the account was created).
    public var passwordChangedAt: Date? = nil
    public var lastLoginAt: Date? = nil

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    public static let adminRole = "admin"
    public static let userRole = "user"
    public var isAdmin: Bool { role == Self.adminRole }
}

/// An upstream provider: one adapter instance with its base URL and credential.
public struct ProviderRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "provider"
    public var id: Int64?
    public var name: String
    public var adapter: String
    public var baseURL: String
    /// The provider API key sealed with the gateway's secret key (`SecretBox`); never stored in plain text.
    public var apiKeySealed: Data?
    /// What an admin read shows instead of the key, e.g. `sk-...abcd`.
    public var apiKeyHint: String
    public var modelsJSON: String
    public var optionsJSON: String
    public var enabled: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    public var models: [String] {
        (try? JSONDecoder().decode([String].self, from: Data(modelsJSON.utf8))) ?? []
    }
}

/// A custom API path bound to a provider and model.
public struct EndpointRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "endpoint"
    public var id: Int64?
    public var path: String
    public var name: String
    public var description: String
    public var providerId: Int64
    public var model: String
    public var allowModelOverride: Bool
    public var systemPrompt: String
    public var systemPromptMode: String
    public var streamPolicy: String
    /// Seconds a cached answer stays valid; 0 turns the response cache off for this endpoint.
    public var cacheTTL: Int = 0
    /// Whether answers to requests with sampling randomness (temperature > 0) may be cached too.
    public var cacheNondeterministic: Bool = false
    public var enabled: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A client API key. Only a SHA-256 of the key and a short prefix for display are stored.
public struct APIKeyRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "apiKey"
    public var id: Int64?
    public var name: String
    public var keyHash: String
    public var prefix: String
    /// The owner. Deleting the user deletes the key; disabling the user suspends it.
    public var userId: Int64?
    public var enabled: Bool
    public var createdAt: Date
    public var lastUsedAt: Date?
    /// After this instant the key is refused (nil: never expires).
    public var expiresAt: Date? = nil
    /// true: every endpoint; false: only the endpoints in `apiKeyEndpoint` for this key.
    public var allEndpoints: Bool = true

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One endpoint a scoped key may call.
public struct APIKeyEndpointRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "apiKeyEndpoint"
    public var apiKeyId: Int64
    public var endpointId: Int64
}

/// An issued admin session token, by its `jti`. The token itself is never stored.
public struct SessionRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "session"
    /// The token's `jti`.
    public var id: String
    public var userId: Int64
    public var issuedAt: Date
    public var expiresAt: Date
    public var revokedAt: Date?
    /// `logout`, `password_changed`, `user_disabled`, `password_reset`, ...
    public var revokedReason: String?
    public var remoteAddress: String
    public var userAgent: String
}

/// One entry of the audit log: who did what to which object, when and from where. `detailJSON`
/// carries field names and non-secret values only.
public struct AuditEventRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "auditEvent"
    public var id: Int64?
    public var at: Date
    public var actorId: Int64?
    public var actorName: String
    public var action: String
    public var targetType: String
    public var targetId: String
    public var detailJSON: String
    public var remoteAddress: String

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
