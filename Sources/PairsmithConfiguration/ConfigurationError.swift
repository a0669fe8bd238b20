/// A problem in a pipeline file: which file, which line, which field, what is wrong and what is allowed.
public struct ConfigurationError: Error, CustomStringConvertible, Hashable {
    /// The pipeline file's path.
    public var file: String
    /// The 1-based line of the offending node, when known.
    public var line: Int?
    /// The field's path, for example `sampling.temperature` or `endpoints[0].url`.
    public var field: String
    /// What is wrong and what is allowed.
    public var message: String

    /// Creates an error.
    public init(file: String, line: Int?, field: String, message: String) {
        self.file = file
        self.line = line
        self.field = field
        self.message = message
    }

    public var description: String {
        let location = line.map { "\(file):\($0)" } ?? file
        return field.isEmpty ? "\(location): \(message)" : "\(location): \(field): \(message)"
    }
}
