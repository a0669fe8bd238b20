import PairsmithBLAS

/// Exact cosine top-k between L2-normalised row vectors, as one BLAS matrix product per block of queries.
public enum TopK {
    /// A match: the index of a key row and its cosine.
    public struct Match: Sendable, Hashable {
        /// The key row's index.
        public var index: Int
        /// The cosine similarity.
        public var score: Float
    }

    /// For each of `queryCount` query rows (row-major, `dimension` wide), the `k` key rows with the highest dot
    /// product, best first; ties go to the lower key index, so results are deterministic.
    public static func search(
        queries: [Float], queryCount: Int, keys: [Float], keyCount: Int, dimension: Int, k: Int
    ) -> [[Match]] {
        guard queryCount > 0, keyCount > 0, dimension > 0, k > 0 else { return Array(repeating: [], count: queryCount) }
        let scores = BLAS.linear(queries, keys, rows: queryCount, inFeatures: dimension, outFeatures: keyCount)
        let keep = min(k, keyCount)
        return (0..<queryCount).map { row in
            var best: [Match] = []
            best.reserveCapacity(keep + 1)
            let base = row * keyCount
            for index in 0..<keyCount {
                let score = scores[base + index]
                if best.count == keep, let last = best.last, score <= last.score { continue }
                var position = best.count
                while position > 0 && best[position - 1].score < score { position -= 1 }
                best.insert(Match(index: index, score: score), at: position)
                if best.count > keep { best.removeLast() }
            }
            return best
        }
    }

    /// `vector` scaled to unit length (unchanged when it is all zeros).
    public static func normalised(_ vector: [Float]) -> [Float] {
        let norm = vector.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? vector.map { $0 / norm } : vector
    }
}
