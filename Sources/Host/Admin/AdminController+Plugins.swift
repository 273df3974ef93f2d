import Hummingbird

extension AdminController {
    struct PluginsView: ResponseEncodable, Sendable {
        struct Loaded: Encodable, Sendable {
            let name: String
            let displayName: String
            let version: String
            let abiVersion: String
            let file: String
            let capabilities: [String]
            let defaultBaseURL: String?
            enum CodingKeys: String, CodingKey {
                case name, version, file, capabilities
                case displayName = "display_name", abiVersion = "abi_version", defaultBaseURL = "default_base_url"
            }
        }
        struct Refused: Encodable, Sendable {
            let file: String
            let reason: String
        }
        let loaded: [Loaded]
        let refused: [Refused]
        let directory: String
    }

    @Sendable func listPlugins(_ request: Request, context: GatewayRequestContext) async throws -> PluginsView {
        _ = try context.requireAdmin()
        let state = registry.snapshot
        return PluginsView(
            loaded: state.loaded.map {
                .init(name: $0.name, displayName: $0.displayName, version: $0.version, abiVersion: $0.abiVersionString,
                      file: $0.file, capabilities: $0.capabilityNames, defaultBaseURL: $0.defaultBaseURL)
            },
            refused: state.refused.map { .init(file: $0.file, reason: $0.reason) },
            directory: registry.directory)
    }
}
