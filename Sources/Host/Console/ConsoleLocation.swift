import Foundation

/// Finds the console's files: `server.frontend_path` when configured, else the copy SwiftPM places in
/// the Host module's resource bundle next to the executable.
enum ConsoleLocation {
    /// The folder to serve, or nil when neither a configured folder nor the shipped copy exists.
    /// - Parameter configured: `server.frontend_path`; empty means "the files shipped with the build".
    static func directory(configured: String) -> String? {
        if !configured.isEmpty { return configured }
        // Look the resource up without `Bundle.module`, which traps when the bundle is missing
        // (same lookup as `OpenAPIDocument`).
        let bases = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
        for base in bases {
            for bundle in ["llm-gateway_Host.resources", "llm-gateway_Host.bundle"] {
                let folder = base.appendingPathComponent(bundle).appendingPathComponent("console")
                if FileManager.default.fileExists(atPath: folder.appendingPathComponent("index.html").path) {
                    return folder.path
                }
            }
        }
        return nil
    }
}
