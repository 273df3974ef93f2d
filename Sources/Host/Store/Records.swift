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

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
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
    public var userId: Int64?
    public var enabled: Bool
    public var createdAt: Date
    public var lastUsedAt: Date?

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
