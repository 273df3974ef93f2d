import AdapterCheckSupport
import AdapterHost
import Crypto
import Dispatch
import Foundation
import JSONCore
import NIOCore
import Synchronization

/// Options of one check run.
public struct CheckOptions: Sendable {
    /// Upstream bodies to translate (see ``SampleSet``).
    public var samples: SampleSet
    /// Measure heap growth over many create/use/destroy cycles. The measurement is process-wide, so in a
    /// process that does other work at the same time (a test runner) it is switched off and reported as skipped.
    public var heapTracking: Bool
    /// Threads sharing one instance in the concurrency item.
    public var threads: Int
    /// Rounds of work per thread in the concurrency item.
    public var iterations: Int
    /// Random splits per sample stream.
    public var randomSplitRuns: Int
    /// Seed of the random splits and garbage, so a failure can be replayed.
    public var seed: UInt64
    /// Called before each item starts (the CLI keeps its crash report current) and after it ends.
    public var willStart: (@Sendable (_ id: String, _ title: String, _ report: CheckReport) -> Void)?
    public var didFinish: (@Sendable (CheckItem) -> Void)?

    public init(samples: SampleSet = SampleSet(), heapTracking: Bool = true, threads: Int = 8, iterations: Int = 20,
                randomSplitRuns: Int = 24, seed: UInt64 = 0x5EED) {
        self.samples = samples
        self.heapTracking = heapTracking
        self.threads = threads
        self.iterations = iterations
        self.randomSplitRuns = randomSplitRuns
        self.seed = seed
    }
}

/// The conformance checker behind `gateway adapter check PATH.so`: loads one adapter file in isolation (a private
/// copy, see `PrivateImage`) and checks it item by item against the ABI and the rules of docs/plugins.md, through
/// the same typed calls the gateway uses, so whatever the gateway would refuse, the checker refuses too.
///
/// Items (ids in the report): the file and its entry symbol; ABI negotiation, including the answer to an ABI
/// major the adapter cannot support; the descriptor; instance creation with valid and invalid configuration;
/// request translation of representative unified requests; non-stream answers and errors from the samples;
/// streams fed whole, byte by byte and in random splits (same unified chunks required); truncated and garbage
/// upstream input (an error status, never a crash, never "complete"); usage; secrets never reaching clients or
/// logs; every created object destroyed (heap growth over many cycles); one instance used from many threads.
public final class AdapterChecker {
    let file: String
    let options: CheckOptions
    var report: CheckReport
    let image: [UInt8]?
    let readProblem: String?
    let log = LogCollector()
    var adapter: LoadedAdapter?
    var instance: AdapterInstance?
    let started = DispatchTime.now()
    /// Where the API key showed up (see `checkSecret`).
    var secretLeaks: [String] = []

    /// The credential the checker configures; it must never reach a client or a log line.
    var apiKey: String { options.samples.config?.apiKey ?? "sk-conformance-check-9f2c41d07be35a68" }
    var model: String { options.samples.model ?? "conformance-check-model" }

    public init(file: String, options: CheckOptions = CheckOptions()) {
        self.file = file
        self.options = options
        var bytes: [UInt8]?
        var problem: String?
        do {
            bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
        } catch {
            problem = "cannot read \(file): \(error.localizedDescription)"
        }
        image = bytes
        readProblem = problem
        report = CheckReport(file: file, sha256: bytes.map(Self.sha256) ?? "")
        report.samplesDirectory = options.samples.directory
    }

    /// Runs every item and returns the report.
    public func run() -> CheckReport {
        runItems()
        report.milliseconds = Self.milliseconds(since: started)
        return report
    }

    private func runItems() {
        if apiKey.utf8.count >= 8 { log.watch(for: apiKey) }
        guard let image else {
            record(CheckItem(id: "file.read", title: "the file can be read", required: true, outcome: .fail,
                             detail: readProblem ?? "", milliseconds: 0))
            return
        }
        checkLoading(image)
        guard let adapter else { return }
        report.adapterName = adapter.name
        report.adapterVersion = adapter.version
        report.abiVersion = adapter.abiVersionString
        checkDescriptor(adapter)
        checkInstances(adapter)
        guard let instance else { return }
        checkRequests(instance, adapter: adapter)
        checkResponses(instance)
        checkErrors(instance)
        checkStreams(instance, adapter: adapter)
        checkGarbage(instance)
        checkConcurrency(instance)
        checkLifecycle(adapter)
        checkSecrets()
        self.instance = nil
    }

    // MARK: Items

    /// What an item concluded.
    struct Verdict {
        var outcome: CheckOutcome
        var detail: String
        static func pass(_ detail: String = "") -> Verdict { Verdict(outcome: .pass, detail: detail) }
        static func fail(_ detail: String) -> Verdict { Verdict(outcome: .fail, detail: detail) }
        static func warn(_ detail: String) -> Verdict { Verdict(outcome: .warn, detail: detail) }
        static func skip(_ detail: String) -> Verdict { Verdict(outcome: .skip, detail: detail) }
    }

    /// Runs one item and records it.
    @discardableResult
    func item(_ id: String, _ title: String, required: Bool = true, _ body: () -> Verdict) -> CheckOutcome {
        options.willStart?(id, title, report)
        let start = DispatchTime.now()
        let verdict = body()
        let item = CheckItem(id: id, title: title, required: required, outcome: verdict.outcome, detail: verdict.detail,
                             milliseconds: Self.milliseconds(since: start))
        record(item)
        return verdict.outcome
    }

    func record(_ item: CheckItem) {
        report.items.append(item)
        options.didFinish?(item)
    }

    func figure(_ name: String, _ value: String) {
        report.figures.append((name, value))
    }

    static func milliseconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6
    }

    static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
        }.joined()
    }

    /// A unified request for the adapter calls.
    func unified(_ body: [UInt8], stream: Bool, includeUsage: Bool, id: String = "req_conformance_check") -> UnifiedRequest {
        UnifiedRequest(model: model, body: ByteBuffer(bytes: body), stream: stream, includeUsage: includeUsage, requestID: id)
    }

    /// Shortens a text for a report line.
    static func clip(_ text: String, _ limit: Int = 160) -> String {
        text.count <= limit ? text : String(text.prefix(limit)) + "…"
    }
}

/// The adapter's log lines (and the loader's), searched for the API key. Only the first lines are kept, and none
/// while the heap is measured, so logging cannot look like a leak.
final class LogCollector: Sendable {
    private struct State {
        var lines: [String] = []
        var paused = false
        var needles: [String] = []
        var found: Set<String> = []
    }
    private let state = Mutex(State())

    var closure: @Sendable (AdapterLogLevel, String) -> Void {
        { [self] _, line in
            state.withLock { s in
                for needle in s.needles where line.contains(needle) { s.found.insert(needle) }
                if !s.paused, s.lines.count < 200 { s.lines.append(line) }
            }
        }
    }

    var all: [String] { state.withLock { $0.lines } }

    /// Whether `text` appeared in any line, including lines not kept (call ``watch(for:)`` first).
    func contains(_ text: String) -> Bool {
        state.withLock { s in s.found.contains(text) || s.lines.contains { $0.contains(text) } }
    }

    /// Searches every later line for `text`.
    func watch(for text: String) { state.withLock { $0.needles.append(text) } }

    func pause() { state.withLock { $0.paused = true } }
    func resume() { state.withLock { $0.paused = false } }
}
