#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Shell-style file patterns (`*.safetensors`, `1_Pooling/*`), matched with fnmatch(3).
enum GlobPattern {
    /// Whether `path` matches `pattern`; `*` does not cross `/`, and a pattern without `/` also matches the last path component.
    static func matches(_ path: String, _ pattern: String) -> Bool {
        if fnmatch(pattern, path, FNM_PATHNAME) == 0 { return true }
        if !pattern.contains("/"), let name = path.split(separator: "/").last {
            return fnmatch(pattern, String(name), 0) == 0
        }
        return false
    }
}
