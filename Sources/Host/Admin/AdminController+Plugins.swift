import Foundation
import Hummingbird

extension AdminController {
    /// `GET /admin/plugins`: the adapters in use, the versions they replaced that are still in use, the files
    /// that were refused and why, and the watcher's state.
    struct PluginsView: ResponseEncodable, Sendable {
        struct Loaded: Encodable, Sendable {
            let name: String
            let displayName: String
            let version: String
            let abiVersion: String
            let file: String
            let sha256: String
            let capabilities: [String]
            let defaultBaseURL: String?
            let loadedAt: Date
            /// Requests being answered with this version now.
            let inUse: Int
            /// Provider instances created from this version.
            let instances: Int
            enum CodingKeys: String, CodingKey {
                case name, version, file, sha256, capabilities, instances
                case displayName = "display_name", abiVersion = "abi_version", defaultBaseURL = "default_base_url"
                case loadedAt = "loaded_at", inUse = "in_use"
            }
        }
        struct Retired: Encodable, Sendable {
            let name: String
            let version: String
            let file: String
            let sha256: String
            let loadedAt: Date
            let retiredAt: Date
            let reason: String
            let inUse: Int
            let instances: Int
            enum CodingKeys: String, CodingKey {
                case name, version, file, sha256, reason, instances
                case loadedAt = "loaded_at", retiredAt = "retired_at", inUse = "in_use"
            }
        }
        struct Refused: Encodable, Sendable {
            let file: String
            let reason: String
            let refusedAt: Date
            let sha256: String?
            enum CodingKeys: String, CodingKey {
                case file, reason, sha256
                case refusedAt = "refused_at"
            }
        }
        struct Watch: Encodable, Sendable {
            /// "inotify", "poll" or "off".
            let mode: String
            let scans: Int
            let lastScanAt: Date?
            enum CodingKeys: String, CodingKey {
                case mode, scans
                case lastScanAt = "last_scan_at"
            }
        }
        struct Change: Encodable, Sendable {
            let action: String
            let file: String
            let name: String?
            let version: String?
            let previousVersion: String?
            let reason: String?
            enum CodingKeys: String, CodingKey {
                case action, file, name, version, reason
                case previousVersion = "previous_version"
            }
        }
        let directory: String
        let loaded: [Loaded]
        /// Replaced or removed versions that requests or instances still use; each disappears when idle.
        let retired: [Retired]
        let refused: [Refused]
        let loadFailures: Int
        let mappedLibraries: Int
        let watch: Watch
        /// Only in answers to `POST /admin/plugins/reload`: what that scan changed.
        let changes: [Change]?
        enum CodingKeys: String, CodingKey {
            case directory, loaded, retired, refused, watch, changes
            case loadFailures = "load_failures", mappedLibraries = "mapped_libraries"
        }

        init(_ report: AdapterRegistry.Report, changes: [AdapterRegistry.Change]?) {
            directory = report.directory
            loaded = report.active.map {
                Loaded(name: $0.adapter.name, displayName: $0.adapter.displayName, version: $0.adapter.version,
                       abiVersion: $0.adapter.abiVersionString, file: $0.adapter.file, sha256: $0.sha256,
                       capabilities: $0.adapter.capabilityNames, defaultBaseURL: $0.adapter.defaultBaseURL,
                       loadedAt: $0.loadedAt, inUse: $0.adapter.inUse, instances: $0.adapter.instanceCount)
            }
            retired = report.retired.map {
                Retired(name: $0.name, version: $0.version, file: $0.file, sha256: $0.sha256, loadedAt: $0.loadedAt,
                        retiredAt: $0.retiredAt, reason: $0.reason, inUse: $0.inUse, instances: $0.instances)
            }
            refused = report.refused.map { Refused(file: $0.file, reason: $0.reason, refusedAt: $0.at, sha256: $0.sha256) }
            loadFailures = report.loadFailures
            mappedLibraries = report.mappedLibraries
            watch = Watch(mode: report.watchMode, scans: report.scans, lastScanAt: report.lastScanAt)
            self.changes = changes?.map {
                Change(action: $0.kind.rawValue, file: $0.file, name: $0.name, version: $0.version,
                       previousVersion: $0.previousVersion, reason: $0.reason)
            }
        }
    }

    @Sendable func listPlugins(_ request: Request, context: GatewayRequestContext) async throws -> PluginsView {
        _ = try context.requireAdmin()
        return PluginsView(registry.report, changes: nil)
    }

    /// `POST /admin/plugins/reload`: rescans the plugins directory now (the watcher usually has already), applies
    /// what changed to the routing snapshot, and answers with the new state and this scan's changes.
    @Sendable func reloadPlugins(_ request: Request, context: GatewayRequestContext) async throws -> PluginsView {
        _ = try context.requireAdmin()
        let changes = registry.rescan()  // serialised with the watcher's scans; usually quick (only changed files load)
        return PluginsView(registry.report, changes: changes)
    }
}
