import Foundation

/// The admin API's OpenAPI document, `Sources/Host/Resources/openapi.json`, shipped as a resource
/// of this module and served at `/admin/openapi.json`.
enum OpenAPIDocument {
    static let json: String = {
        let name = "openapi"
        // Look the resource up without `Bundle.module`, which traps when the bundle is missing.
        let candidates = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()].flatMap { base in
            ["llm-gateway_Host.resources", "llm-gateway_Host.bundle"].map { base.appendingPathComponent($0).appendingPathComponent("\(name).json") }
        }
        for url in candidates {
            if let text = try? String(contentsOf: url, encoding: .utf8) { return text }
        }
        return #"{"openapi":"3.1.0","info":{"title":"LLM gateway admin API","version":"1.0.0","description":"The full document was not found next to the gateway executable."},"paths":{}}"#
    }()
}
