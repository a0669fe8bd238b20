import Crypto
import Foundation

/// SHA-256 digests as lower-case hex, the form every hash column of the store holds.
public enum ContentHash {
    /// The SHA-256 of `text`'s UTF-8 bytes.
    public static func sha256(_ text: String) -> String {
        hex(SHA256.hash(data: Data(text.utf8)))
    }

    /// The SHA-256 of `data`.
    public static func sha256(_ data: Data) -> String {
        hex(SHA256.hash(data: data))
    }

    private static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
        }.joined()
    }
}
