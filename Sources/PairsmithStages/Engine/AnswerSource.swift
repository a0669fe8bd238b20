import Foundation
import PairsmithEndpoints
import PairsmithJSON
import PairsmithStore

/// An answer to a chat request: the JSON value, or why it could not be read.
enum StageAnswer: Sendable {
    /// The answer parsed as one JSON document.
    case json(JSONValue)
    /// The answer is unusable (not JSON, breaks the schema, cut off); `reason` is the reject code.
    case unusable(reason: String, detail: String, raw: String?)
}

/// What asking produced: the answer, its request hash and the call to record (nil when it came from the store).
struct AskOutcome: Sendable {
    var answer: StageAnswer
    var requestHash: String
    var call: LLMCallRecord?
}

/// A request that failed for good on the transport side (after the client's own retries).
struct TransportFailure: Error, CustomStringConvertible {
    var error: ChatError
    var call: LLMCallRecord
    var description: String { error.description }
}

/// Gets answers: from `llm_calls` when the same request (by hash) was answered before, else from the chat client;
/// every answer that came back, usable or not, is returned with its call record so it is stored under its hash.
struct AnswerSource: Sendable {
    let store: PairsmithStore
    let client: ChatClient
    let model: String
    let counters: RunCounters

    /// Answers `request` for the unit `unitKey`. Throws ``TransportFailure`` or `CancellationError`.
    func ask(_ request: ChatRequest, unitKey: String) async throws -> AskOutcome {
        let hash = client.hash(of: request)
        if let cached = try await store.cachedResponse(requestHash: hash) {
            await counters.answerReused()
            return AskOutcome(answer: Self.read(cached), requestHash: hash, call: nil)
        }
        let requestText = RequestHash.canonicalText(of: request, model: model)
        let started = ContinuousClock.now
        await counters.requestSent()
        do {
            let result = try await client.completeJSON(request)
            await counters.tokensUsed(prompt: result.usage.promptTokens, completion: result.usage.completionTokens)
            let text = result.json.canonicalText
            let call = LLMCallRecord(
                requestHash: hash, unitKey: unitKey, endpoint: result.endpoint, model: result.model, request: requestText,
                response: text, status: .ok, httpStatus: 200, promptTokens: result.usage.promptTokens,
                completionTokens: result.usage.completionTokens, latencyMilliseconds: Self.milliseconds(result.latency))
            return AskOutcome(answer: .json(result.json), requestHash: hash, call: call)
        } catch let error as ChatError {
            let latency = Self.milliseconds(ContinuousClock.now - started)
            if let raw = error.rawAnswer, !error.isRetryable {
                // The endpoint answered, but not usably: keep the answer under its hash, so a repeat is judged the same.
                let call = LLMCallRecord(
                    requestHash: hash, unitKey: unitKey, endpoint: Self.endpoint(of: error), model: model,
                    request: requestText, response: raw, status: .ok, httpStatus: 200, promptTokens: 0,
                    completionTokens: 0, latencyMilliseconds: latency)
                return AskOutcome(
                    answer: .unusable(reason: Self.reason(of: error), detail: error.description, raw: raw),
                    requestHash: hash, call: call)
            }
            let call = LLMCallRecord(
                requestHash: hash, unitKey: unitKey, endpoint: Self.endpoint(of: error), model: model,
                request: requestText, response: nil, status: Self.status(of: error), httpStatus: Self.httpStatus(of: error),
                promptTokens: 0, completionTokens: 0, latencyMilliseconds: latency)
            throw TransportFailure(error: error, call: call)
        }
    }

    /// A stored answer read back the way a fresh one is: JSON or unusable.
    static func read(_ text: String) -> StageAnswer {
        do {
            return .json(try JSONValue.parse(text))
        } catch {
            return .unusable(reason: "not_json", detail: "the stored answer is not JSON: \(error)", raw: text)
        }
    }

    /// The reject code of a content fault.
    static func reason(of error: ChatError) -> String {
        switch error {
        case .truncated: "truncated"
        case .notJSON: "not_json"
        case .schemaViolation: "schema_violation"
        case .decoding: "schema_violation"
        case .attemptsExhausted(_, let last): reason(of: last)
        default: "bad_answer"
        }
    }

    private static func endpoint(of error: ChatError) -> String {
        switch error {
        case .transport(let endpoint, _, _), .httpStatus(let endpoint, _, _), .truncated(let endpoint, _),
            .notJSON(let endpoint, _, _), .schemaViolation(let endpoint, _, _), .decoding(let endpoint, _, _, _),
            .malformedResponse(let endpoint, _):
            endpoint
        case .attemptsExhausted(_, let last): endpoint(of: last)
        }
    }

    private static func status(of error: ChatError) -> LLMCallStatus {
        httpStatus(of: error) == nil ? .transportError : .httpError
    }

    private static func httpStatus(of error: ChatError) -> Int? {
        switch error {
        case .httpStatus(_, let status, _): status
        case .attemptsExhausted(_, let last): httpStatus(of: last)
        default: nil
        }
    }

    private static func milliseconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) * 1_000 + Double(parts.attoseconds) / 1e15
    }
}

extension JSONValue {
    /// The string members of an object that has exactly `keys`, or nil (a missing, extra or non-string member).
    func strings(exactly keys: Set<String>) -> [String: String]? {
        guard let object = objectValue, Set(object.keys) == keys else { return nil }
        var result: [String: String] = [:]
        for (key, value) in object {
            guard let text = value.stringValue else { return nil }
            result[key] = text
        }
        return result
    }
}
