/// What one embedding endpoint is asked for now, after any fallbacks.
public struct EmbeddingEndpointMode: Sendable, Hashable, CustomStringConvertible {
    /// The endpoint's name.
    public var name: String
    /// The encoding it is asked for (float after it rejected base64).
    public var encoding: EmbeddingEncoding
    /// Whether `dimensions` is sent (false after it rejected or ignored it; vectors are then sliced here).
    public var sendsDimensions: Bool

    public var description: String {
        "\(name): encoding \(encoding), dimensions \(sendsDimensions ? "sent" : "sliced locally")"
    }
}

/// The per-endpoint fallbacks an ``EmbeddingClient`` has learnt, and the vector length its answers share.
actor EmbeddingEndpointModes {
    private var modes: [EmbeddingEndpointMode]
    private var dimension: Int?

    init(endpoints: [EndpointConfiguration], encoding: EmbeddingEncoding, dimensions: Int?) {
        modes = endpoints.map { EmbeddingEndpointMode(name: $0.name, encoding: encoding, sendsDimensions: dimensions != nil) }
    }

    /// The mode of endpoint `index` now.
    func mode(_ index: Int) -> EmbeddingEndpointMode { modes[index] }

    /// Every endpoint's mode, in configuration order.
    func all() -> [EmbeddingEndpointMode] { modes }

    /// Asks endpoint `index` for floats from now on; returns whether this changed anything.
    @discardableResult
    func useFloat(_ index: Int) -> Bool {
        guard modes[index].encoding != .float else { return false }
        modes[index].encoding = .float
        return true
    }

    /// Stops sending `dimensions` to endpoint `index`; returns whether this changed anything.
    @discardableResult
    func sliceLocally(_ index: Int) -> Bool {
        guard modes[index].sendsDimensions else { return false }
        modes[index].sendsDimensions = false
        return true
    }

    /// Records the length of the vectors handed out; returns the length seen first (the one all must share).
    func agree(on length: Int) -> Int {
        if let dimension { return dimension }
        dimension = length
        return length
    }
}
