import Foundation
import NIOCore

/// One file of the console, held in memory with its validators and, when it compresses well, its gzip form.
struct ConsoleFile: Sendable {
    /// Path relative to the console folder, with `/` separators: `index.html`, `assets/app.js`.
    let path: String
    let contentType: String
    let body: ByteBuffer
    /// The gzip member of `body`; nil for types that do not compress (images) or tiny files.
    let gzipped: ByteBuffer?
    /// A strong validator derived from the content, without quotes: the same bytes give the same tag.
    let tag: String
    let lastModified: Date
    /// `lastModified` as an HTTP date, formatted once.
    let lastModifiedText: String

    /// Files below this size are sent as they are: the gzip header and a second round trip of
    /// validators cost more than they save.
    static let compressionThreshold = 512

    init(path: String, bytes: [UInt8], tag: String, lastModified: Date) {
        self.path = path
        self.contentType = Self.contentType(for: path)
        self.body = ByteBuffer(bytes: bytes)
        self.tag = tag
        self.lastModified = lastModified
        self.lastModifiedText = HTTPDate.format(lastModified)
        if bytes.count >= Self.compressionThreshold, Self.isCompressible(contentType),
            let compressed = Gzip.compress(bytes), compressed.count < bytes.count
        {
            self.gzipped = ByteBuffer(bytes: compressed)
        } else {
            self.gzipped = nil
        }
    }

    /// Content types by extension; anything unknown is served as bytes so a browser never sniffs it.
    static func contentType(for path: String) -> String {
        let ext = path.split(separator: ".").last.map { $0.lowercased() } ?? ""
        switch ext {
        case "html": return "text/html; charset=utf-8"
        case "js", "mjs": return "text/javascript; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "json": return "application/json; charset=utf-8"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "ico": return "image/x-icon"
        case "webp": return "image/webp"
        case "woff2": return "font/woff2"
        case "txt", "md": return "text/plain; charset=utf-8"
        default: return "application/octet-stream"
        }
    }

    static func isCompressible(_ contentType: String) -> Bool {
        contentType.hasPrefix("text/") || contentType.hasPrefix("application/json") || contentType == "image/svg+xml"
    }
}
