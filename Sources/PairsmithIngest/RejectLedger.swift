import Foundation
import PairsmithStore

/// The rejects of one source (`corpus`, `personas`) already in the store, keyed by location and reason, so that
/// ingesting the same input again (a resumed run, the same command twice) records each bad record only once.
struct RejectLedger: Sendable {
    private var seen: Set<String>

    /// Reads the (location, reason) of every stored reject of `source`.
    static func load(store: PairsmithStore, source: String) async throws -> RejectLedger {
        let places = try await store.rejectPlaces(source: source)
        let seen = Set(places.map { Self.key(location: $0.location, reason: $0.reason) })
        return RejectLedger(seen: seen)
    }

    /// True when a reject at `location` for `reason` is new (and remembers it), false when it is already recorded.
    mutating func admit(location: String, reason: String) -> Bool {
        seen.insert(Self.key(location: location, reason: reason)).inserted
    }

    private static func key(location: String, reason: String) -> String { location + "\u{0}" + reason }
}
