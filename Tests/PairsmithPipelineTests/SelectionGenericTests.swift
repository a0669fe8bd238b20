import Foundation
import PairsmithConfiguration
import PairsmithExport
import PairsmithMatching
import PairsmithSelection
import PairsmithStore
import PairsmithTestSupport
import PairsmithText
import Testing

/// Score, hard negatives and export over generic examples: each side embedded and exported with the instruction
/// its example declares (the expected texts are written out here, not taken from `QueryInstruction`).
@Suite("Selection and export: generic examples")
struct SelectionGenericTests {
    typealias F = SelectionFixtures

    /// One example as the test declares it, with the exact texts its two sides must be embedded as.
    struct Case {
        var task: String
        var anchor: String
        var positive: String?
        var anchorInstruction: String?
        var positiveInstruction: String?
        var negatives: [String] = []
        var label: String?
        var score: Double?
        /// The anchor as the embedder must see it.
        var anchorText: String
        /// The positive as the embedder must see it (nil: the passage's own vector, the raw passage).
        var positiveText: String?
    }

    static let documents = F.corpus(5)
    static let symmetric = "Retrieve semantically similar text"
    static let configuration = """
        name: generic
        embedding:
          model: bytes
          query_instruction: \(F.instruction)
        """

    /// The five examples, one per passage, in document-key order.
    static let cases: [Case] = [
        // A v3 row: no instruction stored, so the run's query instruction; the passage is the positive.
        Case(
            task: "retrieval", anchor: "q legacy", anchorText: "Instruct: Find it\nQuery:q legacy"),
        // A symmetric task: generated positive, the same instruction on both sides, generated negatives.
        Case(
            task: "sts", anchor: "sentence one", positive: "sentence two", anchorInstruction: symmetric,
            positiveInstruction: symmetric, negatives: ["gen neg one", "gen neg two"], score: 0.8,
            anchorText: "Instruct: Retrieve semantically similar text\nQuery:sentence one",
            positiveText: "Instruct: Retrieve semantically similar text\nQuery:sentence two"),
        // The passage is the positive but carries an instruction: embedded on its own.
        Case(
            task: "retrieval", anchor: "q three", anchorInstruction: "Match it", positiveInstruction: "Describe it",
            anchorText: "Instruct: Match it\nQuery:q three", positiveText: "Instruct: Describe it\nQuery:" + documents[2].text),
        // A new retrieval row: its own query instruction, the passage's vector.
        Case(
            task: "retrieval", anchor: "q four", anchorInstruction: "Given a question, find passages", positiveInstruction: "",
            anchorText: "Instruct: Given a question, find passages\nQuery:q four"),
        // No instruction on either side (an empty one is none), a generated positive, a label.
        Case(
            task: "bitext", anchor: "bitext source", positive: "bitext target", anchorInstruction: "", label: "translation",
            anchorText: "bitext source", positiveText: "bitext target"),
    ]

    static func makeStore(_ directory: TemporaryDirectory) async throws -> (PairsmithStore, [Int64], [Int64]) {
        let store = try PairsmithStore(url: directory.file("db.sqlite"))
        let time = Date(timeIntervalSince1970: 1_767_225_600)
        _ = try await store.beginRun(
            RunRecord(
                id: "r", pipelinePath: "/p/generic.yaml", pipelineSHA256: ContentHash.sha256(configuration),
                configuration: configuration, pairsmithVersion: "0.1.0", createdAt: time, updatedAt: time))
        let documentIDs = try await F.addDocuments(store, documents)
        // Persona matching embedded every passage already (hard-negative search reads these).
        try await store.insertVectors(
            zip(documentIDs, documents).map { id, document in
                VectorRecord(
                    ownerKind: .document, ownerID: id, model: "bytes", textHash: ContentHash.sha256(document.text),
                    values: TopK.normalised(F.byteFeatures(document.text)))
            })
        let ids = try await store.insertExamples(
            zip(cases, documentIDs).map { item, documentID in
                ExampleRecord(
                    run: "r", documentID: documentID, sample: 0, task: item.task, anchor: item.anchor, positive: item.positive,
                    negatives: item.negatives.isEmpty ? nil : JSONValueText.array(item.negatives), label: item.label,
                    score: item.score, anchorInstruction: item.anchorInstruction,
                    positiveInstruction: item.positiveInstruction, anchorLanguage: "en", positiveLanguage: "en",
                    lengthWords: 2, requestHash: nil, createdAt: time)
            })
        return (store, documentIDs, ids)
    }

    @Test("each side is embedded with its own instruction, stored under its owner kind, and scored as numpy says")
    func scoreGenericExamples() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-generic-score")
        defer { directory.remove() }
        let (store, documentIDs, ids) = try await Self.makeStore(directory)
        let embedder = F.CountingEmbedder()
        var settings = PipelineConfiguration.SelectionSettings()
        settings.nearDuplicateCosine = 1.0
        settings.negatives.count = 2
        settings.negatives.guardFactor = 10  // byte features rank other passages close: no guard here
        let summary = try await SelectionJob(
            store: store, run: "r", model: "bytes", instruction: F.instruction, settings: settings, embedBatchSize: 3,
            embed: embedder.embed
        ).execute()
        #expect(summary.score?.scoredNow == 5)
        #expect(summary.score?.positivesEmbedded == 3)
        #expect(summary.score?.passagesEmbedded == 0 && summary.score?.passagesReused == 2)

        // Exactly these texts were embedded, once each: the anchors and own positives as declared (the two
        // examples whose positive is the passage use its stored vector).
        let expected = Self.cases.map(\.anchorText) + Self.cases.compactMap(\.positiveText)
        #expect(embedder.embedded.sorted() == expected.sorted())

        // The stored vectors: Python's hashlib over the expected texts names every one.
        let vectors = try F.python(
            """
            import hashlib, json, sqlite3, sys
            data = json.load(sys.stdin)
            con = sqlite3.connect(data["db"])
            rows = con.execute("SELECT owner_kind, owner_id, text_hash FROM vectors WHERE owner_kind IN ('query', 'positive')").fetchall()
            stored = sorted([k, i, h] for k, i, h in rows)
            want = []
            for i, a, p in zip(data["ids"], data["anchors"], data["positives"]):
                want.append(["query", i, hashlib.sha256(a.encode()).hexdigest()])
                if p is not None:
                    want.append(["positive", i, hashlib.sha256(p.encode()).hexdigest()])
            print(json.dumps({"ok": stored == sorted(want), "stored": stored, "want": sorted(want)}))
            """,
            input: [
                "db": directory.file("db.sqlite").path, "ids": ids, "anchors": Self.cases.map(\.anchorText),
                "positives": Self.cases.map { $0.positiveText as Any? ?? NSNull() },
            ])
        #expect(vectors["ok"] as? Bool == true, "\(vectors)")

        // The cosines: numpy over the features of the texts each side was to be embedded as.
        let reference = try F.python(
            F.featuresPython + "\n" + """
                import json, sys
                data = json.load(sys.stdin)
                print(json.dumps({"cosines": [float(features(a) @ features(p)) for a, p in zip(data["anchors"], data["positives"])]}))
                """,
            input: [
                "anchors": Self.cases.map(\.anchorText),
                "positives": Self.cases.enumerated().map { index, item in item.positiveText ?? Self.documents[index].text },
            ])
        let cosines = try #require(reference["cosines"] as? [Double])
        let scored = try await store.scoredPairs(run: "r", model: "bytes")
        #expect(scored.map(\.pairID) == ids)
        #expect(scored.map(\.positiveIsPassage) == [true, false, true, true, false])
        for (item, cosine) in zip(scored, cosines) {
            #expect(abs((item.cosine ?? -2) - cosine) < 1e-5, "example \(item.pairID): \(item.cosine ?? -2) vs \(cosine)")
        }

        // Hard negatives only for the examples whose positive is the passage, never that passage itself.
        #expect(summary.negatives.generatedPositives == 2)
        let searches = try await store.negativeSearches(run: "r")
        #expect(Set(searches.keys) == [ids[0], ids[2], ids[3]])
        for (index, id) in ids.enumerated() where searches[id] != nil {
            let negatives = try await store.negatives(pairID: id)
            #expect(negatives.count == 2 && !negatives.contains { $0.documentID == documentIDs[index] })
        }

        // Scoring again embeds nothing; the same instructions give the same texts.
        let again = F.CountingEmbedder()
        let report = try await ScoreStage(store: store, model: "bytes", instruction: F.instruction, embed: again.embed)
            .scoreAll(run: "r")
        #expect(report.scoredNow == 0 && report.alreadyScored == 5 && again.embedded.isEmpty)
        // Under another default instruction only the v3 row (which stores none) is scored again.
        let changed = F.CountingEmbedder()
        let rescored = try await ScoreStage(store: store, model: "bytes", instruction: "Other", embed: changed.embed)
            .scoreAll(run: "r")
        #expect(rescored.scoredNow == 1 && changed.embedded == ["Instruct: Other\nQuery:q legacy"])
    }

    @Test("exports carry each example's anchor, positive and instructions; generated negatives come first")
    func exportGenericExamples() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-generic-export")
        defer { directory.remove() }
        let (store, documentIDs, ids) = try await Self.makeStore(directory)
        var settings = PipelineConfiguration.SelectionSettings()
        settings.nearDuplicateCosine = 1.0
        settings.negatives.count = 1
        settings.negatives.guardFactor = 10
        _ = try await SelectionJob(
            store: store, run: "r", model: "bytes", instruction: F.instruction, settings: settings,
            embed: F.CountingEmbedder().embed
        ).execute()
        var mined: [Int64: [String]] = [:]
        for id in ids {
            let negatives = try await store.negatives(pairID: id)
            let texts = try await store.documents(ids: negatives.map(\.documentID))
            mined[id] = negatives.map { texts[$0.documentID]?.text ?? "?" }
        }
        #expect(mined[ids[0]]?.count == 1 && mined[ids[1]] == [])

        let swift = try await Self.export(store, directory, format: .msSwift)
        let positives = Self.cases.enumerated().map { index, item in item.positive ?? Self.documents[index].text }
        for (index, row) in swift.enumerated() {
            let item = Self.cases[index]
            #expect(row["query"] as? String == item.anchorText)
            #expect(row["response"] as? String == (item.positiveText ?? positives[index]))
            let negatives = item.negatives + (mined[ids[index]] ?? [])
            #expect(row["rejected_response"] as? [String] == (negatives.isEmpty ? nil : negatives))
        }
        #expect(swift.count == 5)

        let messages = try await Self.export(store, directory, format: .msSwiftMessages)
        let second = try #require(messages.dropFirst().first)
        let anchor = (second["messages"] as? [[String: String]])?.first?["content"]
        let positive = ((second["positive_messages"] as? [[[String: String]]])?.first?.first)?["content"]
        #expect(anchor == Self.cases[1].anchorText && positive == Self.cases[1].positiveText)

        let flag = try await Self.export(store, directory, format: .flagEmbedding)
        #expect(flag.map { $0["prompt"] as? String } == [F.instruction, Self.symmetric, "Match it", "Given a question, find passages", ""])
        #expect(flag.map { $0["query"] as? String } == Self.cases.map(\.anchor))
        #expect(flag.map { ($0["pos"] as? [String])?.first } == positives)
        let meta = flag.map { $0["meta"] as? [String: Any] ?? [:] }
        #expect(meta.map { $0["task"] as? String } == [nil, "sts", nil, nil, "bitext"])
        #expect(meta[4]["label"] as? String == "translation" && meta[1]["score"] as? Double == 0.8)
        #expect(meta[1]["generated_negatives"] as? Int == 2 && meta[0]["generated_negatives"] == nil)
        #expect(Set(meta[0].keys) == Self.v3MetaKeys)

        // sentence-transformers carries the bare texts (instructions go in the trainer's prompts).
        let columns = try await Self.export(store, directory, format: .sentenceTransformers, negatives: 0)
        #expect(columns.map { $0["anchor"] as? String } == Self.cases.map(\.anchor))
        #expect(columns.map { $0["positive"] as? String } == positives)
        _ = documentIDs
    }

    /// The meta keys of a v3 FlagEmbedding row (what a retrieval row keeps, byte for byte).
    static let v3MetaKeys: Set<String> = [
        "run", "document", "sample", "query_language", "document_language", "cosine", "negatives_requested",
        "negatives_found", "negative_documents",
    ]

    /// Exports the weak set in `format` to a fresh folder and returns its rows in order.
    static func export(
        _ store: PairsmithStore, _ directory: TemporaryDirectory, format: ExportFormat, negatives: Int? = nil
    ) async throws -> [[String: Any]] {
        let out = directory.file("export-\(format.variant)")
        _ = try await Exporter(
            store: store, options: ExportOptions(output: out, format: format, set: .weak, run: "r", negatives: negatives)
        ).export()
        let shards = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasPrefix("part-") }.sorted()
        var rows: [[String: Any]] = []
        for shard in shards {
            let text = try String(contentsOf: out.appendingPathComponent(shard), encoding: .utf8)
            for line in text.split(separator: "\n") {
                rows.append(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:])
            }
        }
        return rows
    }
}

/// JSON text of a list of strings, written by Foundation (not by the code under test).
enum JSONValueText {
    static func array(_ strings: [String]) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: strings)) ?? Data("[]".utf8), as: UTF8.self)
    }
}
