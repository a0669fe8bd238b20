import Foundation
import Testing
@testable import PairsmithTokenizer

/// One tokenizer shared by many tasks gives the same ids as sequential use.
@Suite("concurrent use")
struct ConcurrencyTests {
    @Test("many tasks encoding at once give identical results")
    func concurrentEncode() async throws {
        let corpus = try Reference.corpus.get()
        let texts = Array(corpus.filter { $0.source != "fuzz" }.prefix(160))
        // A fresh tokenizer, so the tasks race on an empty word cache.
        let tokenizer = try Tokenizer(contentsOf: try Reference.qwenTokenizerPath.get())
        let results = await withTaskGroup(of: (Int, [Int]).self) { group in
            for round in 0..<4 {
                for (index, record) in texts.enumerated() {
                    group.addTask { (index + round * texts.count, tokenizer.encode(record.text)) }
                }
            }
            var results: [(Int, [Int])] = []
            for await result in group { results.append(result) }
            return results
        }
        #expect(results.count == texts.count * 4)
        for (slot, ids) in results {
            #expect(ids == texts[slot % texts.count].ids, "text \(slot % texts.count) (\(texts[slot % texts.count].source))")
        }
    }
}
