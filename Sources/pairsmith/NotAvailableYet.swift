import ArgumentParser

/// The error a command throws while the feature behind it has not landed.
struct NotAvailableYet: Error, CustomStringConvertible {
    /// The command line that was asked for, e.g. `pairsmith run`.
    let command: String
    var description: String { "\(command) is not available yet in pairsmith; see the README for what works today." }
}
