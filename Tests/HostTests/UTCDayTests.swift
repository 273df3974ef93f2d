import Foundation
import GRDB
@testable import Host
import Testing

/// The ledger's day buckets: the arithmetic UTC calendar day must agree with the calendar.
@Suite("UTC day")
struct UTCDayTests {
    @Test("known dates, leap days and the ends of years")
    func knownDates() {
        let cases: [(TimeInterval, String)] = [
            (0, "1970-01-01"), (86399, "1970-01-01"), (86400, "1970-01-02"),
            (951_782_400, "2000-02-29"), (1_735_689_599, "2024-12-31"), (1_735_689_600, "2025-01-01"),
            (1_795_737_600, "2026-11-27"), (-1, "1969-12-31"),
        ]
        for (seconds, expected) in cases {
            #expect(UsageLedger.day(of: Date(timeIntervalSince1970: seconds)) == expected, "\(seconds)")
        }
    }

    @Test("agrees with the Gregorian calendar over many days")
    func agreesWithCalendar() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let date = Date(timeIntervalSince1970: Double.random(in: 0...4_102_444_800, using: &generator))
            let parts = calendar.dateComponents([.year, .month, .day], from: date)
            let expected = String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
            #expect(UsageLedger.day(of: date) == expected)
        }
    }

    @Test("row timestamps are byte for byte what GRDB stores for a Date")
    func timestampsMatchGRDB() {
        var generator = SystemRandomNumberGenerator()
        let fixed: [TimeInterval] = [0, 0.0005, 0.999, 59.9999, 951_782_400.123, 1_795_737_599.9995, -0.25]
        let dates = fixed.map { Date(timeIntervalSince1970: $0) }
            + (0..<50_000).map { _ in Date(timeIntervalSince1970: Double.random(in: 0...4_102_444_800, using: &generator)) }
        for date in dates {
            let grdb = String.fromDatabaseValue(date.databaseValue)
            #expect(UsageLedger.timestamp(of: date) == grdb, "\(date.timeIntervalSince1970)")
        }
    }
}
