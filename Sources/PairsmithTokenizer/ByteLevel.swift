/// The GPT-2 byte-level alphabet: every byte maps to one printable Unicode scalar (`bytes_to_unicode`).
///
/// Bytes 33–126, 161–172 and 174–255 map to the scalar of the same value; the other 68 bytes, in
/// increasing order, map to U+0100, U+0101, … (so space → `Ġ` U+0120, `\n` → `Ċ` U+010A).
enum ByteLevel {
    /// The scalar value each byte maps to.
    static let scalarForByte: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            if (33...126).contains(byte) || (161...172).contains(byte) || (174...255).contains(byte) {
                table[byte] = UInt32(byte)
            } else {
                table[byte] = next
                next += 1
            }
        }
        return table
    }()

    /// The byte a scalar of the byte-level alphabet stands for, or nil when the scalar is not in it.
    static func byte(for scalar: Unicode.Scalar) -> UInt8? {
        let value = scalar.value
        if value < 256 {
            let byte = Int(value)
            return scalarForByte[byte] == value ? UInt8(byte) : nil
        }
        guard value < 256 + 68 else { return nil }
        return inverse[Int(value - 256)]
    }

    /// Scalar U+0100+n → byte, for the 68 remapped bytes.
    private static let inverse: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 68)
        for byte in 0..<256 where scalarForByte[byte] >= 256 {
            table[Int(scalarForByte[byte] - 256)] = UInt8(byte)
        }
        return table
    }()

    /// The bytes a byte-level token string stands for, or nil when one of its scalars is outside the alphabet.
    static func bytes(ofToken token: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(token.unicodeScalars.count)
        for scalar in token.unicodeScalars {
            guard let byte = byte(for: scalar) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }

    /// The byte-level token string of some bytes (each byte → its scalar).
    static func token(ofBytes bytes: some Sequence<UInt8>) -> String {
        var scalars = String.UnicodeScalarView()
        for byte in bytes {
            if let scalar = Unicode.Scalar(scalarForByte[Int(byte)]) { scalars.append(scalar) }
        }
        return String(scalars)
    }
}
