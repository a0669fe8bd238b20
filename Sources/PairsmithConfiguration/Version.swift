/// Facts about this build of pairsmith that outputs record (export manifests, run rows).
public enum Pairsmith {
    /// The pairsmith version, written into every manifest and run record.
    public static let version = "0.1.0"
}
