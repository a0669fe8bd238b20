extension VariableDrawer {
    /// The plan key of a (document, sample) keyed by the document's key (runs with the `document-key` seed scheme):
    /// the same in a shard's database as in an unsharded one, where row ids differ.
    public static func planKey(run: String, documentKey: String, sample: Int) -> String {
        "\(run)/key=\(documentKey)/\(sample)"
    }

    /// The key that seeds a unit's chat requests under the `document-key` scheme.
    public static func unitSeedKey(run: String, stage: String, documentKey: String, sample: Int) -> String {
        "\(run)/\(stage)/key=\(documentKey)/\(sample)"
    }
}
