import Foundation
import Logging
import PairsmithTestSupport
import Testing

@testable import PairsmithEndpoints

@Suite("Bearer keys")
struct SecretTests {
    static let key = "sk-pairsmith-test-7f3a9c1e5b"

    @Test("a key from a file or the environment is sent, and never appears in logs, descriptions, dumps or errors")
    func neverLeaks() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let keyFile = folder.file("key.txt")
        try (Self.key + "\n").write(to: keyFile, atomically: true, encoding: .utf8)
        let variable = "PAIRSMITH_TEST_KEY_\(UInt32.random(in: 0..<UInt32.max))"
        setenv(variable, Self.key, 1)
        defer { unsetenv(variable) }

        try await TestEndpoint.withRunning(.init(requiredKey: Self.key)) { endpoint in
            for source in [APIKeySource.file(keyFile.path), .environment(variable)] {
                let recorder = Recorder()
                endpoint.script([.serverError, .dropConnection, nil, .notJSON])
                let config = configuration([endpoint.url], time: ManualTime(), recorder: recorder, apiKey: source)
                var texts: [String] = ["\(config.endpoints)", String(reflecting: config.endpoints), "\(source)"]
                try await ChatClient.withClient(config, logger: recorder.logger) { client in
                    var dumped = ""
                    dump(client, to: &dumped)
                    texts.append(dumped)
                    texts.append(String(reflecting: client))
                    _ = try await client.completeJSON(answerRequest("secret"))
                    do { _ = try await client.completeJSON(answerRequest("secret 2")) } catch {
                        texts.append("\(error)")
                        texts.append(String(reflecting: error))
                    }
                    texts.append("\(await client.statistics())")
                }
                let token = try #require(try source.resolve())
                texts += ["\(token)", String(reflecting: token)]
                var dumpedToken = ""
                dump(token, to: &dumpedToken)
                texts.append(dumpedToken)
                texts += recorder.lines + recorder.events.map(\.description)
                #expect(!recorder.lines.isEmpty)
                for text in texts { #expect(!text.contains(Self.key), "key leaked in: \(text)") }
            }
            #expect(endpoint.recordedRequests().allSatisfy { $0.authorization == "Bearer \(Self.key)" })
        }
    }

    @Test("a missing key is a configuration error naming the variable or file, not the key")
    func missing() {
        #expect(throws: EndpointConfigurationError.self) {
            _ = try APIKeySource.environment("PAIRSMITH_SURELY_UNSET_VARIABLE").resolve()
        }
        #expect(throws: EndpointConfigurationError.self) { _ = try APIKeySource.file("/nonexistent/key").resolve() }
    }

    @Test("a wrong key surfaces the server's 401 message without retrying")
    func unauthorized() async throws {
        try await TestEndpoint.withRunning(.init(requiredKey: "right")) { endpoint in
            try await ChatClient.withClient(configuration([endpoint.url], time: ManualTime())) { client in
                await #expect {
                    _ = try await client.completeJSON(answerRequest("401"))
                } throws: { error in
                    guard case ChatError.httpStatus(_, 401, let message) = error else { return false }
                    return message.contains("API key")
                }
            }
            #expect(endpoint.counts().requests == 1)
        }
    }
}
