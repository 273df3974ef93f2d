import Foundation

/// A file in the adapter directory that was not loaded, and why.
public struct RefusedAdapter: Sendable {
    public let file: String
    public let reason: String

    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }
}

/// Loads the adapters of a directory.
public enum AdapterDirectory {
    /// The adapter files of `directory`, sorted by name: regular files (or links to them) whose name ends in `.so`
    /// and does not start with `.` (hidden names are left to temporary copies, like `.x.so.tmp` during an install).
    /// - Throws: when the directory cannot be read.
    public static func candidates(_ directory: String) throws -> [String] {
        let fm = FileManager.default
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        return try fm.contentsOfDirectory(atPath: directory)
            .filter { $0.hasSuffix(".so") && !$0.hasPrefix(".") }
            .sorted()
            .filter { name in
                var isDirectory: ObjCBool = false
                return fm.fileExists(atPath: base + name, isDirectory: &isDirectory) && !isDirectory.boolValue
            }
    }

    /// Loads every `*.so` in `directory` (sorted by file name). A file that fails (corrupt, no entry symbol,
    /// wrong ABI major, bad descriptor, duplicate adapter name: first file wins) is refused with a reason and
    /// logged at error level; the others still load.
    public static func scan(
        _ directory: String, log: @escaping @Sendable (AdapterLogLevel, String) -> Void
    ) -> (loaded: [LoadedAdapter], refused: [RefusedAdapter]) {
        let names: [String]
        do {
            names = try candidates(directory)
        } catch {
            log(.error, "cannot read the adapter directory \(directory): \(error.localizedDescription)")
            return ([], [])
        }
        var loaded: [LoadedAdapter] = []
        var refused: [RefusedAdapter] = []
        var byName: [String: LoadedAdapter] = [:]
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        for fileName in names {
            let path = base + fileName
            do {
                let adapter = try LoadedAdapter.load(path: path, log: log)
                if let first = byName[adapter.name] {
                    let reason = "duplicate adapter name \(adapter.name) (already loaded from \(first.file))"
                    log(.error, "refused adapter \(path): \(reason)")
                    refused.append(RefusedAdapter(file: path, reason: reason))
                    continue
                }
                byName[adapter.name] = adapter
                loaded.append(adapter)
                log(.info, "loaded adapter \(adapter.name) \(adapter.version) (ABI \(adapter.abiVersionString)) from \(path)")
            } catch {
                log(.error, "refused adapter \(path): \(error.reason)")
                refused.append(RefusedAdapter(file: path, reason: error.reason))
            }
        }
        return (loaded, refused)
    }
}
