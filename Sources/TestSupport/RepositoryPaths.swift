import Foundation

/// Where things are for tests: the repository, its fixtures and the build products under test.
public enum RepositoryPaths {
    /// The repository root, derived from this file's location (Sources/TestSupport/...).
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `Tests/Fixtures`.
    public static let fixtures: URL = root.appendingPathComponent("Tests/Fixtures")

    /// The folder with the built products (`gateway`, `mock-provider`, `lib*Adapter.so`).
    /// `GATEWAY_BUILD_DIR` wins; otherwise the folder of the running test binary, which SwiftPM puts
    /// beside the products it was built with.
    public static var buildProducts: URL {
        if let dir = ProcessInfo.processInfo.environment["GATEWAY_BUILD_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = executable.deletingLastPathComponent()
        // On Linux the test binary is `<products>/<package>PackageTests.xctest`; on macOS it sits inside a bundle.
        while dir.pathComponents.count > 1, !FileManager.default.fileExists(atPath: dir.appendingPathComponent("Modules").path) {
            let parent = dir.deletingLastPathComponent()
            if parent == dir { break }
            dir = parent
            if dir.lastPathComponent == "debug" || dir.lastPathComponent == "release" { break }
        }
        return dir
    }

    /// The built shared library of one of our adapters, e.g. `adapterLibrary("OpenAIAdapter")`.
    public static func adapterLibrary(_ product: String) -> URL {
        buildProducts.appendingPathComponent("lib\(product).so")
    }

    /// Reads a fixture file, e.g. `fixture("providers/openai/stream.sse")`.
    public static func fixture(_ relativePath: String) throws -> Data {
        try Data(contentsOf: fixtures.appendingPathComponent(relativePath))
    }
}
