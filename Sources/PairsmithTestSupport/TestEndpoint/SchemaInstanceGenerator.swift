import Foundation

/// Makes JSON that meets a JSON schema (the subset pairsmith uses), deterministically from a generator:
/// enums pick a value, strings get words within their length bounds, numbers land within bounds.
///
/// Schemas and values are Foundation JSON objects (`[String: Any]`, `[Any]`, `String`, `NSNumber`),
/// as `JSONSerialization` reads and writes them; the test endpoint shares no code with the client's validator.
public enum SchemaInstanceGenerator {
    private static let words = ["alpha", "bravo", "cedar", "delta", "ember", "fjord", "grove", "harbor", "ivory",
                                "juniper", "kernel", "lumen", "meadow", "nectar", "orbit", "pebble"]

    /// A value that meets `schema`.
    public static func instance(of schema: Any, random: inout SeededRandom) -> Any {
        guard let schema = schema as? [String: Any] else { return "text" }
        if let options = schema["enum"] as? [Any], !options.isEmpty {
            return options[Int(random.next() % UInt64(options.count))]
        }
        let type = (schema["type"] as? String) ?? (schema["type"] as? [String])?.first ?? (schema["properties"] != nil ? "object" : "string")
        switch type {
        case "object":
            let properties = schema["properties"] as? [String: Any] ?? [:]
            var object: [String: Any] = [:]
            for name in properties.keys.sorted() {
                object[name] = instance(of: properties[name] ?? [:], random: &random)
            }
            return object
        case "array":
            let minItems = int(schema["minItems"]) ?? 1
            let maxItems = max(minItems, int(schema["maxItems"]) ?? minItems + 2)
            let count = minItems + Int(random.next() % UInt64(maxItems - minItems + 1))
            return (0..<count).map { _ in instance(of: schema["items"] ?? ["type": "string"], random: &random) }
        case "integer":
            let low = int(schema["minimum"]) ?? 0
            let high = max(low, int(schema["maximum"]) ?? low + 100)
            return low + Int(random.next() % UInt64(high - low + 1))
        case "number":
            let low = double(schema["minimum"]) ?? 0
            let high = max(low, double(schema["maximum"]) ?? low + 1)
            return low + (high - low) * random.unit()
        case "boolean":
            return random.next() & 1 == 1
        case "null":
            return NSNull()
        default:
            return text(minLength: int(schema["minLength"]) ?? 1, maxLength: int(schema["maxLength"]), random: &random)
        }
    }

    /// A value that breaks `schema`: a required member removed, an extra member added, or the wrong type.
    public static func violation(of schema: Any, random: inout SeededRandom) -> Any {
        let valid = instance(of: schema, random: &random)
        guard var object = valid as? [String: Any], let schema = schema as? [String: Any] else { return ["unexpected": true] }
        if let required = (schema["required"] as? [String])?.sorted(), let first = required.first {
            object.removeValue(forKey: first)
            return object
        }
        if (schema["additionalProperties"] as? Bool) == false || (schema["additionalProperties"] as? NSNumber)?.boolValue == false {
            object["unexpected"] = "member"
            return object
        }
        return [object]
    }

    private static func text(minLength: Int, maxLength: Int?, random: inout SeededRandom) -> String {
        let target = min(maxLength ?? 60, max(minLength, 12 + Int(random.next() % 30)))
        var out = ""
        while out.count < target {
            if !out.isEmpty { out += " " }
            out += words[Int(random.next() % UInt64(words.count))]
        }
        if let maxLength, out.count > maxLength { out = String(out.prefix(maxLength)) }
        while out.count < minLength { out += "x" }
        return out.trimmingTrailingSpace(minLength: minLength)
    }

    private static func int(_ value: Any?) -> Int? { (value as? Int) ?? (value as? NSNumber)?.intValue }
    private static func double(_ value: Any?) -> Double? { (value as? Double) ?? (value as? NSNumber)?.doubleValue }
}

extension String {
    /// Drops a trailing space unless that would make the text shorter than `minLength`.
    fileprivate func trimmingTrailingSpace(minLength: Int) -> String {
        hasSuffix(" ") && count - 1 >= minLength ? String(dropLast()) : self
    }
}
