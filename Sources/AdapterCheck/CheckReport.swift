import JSONCore

/// The outcome of one check item.
public enum CheckOutcome: String, Sendable {
    /// The adapter does what the ABI and docs/plugins.md ask.
    case pass
    /// It does not. For a required item this makes the whole check fail.
    case fail
    /// Advice: allowed by the ABI, but an adapter author would want to know (never changes the exit status).
    case warn
    /// Not run, with the reason (e.g. no samples for it).
    case skip
}

/// One line of the checker's report.
public struct CheckItem: Sendable {
    /// A stable identifier, e.g. `stream.random-splits`; file-specific items append `[file]`.
    public let id: String
    /// What was checked, in a few words.
    public let title: String
    /// Whether a failure makes the adapter fail the check.
    public let required: Bool
    public let outcome: CheckOutcome
    /// Why it failed, or what was measured; empty when there is nothing to add.
    public let detail: String
    public let milliseconds: Double

    public init(id: String, title: String, required: Bool, outcome: CheckOutcome, detail: String, milliseconds: Double) {
        self.id = id
        self.title = title
        self.required = required
        self.outcome = outcome
        self.detail = detail
        self.milliseconds = milliseconds
    }

    /// Counts against the exit status.
    public var isFailure: Bool { required && outcome == .fail }
}

/// Everything a check run found.
public struct CheckReport: Sendable {
    public let file: String
    public let sha256: String
    /// From the descriptor, when the adapter loaded.
    public var adapterName: String?
    public var adapterVersion: String?
    public var abiVersion: String?
    public var samplesDirectory: String?
    public var items: [CheckItem] = []
    /// Measurements worth showing (throughput, leak estimate), name -> value with unit.
    public var figures: [(name: String, value: String)] = []
    public var milliseconds: Double = 0
    /// The item during which the adapter crashed the checker (set only in the crash report).
    public var crashedItem: String?

    public init(file: String, sha256: String) {
        self.file = file
        self.sha256 = sha256
    }

    /// True when every required item passed (skipped required items count as failures: they were not shown to pass).
    public var passed: Bool { !items.contains { $0.required && ($0.outcome == .fail || $0.outcome == .skip) } }

    public var counts: (pass: Int, fail: Int, warn: Int, skip: Int) {
        var c = (pass: 0, fail: 0, warn: 0, skip: 0)
        for item in items {
            switch item.outcome {
            case .pass: c.pass += 1
            case .fail: c.fail += 1
            case .warn: c.warn += 1
            case .skip: c.skip += 1
            }
        }
        return c
    }

    // MARK: Rendering

    /// The report as JSON (the `--json` output): `{"file","sha256","adapter":{...},"passed","summary","items":[...],"figures":{...}}`.
    public func json() -> [UInt8] {
        var root = JSONObject()
        root["file"] = .string(file)
        root["sha256"] = .string(sha256)
        if let adapterName {
            root["adapter"] = .object([
                "name": .string(adapterName), "version": adapterVersion.map(JSONValue.string) ?? .null,
                "abi_version": abiVersion.map(JSONValue.string) ?? .null,
            ])
        } else {
            root["adapter"] = .null
        }
        root["samples"] = samplesDirectory.map(JSONValue.string) ?? .null
        root["passed"] = .bool(passed)
        root["crashed_during"] = crashedItem.map(JSONValue.string) ?? .null
        let c = counts
        root["summary"] = .object([
            "pass": .int(Int64(c.pass)), "fail": .int(Int64(c.fail)), "warn": .int(Int64(c.warn)), "skip": .int(Int64(c.skip)),
            "required_failures": .int(Int64(items.filter { $0.required && ($0.outcome == .fail || $0.outcome == .skip) }.count)),
            "milliseconds": .double((milliseconds * 10).rounded() / 10),
        ])
        root["items"] = .array(items.map { item in
            .object([
                "id": .string(item.id), "title": .string(item.title), "required": .bool(item.required),
                "outcome": .string(item.outcome.rawValue), "detail": .string(item.detail),
                "milliseconds": .double((item.milliseconds * 100).rounded() / 100),
            ])
        })
        var figureObject = JSONObject()
        for figure in figures { figureObject[figure.name] = .string(figure.value) }
        root["figures"] = .object(figureObject)
        var out = JSONValue.object(root).serialized()
        out.append(0x0A)
        return out
    }

    /// One line for an item as it finishes (the text output).
    public static func line(_ item: CheckItem) -> String {
        let mark: String
        switch item.outcome {
        case .pass: mark = "PASS"
        case .fail: mark = item.required ? "FAIL" : "fail"
        case .warn: mark = "WARN"
        case .skip: mark = item.required ? "SKIP" : "skip"
        }
        var text = "\(mark)  \(item.id)  \(item.title)"
        if !item.detail.isEmpty { text += "\n      \(item.detail)" }
        return text
    }

    /// The closing lines of the text output.
    public func summary() -> String {
        let c = counts
        var lines: [String] = []
        if !figures.isEmpty {
            lines.append("figures:")
            for figure in figures { lines.append("  \(figure.name): \(figure.value)") }
        }
        let time = milliseconds >= 1000 ? "\(Int(milliseconds / 100) / 10) s" : "\(Int(milliseconds)) ms"
        lines.append("\(c.pass) passed, \(c.fail) failed, \(c.warn) warnings, \(c.skip) skipped in \(time)")
        if passed {
            lines.append("RESULT: PASS - \(adapterName ?? file) \(adapterVersion ?? "") conforms to the gateway ABI")
        } else {
            let failures = items.filter { $0.required && ($0.outcome == .fail || $0.outcome == .skip) }.map(\.id)
            lines.append("RESULT: FAIL - required items not passed: \(failures.joined(separator: ", "))")
        }
        return lines.joined(separator: "\n")
    }
}

/// Why something failed, as a value (`Result` needs an `Error`).
struct Reason: Error {
    let text: String
    init(_ text: String) { self.text = text }
}

/// `1.5` -> "1.5": one decimal, without Foundation's format strings.
func oneDecimal(_ value: Double) -> String {
    let tenths = Int((value * 10).rounded())
    return "\(tenths / 10).\(abs(tenths % 10))"
}
