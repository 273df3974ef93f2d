import Crypto
import Foundation
import Logging
import Synchronization

/// The console's files, read into memory once (with their gzip forms) and served from there.
///
/// Only files found inside the folder when it was read can ever be served: a request names a key in a
/// dictionary, never a path on disk, so `..`, symlinks and encoded separators cannot reach other files.
/// A configured `server.frontend_path` is re-read when its files change (checked at most once a second),
/// so a developer can edit the console and reload the page; the shipped copy is read once.
final class ConsoleAssets: Sendable {
    /// One consistent reading of the folder.
    struct Contents: Sendable {
        /// Files by relative path (`index.html`, `assets/app.js`).
        let files: [String: ConsoleFile]
        /// 12 hex digits that change whenever any file changes; asset URLs carry it as `/assets/v-<version>/...`.
        let version: String
        fileprivate let stamps: [String: FileStamp]

        var versionSegment: String { "v-" + version }
    }

    fileprivate struct FileStamp: Sendable, Equatable {
        let size: UInt64
        let modified: Date
    }

    /// Limits that keep a mistyped `frontend_path` (say, `/`) from reading a whole disk into memory.
    static let maximumFiles = 2000
    static let maximumBytes = 64 * 1024 * 1024

    let directory: String
    private let watchesForChanges: Bool
    private let logger: Logger
    private let state: Mutex<(contents: Contents, checkedAt: ContinuousClock.Instant)>

    /// Reads `directory` now; throws when it has no `index.html` or breaks the limits.
    init(directory: String, watchesForChanges: Bool, logger: Logger) throws {
        self.directory = directory
        self.watchesForChanges = watchesForChanges
        self.logger = logger
        let stamps = try Self.scan(directory)
        state = Mutex((contents: try Self.read(directory, stamps: stamps), checkedAt: ContinuousClock.now))
    }

    /// The current files; for a watched folder, re-read first when a file was added, removed or changed.
    var contents: Contents {
        guard watchesForChanges else { return state.withLock { $0.contents } }
        let (cached, due) = state.withLock { current -> (Contents, Bool) in
            let due = ContinuousClock.now - current.checkedAt >= .seconds(1)
            if due { current.checkedAt = .now }
            return (current.contents, due)
        }
        guard due else { return cached }
        do {
            let stamps = try Self.scan(directory)
            guard stamps != cached.stamps else { return cached }
            let fresh = try Self.read(directory, stamps: stamps)
            state.withLock { $0.contents = fresh }
            logger.info("console files re-read", metadata: ["directory": "\(directory)", "version": "\(fresh.version)"])
            return fresh
        } catch {
            // Keep serving the last good copy while the folder is being edited.
            logger.warning("cannot re-read the console files; serving the previous copy", metadata: ["error": "\(error)"])
            return cached
        }
    }

    /// Sizes and modification times of every regular, non-hidden file below `directory`.
    private static func scan(_ directory: String) throws -> [String: FileStamp] {
        let root = URL(fileURLWithPath: directory, isDirectory: true).standardizedFileURL
        let keys: [URLResourceKey] = [.isRegularFileKey, .fileSizeKey, .contentModificationDateKey]
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent("index.html").path),
            let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: keys, options: [.skipsHiddenFiles])
        else {
            throw ConsoleAssetsError("no index.html in \(directory)")
        }
        var stamps: [String: FileStamp] = [:]
        var total: UInt64 = 0
        let prefix = root.path.hasSuffix("/") ? root.path : root.path + "/"
        for case let url as URL in walker {
            let values = try url.resourceValues(forKeys: Set(keys))
            // Symbolic links report isRegularFile false here, so they are never followed out of the folder.
            guard values.isRegularFile == true else { continue }
            let path = url.standardizedFileURL.path
            guard path.hasPrefix(prefix) else { continue }
            let size = UInt64(values.fileSize ?? 0)
            total += size
            stamps[String(path.dropFirst(prefix.count))] = FileStamp(size: size, modified: values.contentModificationDate ?? .distantPast)
            if stamps.count > maximumFiles || total > UInt64(maximumBytes) {
                throw ConsoleAssetsError("\(directory) holds more than \(maximumFiles) files or \(maximumBytes / 1_048_576) MiB; is it the console folder?")
            }
        }
        return stamps
    }

    private static func read(_ directory: String, stamps: [String: FileStamp]) throws -> Contents {
        var raw: [(path: String, bytes: [UInt8], modified: Date)] = []
        for (path, stamp) in stamps.sorted(by: { $0.key < $1.key }) {
            let url = URL(fileURLWithPath: directory).appendingPathComponent(path)
            raw.append((path, Array(try Data(contentsOf: url)), stamp.modified))
        }
        let tags = raw.map { Self.tag(of: $0.bytes) }
        var overall = SHA256()
        for (index, file) in raw.enumerated() {
            overall.update(data: Array(file.path.utf8) + [0] + Array(tags[index].utf8) + [10])
        }
        let version = String(Self.hex(overall.finalize()).prefix(12))

        var files: [String: ConsoleFile] = [:]
        for (index, file) in raw.enumerated() {
            var bytes = file.bytes
            var tag = tags[index]
            if file.path == "index.html" {
                // Point every asset URL at the versioned folder, so assets (and the modules they import
                // relatively) can be cached for a year and still change with the next version.
                let text = String(decoding: bytes, as: UTF8.self)
                    .replacingOccurrences(of: "\"/assets/", with: "\"/assets/v-\(version)/")
                bytes = Array(text.utf8)
                tag = Self.tag(of: bytes)
            }
            files[file.path] = ConsoleFile(path: file.path, bytes: bytes, tag: tag, lastModified: file.modified)
        }
        return Contents(files: files, version: version, stamps: stamps)
    }

    private static func tag(of bytes: [UInt8]) -> String {
        String(hex(SHA256.hash(data: bytes)).prefix(20))
    }

    private static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
    }
}

/// Why the console folder could not be read.
struct ConsoleAssetsError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
