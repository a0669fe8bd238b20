/// Percentiles by linear interpolation between closest ranks (numpy.percentile's default, `method="linear"`).
public enum Percentile {
    /// The `p`-th percentile (0…100) of `sorted` (ascending): with h = (n − 1)·p/100, x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]);
    /// nil when empty.
    public static func linear(_ sorted: [Double], _ p: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let h = Double(sorted.count - 1) * min(max(p, 0), 100) / 100
        let lower = Int(h.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        return sorted[lower] + (h - Double(lower)) * (sorted[upper] - sorted[lower])
    }
}
