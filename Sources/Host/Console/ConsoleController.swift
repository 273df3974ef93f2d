import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Serves the admin web console: `GET /` is `index.html`, `GET /assets/...` the files it loads.
///
/// The console routes by URL fragment (`/#/dashboard`), so the server needs no fallback route and no
/// console path can collide with an endpoint path (`/`, `/assets` and `/console` are reserved).
/// Caching: `index.html` is revalidated on every load (`no-cache` + ETag); it names its assets under
/// `/assets/v-<version>/`, and those answers may be cached for a year because the version changes
/// with any file. Text files are sent gzipped to clients that accept it.
struct ConsoleController: Sendable {
    /// The files, or nil when there are none to serve (then `/` explains why).
    let assets: ConsoleAssets?
    /// Why `assets` is nil, shown on `/`.
    let problem: String

    /// Finds and reads the console folder; a failure is logged and answered on `/`, never fatal, so a
    /// broken console cannot take the API down with it.
    init(frontendPath: String, logger: Logger) {
        guard let directory = ConsoleLocation.directory(configured: frontendPath) else {
            assets = nil
            problem = "The console files were not found next to the gateway executable; set server.frontend_path."
            logger.warning("web console not served: \(problem)")
            return
        }
        do {
            assets = try ConsoleAssets(directory: directory, watchesForChanges: !frontendPath.isEmpty, logger: logger)
            problem = ""
            logger.info("web console served from \(directory)", metadata: ["version": "\(assets?.contents.version ?? "")"])
        } catch {
            assets = nil
            problem = "The console files in \(directory) cannot be used: \(error)"
            logger.error("web console not served: \(problem)")
        }
    }

    func addRoutes(to router: Router<GatewayRequestContext>) {
        router.get("/", use: index)
        router.head("/", use: index)
        router.get("console") { _, _ in Response(status: .movedPermanently, headers: [.location: "/"]) }
        router.get("assets/**", use: asset)
        router.head("assets/**", use: asset)
    }

    /// Long-lived caching for versioned asset URLs; everything else is revalidated on each use.
    static let immutable = "public, max-age=31536000, immutable"
    static let revalidate = "no-cache"

    @Sendable func index(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        guard let assets, let file = assets.contents.files["index.html"] else {
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; charset=utf-8"
            return Response(status: .serviceUnavailable, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: problem + "\n")))
        }
        return Self.respond(with: file, to: request, cacheControl: Self.revalidate)
    }

    @Sendable func asset(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        var segments = context.parameters.getCatchAll().map(String.init)
        guard let assets else { throw AdminError.notFound("File") }
        let contents = assets.contents
        var cacheControl = Self.revalidate
        if let first = segments.first, first.hasPrefix("v-") {
            segments.removeFirst()
            // An old version (a page loaded before an upgrade) gets today's file, but must not keep it.
            if first == contents.versionSegment { cacheControl = Self.immutable }
        }
        guard !segments.isEmpty, segments.allSatisfy(Self.isPlainSegment),
            let file = contents.files["assets/" + segments.joined(separator: "/")]
        else {
            throw AdminError.notFound("File")
        }
        return Self.respond(with: file, to: request, cacheControl: cacheControl)
    }

    /// Letters, digits, `-`, `_` and inner dots only: no `..`, no hidden files, no encoded characters.
    static func isPlainSegment(_ segment: String) -> Bool {
        guard let first = segment.utf8.first, first != UInt8(ascii: "."), segment.utf8.count <= 128 else { return false }
        return segment.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
    }

    /// A 200 with the file, or a 304 when the client's copy is current.
    static func respond(with file: ConsoleFile, to request: Request, cacheControl: String) -> Response {
        let gzip = file.gzipped != nil && acceptsGzip(request.headers[.acceptEncoding])
        // Each encoding is a different representation, so it gets its own strong validator.
        let etag = gzip ? "\"\(file.tag)-gz\"" : "\"\(file.tag)\""
        var headers = HTTPFields()
        headers[.eTag] = etag
        headers[.lastModified] = file.lastModifiedText
        headers[.cacheControl] = cacheControl
        if file.gzipped != nil { headers[.vary] = "Accept-Encoding" }
        // Content-Security-Policy and the other browser protections are added by SecurityResponder.

        if isFresh(request, etag: etag, lastModified: file.lastModified) {
            return Response(status: .notModified, headers: headers)
        }
        let body = gzip ? file.gzipped! : file.body
        headers[.contentType] = file.contentType
        headers[.contentLength] = String(body.readableBytes)
        if gzip { headers[.contentEncoding] = "gzip" }
        if request.method == .head { return Response(status: .ok, headers: headers) }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: body))
    }

    /// RFC 9110 13.1: If-None-Match wins over If-Modified-Since; weak comparison for If-None-Match.
    static func isFresh(_ request: Request, etag: String, lastModified: Date) -> Bool {
        if let noneMatch = request.headers[.ifNoneMatch] {
            return noneMatch.split(separator: ",").contains { candidate in
                var tag = candidate.trimmingCharacters(in: .whitespaces)
                if tag == "*" { return true }
                if tag.hasPrefix("W/") { tag.removeFirst(2) }
                return tag == etag
            }
        }
        if let since = request.headers[.ifModifiedSince], let date = HTTPDate.parse(since) {
            return lastModified.timeIntervalSince1970.rounded(.down) <= date.timeIntervalSince1970
        }
        return false
    }

    /// True when `Accept-Encoding` allows gzip (`gzip`, `x-gzip` or `*`, without `q=0`).
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        var wildcard = false
        for part in header.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let name = pieces.first else { continue }
            let quality = pieces.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            if name == "gzip" || name == "x-gzip" { return quality > 0 }
            if name == "*" { wildcard = quality > 0 }
        }
        return wildcard
    }
}

/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) for Last-Modified and If-Modified-Since.
enum HTTPDate {
    private static func formatter() -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter
    }

    static func format(_ date: Date) -> String { formatter().string(from: date) }
    static func parse(_ text: String) -> Date? { formatter().date(from: text) }
}
