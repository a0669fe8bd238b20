import Foundation

extension PipelineConfiguration {
    /// The configuration with the command line's replacements: `--chat-url`/`--chat-model` replace the endpoint list
    /// with one endpoint, `--concurrency` caps requests in flight per endpoint and units in flight per stage.
    public func overriding(chatURL: String?, chatModel: String?, concurrency: Int?) -> PipelineConfiguration {
        var copy = self
        if chatURL != nil || chatModel != nil {
            let first = endpoints.first
            var endpoint = ChatEndpoint(
                url: chatURL ?? first?.url ?? "http://127.0.0.1:8080/v1", model: chatModel ?? first?.model ?? "default",
                keyEnvironment: chatURL == nil ? first?.keyEnvironment : nil, concurrency: first?.concurrency ?? 16)
            if let first {  // the adaptive window's settings carry over
                endpoint.adaptive = first.adaptive
                endpoint.minimumConcurrency = first.minimumConcurrency
                endpoint.initialConcurrency = first.initialConcurrency
                endpoint.latencyTolerance = first.latencyTolerance
            }
            copy.endpoints = [endpoint]
        }
        if let concurrency, concurrency > 0 {
            copy.endpoints = copy.endpoints.map { endpoint in
                var endpoint = endpoint
                endpoint.concurrency = concurrency
                endpoint.minimumConcurrency = min(endpoint.minimumConcurrency, concurrency)
                endpoint.initialConcurrency = endpoint.initialConcurrency.map { min($0, concurrency) }
                return endpoint
            }
            copy.stages = copy.stages.map { stage in
                var stage = stage
                stage.concurrency = concurrency
                return stage
            }
        }
        return copy
    }
}
