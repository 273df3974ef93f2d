import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /metrics` in the Prometheus text format, open to loopback clients by default.
struct MetricsEndpoint: Sendable {
    let configuration: GatewayConfiguration.Metrics
    let stats: StatsRecorder
    let registry: AdapterRegistry

    func addRoute(to router: Router<GatewayRequestContext>) {
        guard configuration.access != "off" else { return }
        router.get("metrics") { request, context -> Response in
            guard allowed(request, context: context) else {
                throw AdminError(status: .forbidden, code: "forbidden",
                                 message: "Metrics are readable only as configured by metrics.access (\(configuration.access)).")
            }
            stats.metrics.refreshGauges(live: stats.live, ledger: stats.ledger, adapterFailures: registry.loadFailureCount)
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: stats.metrics.registry.emitToBuffer())))
        }
    }

    private func allowed(_ request: Request, context: GatewayRequestContext) -> Bool {
        switch configuration.access {
        case "open": return true
        case "token":
            guard !configuration.token.isEmpty, let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { return false }
            // Constant-time comparison of the presented token.
            let presented = SHA256.hash(data: Data(header.dropFirst(7).utf8))
            let expected = SHA256.hash(data: Data(configuration.token.utf8))
            return presented == expected
        default:
            guard let address = context.remoteAddress else { return false }
            switch address {
            case .v4(let v4): return v4.host.hasPrefix("127.")
            case .v6(let v6): return v6.host == "::1" || v6.host.hasPrefix("::ffff:127.")
            default: return false
            }
        }
    }
}

/// Resident memory of this process, from /proc.
enum ProcessMemory {
    static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let kilobytes = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap { Int($0) } ?? 0
            return kilobytes * 1024
        }
        return 0
    }
}

enum GatewayVersion {
    static let current = "1.0.0"
}
