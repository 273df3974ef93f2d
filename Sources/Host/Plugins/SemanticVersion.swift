/// An adapter version in semantic versioning (`MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]`), compared by the
/// semver 2.0 precedence rules. Hot-loading replaces an adapter only with a strictly newer version.
struct SemanticVersion: Comparable, Sendable, CustomStringConvertible {
    let major: Int
    let minor: Int
    let patch: Int
    /// Dot-separated pre-release identifiers (`rc.1` -> ["rc", "1"]); empty for a release.
    let prerelease: [String]

    /// Parses `text`; nil when it is not `N.N.N` with optional `-pre` and `+build` parts. A leading `v` is
    /// accepted, because authors write it.
    init?(_ text: String) {
        var rest = Substring(text)
        if rest.first == "v" { rest = rest.dropFirst() }
        if let plus = rest.firstIndex(of: "+") { rest = rest[..<plus] }  // build metadata has no precedence
        var pre: [String] = []
        if let dash = rest.firstIndex(of: "-") {
            pre = rest[rest.index(after: dash)...].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard !pre.isEmpty, pre.allSatisfy({ !$0.isEmpty }) else { return nil }
            rest = rest[..<dash]
        }
        let numbers = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard numbers.count == 3 else { return nil }
        var values: [Int] = []
        for part in numbers {
            guard !part.isEmpty, part.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let value = Int(part) else { return nil }
            values.append(value)
        }
        major = values[0]
        minor = values[1]
        patch = values[2]
        prerelease = pre
    }

    var description: String {
        "\(major).\(minor).\(patch)" + (prerelease.isEmpty ? "" : "-" + prerelease.joined(separator: "."))
    }

    static func < (a: SemanticVersion, b: SemanticVersion) -> Bool {
        if (a.major, a.minor, a.patch) != (b.major, b.minor, b.patch) {
            return (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch)
        }
        // A release outranks its pre-releases; pre-releases compare identifier by identifier.
        switch (a.prerelease.isEmpty, b.prerelease.isEmpty) {
        case (true, true), (true, false): return false
        case (false, true): return true
        case (false, false): break
        }
        for (x, y) in zip(a.prerelease, b.prerelease) where x != y {
            switch (Int(x), Int(y)) {
            case let (i?, j?): return i < j
            case (_?, nil): return true  // numeric identifiers sort before alphanumeric ones
            case (nil, _?): return false
            case (nil, nil): return x < y
            }
        }
        return a.prerelease.count < b.prerelease.count
    }

    static func == (a: SemanticVersion, b: SemanticVersion) -> Bool {
        !(a < b) && !(b < a)
    }
}
