import Foundation
import PairsmithConfiguration
import PairsmithIngest
import PairsmithStages
import PairsmithStore
import PairsmithTestSupport
import Testing

@Suite("Foundation flow")
struct FoundationFlowTests {
    @Test("pipeline file, corpus and personas go in; the run and its configure units come out, idempotently")
    func setUpRun() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-flow")
        defer { directory.remove() }
        let configuration = try PipelineConfiguration.load(from: PipelineConfigurationTests.shipped)
        let store = try PairsmithStore(url: directory.file("run.sqlite"))
        let corpus = directory.file("corpus.jsonl")
        try Data(
            """
            {"id": "p1", "text": "Die Fähre fährt jeden Morgen um sieben Uhr über den See.", "lang": "de"}
            {"id": "p2", "text": "城市地铁每天运送超过一千万名乘客。"}
            {"id": "p3", "text": "Le marché ouvre tous les samedis et les producteurs viennent de toute la région."}
            """.utf8
        ).write(to: corpus)
        for _ in 0..<2 {
            let run = try await store.beginRun(configuration.runRecord())
            #expect(run.id == "retrieval" && run.pipelineSHA256 == configuration.fileSHA256)
            _ = try await CorpusIngester(store: store).ingest(corpus)
            _ = try await PersonaLoader(store: store).load(configuration.personas.library)
            try await store.recoverInterruptedUnits(run: run.id)
            try await store.enqueueForDocuments(
                run: run.id, stage: "configure", samples: 2)
        }
        let status = try await store.status()
        #expect(status.documents == 3)
        #expect(status.personas >= 1_000)
        #expect(status.count(stage: "configure", state: .pending) == 6)
        let documents = try await store.documents(limit: 10)
        #expect(documents.map(\.lang) == ["de", "zh", "fr"])
        let key = UnitKey(run: "retrieval", stage: "generate", documentID: documents[0].id!, sample: 1)
        #expect(key.description == "retrieval/generate/\(documents[0].id!)/1")
        #expect(VariableDrawer.planKey(run: "retrieval", documentID: 4, sample: 1) == "retrieval/4/1")
    }
}
