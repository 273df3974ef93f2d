import AdapterCheckSupport
import AdapterHost
import Dispatch
import Foundation
import NIOCore
import Synchronization

extension AdapterChecker {
    // MARK: Concurrency

    /// One piece of work on the shared instance and a rendering of its result.
    struct Work: Sendable {
        let label: String
        let run: @Sendable (_ seed: UInt64) -> String
    }

    /// The same instance used from several threads at once must give what it gives on one thread.
    func checkConcurrency(_ instance: AdapterInstance) {
        let threads = max(2, options.threads), rounds = max(1, options.iterations)
        item("concurrency.shared-instance", "one instance used from \(threads) threads at once gives the single-thread results") {
            var work: [Work] = []
            for c in UnifiedRequests(model: model).all {
                let request = unified(c.body, stream: c.stream, includeUsage: c.includeUsage)
                work.append(Work(label: c.id) { _ in
                    do throws(AdapterCallError) {
                        let up = try instance.translateRequest(request)
                        return "\(up.method) \(up.path) \(up.headers.map(\.name).joined(separator: ",")) \(String(buffer: up.body))"
                    } catch {
                        return "error \(error.status)"
                    }
                })
            }
            let plain = unified(UnifiedRequests(model: model).plain.body, stream: false, includeUsage: false)
            for sample in options.samples.responses {
                let body = ByteBuffer(bytes: sample.bytes), status = sample.status
                work.append(Work(label: sample.name) { _ in
                    do throws(AdapterCallError) {
                        let out = try instance.translateResponse(plain, status: status, contentType: "application/json", body: body)
                        return [out.body.map { StreamRun.normalized(Array($0.readableBytesView)) } ?? "-",
                                out.error.map { "\($0.status) \(String(buffer: $0.body))" } ?? "-",
                                out.usage.map(Self.describe) ?? "-", out.model ?? "-", out.finishReason ?? "-"].joined(separator: " | ")
                    } catch {
                        return "error \(error.status)"
                    }
                })
            }
            for sample in options.samples.errors {
                let body = ByteBuffer(bytes: sample.bytes), status = sample.status
                work.append(Work(label: sample.name) { _ in
                    let out = instance.translateError(plain, status: status, contentType: "application/json", body: body)
                    return "\(out.status) \(out.noRetry) \(String(buffer: out.body))"
                })
            }
            let streamRequest = self.streamRequest
            for sample in options.samples.streams.prefix(2) + options.samples.errorStreams.prefix(1) {
                let bytes = sample.bytes
                work.append(Work(label: sample.name) { seed in
                    StreamRun(instance, streamRequest, pieces: Splits.random(bytes, seed: seed, maxPiece: 97)).signature.joined(separator: "\n")
                })
            }

            // References, twice: a result that differs between two single-threaded runs (a timestamp, a random
            // id) is compared only by whether it succeeded.
            var reference: [String] = []
            var deterministic: [Bool] = []
            for w in work {
                let a = w.run(1), b = w.run(2)
                reference.append(a)
                deterministic.append(a == b)
            }
            let shared = SharedTally()
            let group = DispatchGroup()
            let start = DispatchSemaphore(value: 0)
            let items = work, expected = reference, exact = deterministic, seed = options.seed
            let began = DispatchTime.now()
            for t in 0..<threads {
                group.enter()
                let thread = Thread {
                    start.wait()
                    for round in 0..<rounds {
                        for k in items.indices {
                            let i = (k + t + round) % items.count
                            let got = items[i].run(seed &+ UInt64(t * 7919 + round))
                            shared.calls.add(1, ordering: .relaxed)
                            let same = exact[i] ? got == expected[i] : got.hasPrefix("error") == expected[i].hasPrefix("error")
                            if !same {
                                shared.mismatch.withLock { first in
                                    if first == nil {
                                        first = "\(items[i].label) on thread \(t): \(Self.clip(got, 100)) instead of \(Self.clip(expected[i], 100))"
                                    }
                                }
                            }
                        }
                    }
                    group.leave()
                }
                thread.stackSize = 8 << 20
                thread.start()
            }
            for _ in 0..<threads { start.signal() }
            group.wait()
            let elapsed = Self.milliseconds(since: began)
            if let first = shared.mismatch.withLock({ $0 }) { return .fail(first) }
            let nondeterministic = zip(work, deterministic).filter { !$0.1 }.map(\.0.label)
            var detail = "\(shared.calls.load(ordering: .relaxed)) calls in \(Int(elapsed)) ms"
            if !nondeterministic.isEmpty { detail += "; compared by outcome only (differs between runs): \(nondeterministic.joined(separator: ", "))" }
            return .pass(detail)
        }
    }

    // MARK: Lifecycle

    /// Every object the adapter creates is destroyed: the heap must not grow over many create/use/destroy cycles.
    func checkLifecycle(_ adapter: LoadedAdapter) {
        let measurable = options.heapTracking && acs_heap_statistics_available() != 0
        item("lifecycle.no-leaks", "every created object destroyed: no heap growth over many create/use/destroy cycles", required: measurable) {
            guard measurable else {
                return .skip(options.heapTracking ? "this C library has no heap statistics (mallinfo2)"
                    : "heap tracking is off (other work in this process would blur it); run `gateway adapter check` to measure")
            }
            let baseline = adapter.instanceCount
            log.pause()
            defer { log.resume() }
            let cycle = lifecycleCycle(adapter)
            let warmup = 100
            for _ in 0..<warmup { cycle() }
            let perRound = 200, rounds = 5
            var growth: [Int] = []
            for _ in 0..<rounds {
                let before = acs_heap_in_use()
                for _ in 0..<perRound { cycle() }
                growth.append(acs_heap_in_use() - before)
            }
            let smallest = growth.min() ?? 0
            let perCycle = Double(max(0, smallest)) / Double(perRound)
            figure("heap growth", "\(oneDecimal(perCycle)) bytes per create/use/destroy cycle (least of \(rounds) rounds of \(perRound))")
            if adapter.instanceCount != baseline {
                return .fail("\(adapter.instanceCount - baseline) instances were not destroyed (a host error)")
            }
            if perCycle > 16 {
                return .fail("the heap grew by \(Int(perCycle.rounded())) bytes per cycle in every round (\(growth.map(String.init).joined(separator: ", ")) bytes per \(perRound) cycles): "
                    + "something created in create_instance, translate_* or a stream is not freed by its destroy function")
            }
            return .pass("\(warmup + perRound * rounds) cycles of create_instance, translate_request/response/error, streams (complete, failed, abandoned), destroy")
        }
    }

    /// One cycle of everything an instance does, with every object released at the end.
    func lifecycleCycle(_ adapter: LoadedAdapter) -> () -> Void {
        let config = validConfig
        let plain = unified(UnifiedRequests(model: model).plain.body, stream: false, includeUsage: false)
        let tools = unified(UnifiedRequests(model: model).tools.body, stream: false, includeUsage: false)
        let streamRequest = self.streamRequest
        let response = options.samples.responses.first.map { ($0.status, ByteBuffer(bytes: $0.bytes)) }
        let error = options.samples.errors.first.map { ($0.status, ByteBuffer(bytes: $0.bytes)) } ?? (500, ByteBuffer(bytes: GarbageInput.html))
        let stream = options.samples.streams.first?.bytes ?? []
        let garbage = GarbageInput.html
        return {
            _ = adapter.makeInstanceObserved(baseURL: config.baseURL, apiKey: config.apiKey, optionsJSON: "{not json")
            guard case .success(let instance) = adapter.makeInstanceObserved(baseURL: config.baseURL, apiKey: config.apiKey, optionsJSON: config.options).result else {
                return
            }
            _ = try? instance.translateRequest(plain)
            _ = try? instance.translateRequest(tools)
            if let response { _ = try? instance.translateResponse(plain, status: response.0, contentType: "application/json", body: response.1) }
            _ = instance.translateError(plain, status: error.0, contentType: "application/json", body: error.1)
            _ = StreamRun(instance, streamRequest, pieces: Splits.random(stream, seed: 3, maxPiece: 509))
            _ = StreamRun(instance, streamRequest, pieces: Splits.whole(garbage))
            // Abandoned after one piece (a client disconnect): destroy_stream without finish_stream.
            if let abandoned = try? instance.makeStream(streamRequest) {
                var events: [StreamEvent] = []
                try? abandoned.feed(ByteBuffer(bytes: stream.prefix(stream.count / 2)), into: &events)
            }
        }
    }

    // MARK: Secrets

    /// Notes where the configured API key appears in something clients or logs would see.
    func checkSecret(in text: String, where place: String) {
        guard apiKey.utf8.count >= 8, text.contains(apiKey) else { return }
        if secretLeaks.count < 5 { secretLeaks.append(place) }
    }

    func checkSecret(in bytes: [UInt8], where place: String) {
        guard apiKey.utf8.count >= 8 else { return }
        checkSecret(in: String(decoding: bytes, as: UTF8.self), where: place)
    }

    func checkSecrets() {
        item("secrets.api-key", "the API key never reaches clients, error messages or log lines") {
            guard apiKey.utf8.count >= 8 else { return .skip("the configured API key is shorter than 8 bytes; nothing reliable to search for") }
            var places = secretLeaks
            if log.contains(apiKey) { places.append("the adapter's log lines") }
            return places.isEmpty ? .pass("searched every answer, chunk, error and log line")
                : .fail("found in: \(Array(Set(places)).sorted().joined(separator: ", "))")
        }
    }
}

/// What the concurrency threads share.
final class SharedTally: Sendable {
    let mismatch = Mutex<String?>(nil)
    let calls = Atomic<Int>(0)
}
