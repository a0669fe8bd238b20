import Foundation

/// Something about the endpoints' health that a caller may want to show (see ``ChatClientConfiguration/onStatus``).
public enum EndpointStatusEvent: Sendable, Hashable, CustomStringConvertible {
    /// An endpoint failed repeatedly (or asked us to back off) and is set aside until probed again.
    case endpointSetAside(endpoint: String, seconds: Double, reason: String)
    /// A set-aside endpoint answered its probe and takes requests again.
    case endpointRecovered(endpoint: String)
    /// Every endpoint is set aside; requests wait this long without spending attempts.
    case allEndpointsDown(waitSeconds: Double)
    /// An endpoint rejected a response format; it is asked in the weaker form from now on.
    case formatDowngraded(endpoint: String, from: ResponseFormatMode, to: ResponseFormatMode, message: String)

    public var description: String {
        switch self {
        case .endpointSetAside(let endpoint, let seconds, let reason):
            "endpoint \(endpoint) set aside for \(String(format: "%.1f", seconds)) s: \(reason)"
        case .endpointRecovered(let endpoint):
            "endpoint \(endpoint) is back"
        case .allEndpointsDown(let wait):
            "all endpoints are down; waiting \(String(format: "%.1f", wait)) s before probing again"
        case .formatDowngraded(let endpoint, let from, let to, let message):
            "endpoint \(endpoint) rejected response_format \(from) (\(message)); using \(to) from now on"
        }
    }
}
