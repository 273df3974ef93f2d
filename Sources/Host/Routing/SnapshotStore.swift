import AdapterHost
import Foundation
import GRDB
import Logging
import Synchronization

/// Holds the current `RoutingSnapshot` and rebuilds it from the database after admin writes.
public final class SnapshotStore: Sendable {
    private let current = Mutex(RoutingSnapshot.empty)
    /// Provider instances by id, reused across rebuilds while the provider's configuration is unchanged.
    private let instances = Mutex<[Int64: (record: ProviderRecord, adapter: ObjectIdentifier?, provider: ResolvedProvider)]>([:])
    private let rebuildLock = Mutex(())
    private let database: GatewayDatabase
    private let registry: AdapterRegistry
    private let secrets: SecretBox
    private let logger: Logger

    init(database: GatewayDatabase, registry: AdapterRegistry, secrets: SecretBox, logger: Logger) {
        self.database = database
        self.registry = registry
        self.secrets = secrets
        self.logger = logger
    }

    /// The snapshot in force; cheap enough to call on every request.
    public var snapshot: RoutingSnapshot { current.withLock { $0 } }

    /// Rebuilds the snapshot from the database. Rebuilds are serialised so a slower one cannot
    /// overwrite a newer one.
    public func rebuild() throws {
        try rebuildLock.withLock { _ in
            let (providers, endpoints, keys, scopes, ownersEnabled) = try database.pool.read { db in
                (try ProviderRecord.fetchAll(db), try EndpointRecord.fetchAll(db), try APIKeyRecord.fetchAll(db),
                 try APIKeyEndpointRecord.fetchAll(db),
                 Dictionary(try Row.fetchAll(db, sql: "SELECT id, enabled FROM user").map { ($0["id"] as Int64, $0["enabled"] as Bool) },
                            uniquingKeysWith: { first, _ in first }))
            }
            var resolvedProviders: [Int64: ResolvedProvider] = [:]
            for record in providers {
                guard let id = record.id else { continue }
                resolvedProviders[id] = resolve(record)
            }
            instances.withLock { cache in
                cache = cache.filter { resolvedProviders[$0.key] != nil }
            }
            var endpointsByPath: [String: ResolvedEndpoint] = [:]
            for record in endpoints {
                guard let provider = resolvedProviders[record.providerId] else { continue }
                endpointsByPath[record.path] = ResolvedEndpoint(record: record, provider: provider)
            }
            var keysByHash: [String: ClientKeyEntry] = [:]
            var scopeByKey: [Int64: Set<Int64>] = [:]
            for row in scopes { scopeByKey[row.apiKeyId, default: []].insert(row.endpointId) }
            for key in keys {
                guard let id = key.id else { continue }
                keysByHash[key.keyHash] = ClientKeyEntry(
                    id: id, name: key.name, userID: key.userId, enabled: key.enabled, digest: ClientKey.digest(ofHash: key.keyHash),
                    expiresAt: key.expiresAt.map { Int64($0.timeIntervalSince1970) },
                    endpointIDs: key.allEndpoints ? nil : scopeByKey[id] ?? [],
                    ownerEnabled: key.userId.map { ownersEnabled[$0] ?? false } ?? true)
            }
            let snapshot = RoutingSnapshot(endpointsByPath: endpointsByPath, keysByHash: keysByHash, providersByID: resolvedProviders)
            current.withLock { $0 = snapshot }
        }
    }

    private func resolve(_ record: ProviderRecord) -> ResolvedProvider {
        let id = record.id ?? 0
        let adapter = registry.adapter(named: record.adapter)
        let adapterID = adapter.map(ObjectIdentifier.init)
        if let cached = instances.withLock({ $0[id] }), cached.record == record, cached.adapter == adapterID {
            return cached.provider
        }
        let provider = makeProvider(record, adapter: adapter)
        instances.withLock { $0[id] = (record, adapterID, provider) }
        return provider
    }

    private func makeProvider(_ record: ProviderRecord, adapter: LoadedAdapter?) -> ResolvedProvider {
        guard let adapter else {
            return ResolvedProvider(record: record, instance: nil, status: .adapterMissing,
                                    statusMessage: "adapter '\(record.adapter)' is not loaded")
        }
        var apiKey = ""
        if let sealed = record.apiKeySealed {
            guard let opened = secrets.open(sealed) else {
                logger.error("cannot decrypt the API key of provider \(record.name): was the secret key changed?")
                return ResolvedProvider(record: record, instance: nil, status: .configError,
                                        statusMessage: "the stored API key cannot be decrypted with the configured secret key")
            }
            apiKey = opened
        }
        do {
            let instance = try adapter.makeInstance(baseURL: record.baseURL, apiKey: apiKey, optionsJSON: record.optionsJSON)
            let status: ProviderStatus = record.enabled ? .ready : .disabled
            return ResolvedProvider(record: record, instance: instance, status: status, statusMessage: nil)
        } catch {
            logger.error("adapter \(adapter.name) refused the configuration of provider \(record.name): \(error.message)")
            return ResolvedProvider(record: record, instance: nil, status: .configError, statusMessage: error.message)
        }
    }
}
