import AdapterHost
import Dispatch
import Foundation
import NIOCore

/// What one proxied request did, gathered while it runs and turned into one ledger row at the end.
///
/// The handler fills it, then (for streams) hands it to the stream relay, which finishes it: one task
/// at a time, never concurrently, which is why it is a plain value passed along.
struct RequestAccounting: Sendable {
    let requestID: String
    let arrival = Date()
    let started = RequestAccounting.now()
    var endpoint: ResolvedEndpoint?
    var key: ClientKeyEntry?
    var modelRequested = ""
    var stream = false
    /// The unified request body, kept for estimating prompt tokens if the provider reports none.
    var requestBody: ByteBuffer?
    var upstreamStarted: Int64?
    var upstreamEnded: Int64?
    /// The provider accepted the request (2xx): from then on it may bill the prompt.
    var upstreamAccepted = false
    var firstChunkWritten: Int64?
    var usage: TokenUsage?
    var modelAnswered: String?
    /// Non-stream answer body, for estimating completion tokens if needed and for the response cache.
    var responseBody: ByteBuffer?
    var answerForCache: ByteBuffer? { responseBody }
    /// Text delivered in stream chunks.
    var delivered = DeliveredTextCounter()
    var cacheHit = false

    init(requestID: String) { self.requestID = requestID }

    static func now() -> Int64 { Int64(DispatchTime.now().uptimeNanoseconds) }

    mutating func upstreamBegins() { upstreamStarted = Self.now() }
    mutating func upstreamCompletes() { if upstreamEnded == nil { upstreamEnded = Self.now() } }

    /// Builds the ledger row for a request that ended with `status`.
    func row(status: Int, errorClass: String?) -> UsageRecord {
        let end = Self.now()
        let latency = Double(end - started) / 1_000_000
        let upstream = upstreamStarted.map { start in Double((upstreamEnded ?? end) - start) / 1_000_000 }
        var prompt: Int64 = 0, completion: Int64 = 0, reasoning: Int64 = 0, cached: Int64 = 0
        let source: String
        if cacheHit {
            source = "cache"
        } else if let usage, usage.promptTokens != nil || usage.completionTokens != nil {
            source = "reported"
            prompt = usage.promptTokens ?? 0
            completion = usage.completionTokens ?? 0
            reasoning = usage.reasoningTokens ?? 0
            cached = usage.cachedTokens ?? 0
        } else if upstreamAccepted {
            // The provider took the request but reported nothing (aborted stream, no usage support):
            // estimate from what we sent and what reached the client, never from text that was not delivered.
            source = "estimated"
            if let requestBody { prompt = TokenEstimator.promptTokens(requestBody: Array(buffer: requestBody)) }
            if stream {
                completion = delivered.completionTokens
                reasoning = delivered.reasoningTokens
            } else if let responseBody {
                (completion, reasoning) = TokenEstimator.completionTokens(chunks: [Array(buffer: responseBody)])
            }
        } else {
            source = "none"
        }
        return UsageRecord(
            id: nil, time: arrival, requestId: requestID, endpointId: endpoint?.id, endpointPath: endpoint?.path ?? "",
            providerId: endpoint?.provider.id, providerName: endpoint?.provider.name ?? "",
            adapter: endpoint?.provider.record.adapter ?? "", modelRequested: modelRequested,
            modelAnswered: modelAnswered ?? "", keyId: key?.id, keyName: key?.name ?? "", userId: key?.userID,
            stream: stream, status: status, errorClass: errorClass, latencyMs: latency,
            ttftMs: firstChunkWritten.map { Double($0 - started) / 1_000_000 },
            upstreamMs: upstream, overheadMs: upstream.map { max(0, latency - $0) },
            promptTokens: prompt, completionTokens: completion, reasoningTokens: reasoning, cachedTokens: cached,
            tokenSource: source, cacheHit: cacheHit)
    }
}
