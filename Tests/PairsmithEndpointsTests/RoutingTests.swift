import Foundation
@testable import PairsmithEndpoints
import PairsmithTestSupport
import Testing

@Suite("Routing across endpoints")
struct RoutingTests {
    @Test("one dead, one slow, one healthy: every request succeeds, the dead one is set aside, the fast one works most")
    func deadSlowHealthy() async throws {
        let dead = try await TestEndpoint.deadURL()
        try await TestEndpoint.withRunning(.init(latency: .milliseconds(300))) { slow in
            try await TestEndpoint.withRunning(.init(latency: .milliseconds(5))) { healthy in
                let time = ManualTime(), recorder = Recorder()
                let config = configuration([dead, slow.url, healthy.url], time: time, recorder: recorder,
                                           maxAttempts: 8, failureThreshold: 2, coolingPeriod: .seconds(3600), limit: 4)
                try await ChatClient.withClient(config) { client in
                    let endpoints = try await withThrowingTaskGroup(of: String.self) { group in
                        for i in 0..<40 {
                            group.addTask { try await client.completeJSON(answerRequest("routing \(i)")).endpoint }
                        }
                        return try await group.reduce(into: [String]()) { $0.append($1) }
                    }
                    #expect(endpoints.count == 40)
                    let stats = await client.statistics()
                    #expect(stats[0].answered == 0 && stats[0].transportFailures >= 2)
                    #expect(stats[0].timesSetAside == 1)
                    #expect(stats[0].health != .healthy)
                    #expect(stats[2].answered > stats[1].answered, "\(stats.map(\.answered))")
                    #expect(stats.map(\.inFlight) == [0, 0, 0])
                    #expect(recorder.events.contains { if case .endpointSetAside("ep0", _, _) = $0 { true } else { false } })
                }
            }
        }
    }

    @Test("a failing endpoint is set aside, the caller waits for the cooling period without spending attempts, the probe brings it back")
    func coolingAndProbe() async throws {
        try await TestEndpoint.withRunning { endpoint in
            endpoint.script([.serverError, .serverError, .serverError, nil])
            let time = ManualTime(), recorder = Recorder()
            let config = configuration([endpoint.url], time: time, recorder: recorder, maxAttempts: 4,
                                       failureThreshold: 3, coolingPeriod: .seconds(30))
            try await ChatClient.withClient(config, logger: recorder.logger) { client in
                let result = try await client.completeJSON(answerRequest("cooling"))
                #expect(result.attempts == 4)
                // back-off after failures 1 and 2; after failure 3 the endpoint rests 30 s, with no back-off
                #expect(time.sleeps.map { ($0 * 1000).rounded() } == [50, 100, 30_000])
                let events = recorder.events
                #expect(events.count == 3, "\(events)")
                if case .endpointSetAside("ep0", let wait, _) = events.first { #expect(abs(wait - 30) < 1e-6) } else {
                    Issue.record("\(events)")
                }
                if case .allEndpointsDown(let wait) = events.dropFirst().first { #expect(abs(wait - 30) < 1e-6) } else {
                    Issue.record("\(events)")
                }
                #expect(events.last == .endpointRecovered(endpoint: "ep0"))
                #expect(recorder.lines.contains { $0.contains("all chat endpoints are down") })
                let stats = await client.statistics()[0]
                #expect(stats.health == .healthy && stats.timesSetAside == 1)
            }
        }
    }

    @Test("a failed probe sets the endpoint aside again")
    func failedProbe() async throws {
        try await TestEndpoint.withRunning { endpoint in
            endpoint.script([.serverError, .serverError, nil])
            let time = ManualTime(), recorder = Recorder()
            let config = configuration([endpoint.url], time: time, recorder: recorder, maxAttempts: 5,
                                       failureThreshold: 1, coolingPeriod: .seconds(10))
            try await ChatClient.withClient(config) { client in
                let result = try await client.completeJSON(answerRequest("probe"))
                #expect(result.attempts == 3)
                #expect(time.sleeps.map { $0.rounded() } == [10, 10])
                #expect(await client.statistics()[0].timesSetAside == 2)
            }
        }
    }

    @Test("the concurrency limit holds and a cancelled waiter leaves no slot behind")
    func limitAndCancellation() async throws {
        try await TestEndpoint.withRunning(.init(latency: .milliseconds(400))) { endpoint in
            let time = ManualTime()
            let config = configuration([endpoint.url], time: time, limit: 1)
            try await ChatClient.withClient(config) { client in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { _ = try await client.completeJSON(answerRequest("holder")) }
                    // Wait until the holder is in flight.
                    while await client.statistics()[0].inFlight == 0 { try await Task.sleep(for: .milliseconds(5)) }
                    let waiter = Task { try await client.completeJSON(answerRequest("waiter")) }
                    try await Task.sleep(for: .milliseconds(50))
                    #expect(await client.statistics()[0].inFlight == 1)
                    waiter.cancel()
                    await #expect(throws: CancellationError.self) { _ = try await waiter.value }
                    try await group.waitForAll()
                }
                #expect(await client.statistics()[0].inFlight == 0)
                _ = try await client.completeJSON(answerRequest("after"))
                #expect(endpoint.counts().requests == 2)
                #expect(await client.statistics()[0].inFlight == 0)
            }
        }
    }

    @Test("requests spread over equal endpoints by fewest in flight")
    func spread() async throws {
        try await TestEndpoint.withRunning(.init(latency: .milliseconds(50))) { a in
            try await TestEndpoint.withRunning(.init(latency: .milliseconds(50))) { b in
                let config = configuration([a.url, b.url], time: ManualTime(), limit: 8)
                try await ChatClient.withClient(config) { client in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for i in 0..<32 { group.addTask { _ = try await client.completeJSON(answerRequest("spread \(i)")) } }
                        try await group.waitForAll()
                    }
                    let answered = await client.statistics().map(\.answered)
                    #expect(answered.reduce(0, +) == 32)
                    #expect(answered.allSatisfy { $0 >= 8 }, "\(answered)")
                }
            }
        }
    }
}
