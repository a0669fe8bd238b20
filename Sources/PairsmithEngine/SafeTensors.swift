import Foundation
import PairsmithJSON

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The element types a checkpoint tensor may have; all are widened to `Float` for compute.
public enum TensorDType: String, Sendable, Equatable {
    /// bfloat16: the top 16 bits of an IEEE float32.
    case bf16 = "BF16"
    /// IEEE half precision.
    case f16 = "F16"
    /// IEEE single precision.
    case f32 = "F32"

    /// Bytes per element.
    public var byteWidth: Int { self == .f32 ? 4 : 2 }
}

/// One tensor's entry in a safetensors header.
public struct TensorInfo: Sendable, Equatable {
    /// The name as stored (possibly with a `model.` prefix).
    public var name: String
    /// The dtype as written in the header (e.g. `BF16`, or an unsupported one such as `I8`).
    public var dtypeName: String
    /// The shape, row-major.
    public var shape: [Int]
    /// Byte offset of the data from the start of the file.
    public var offset: Int
    /// Byte length of the data.
    public var byteCount: Int

    /// The dtype if the engine supports it.
    public var dtype: TensorDType? { TensorDType(rawValue: dtypeName) }
    /// Number of elements.
    public var elementCount: Int { shape.reduce(1, *) }
}

/// A memory-mapped `.safetensors` file: an 8-byte little-endian header length, a JSON header, then the data.
///
/// The mapping is read-only and shared with the page cache; it is unmapped when the object goes away.
public final class SafeTensorsFile: @unchecked Sendable {
    /// The file's location.
    public let url: URL
    /// The tensors it holds, by stored name.
    public let tensors: [String: TensorInfo]
    private let base: UnsafeMutableRawPointer
    private let length: Int

    /// Maps `url` and parses and checks its header (offsets in bounds, sizes matching shapes and dtypes).
    public init(url: URL) throws(EngineError) {
        self.url = url
        let path = url.path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            if !FileManager.default.fileExists(atPath: path) {
                throw .missingFile(path: path, hint: "the checkpoint's weights file")
            }
            throw .unreadableFile(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw .unreadableFile(path: path, reason: String(cString: strerror(errno))) }
        let size = Int(status.st_size)
        guard size >= 8 else { throw .invalidSafetensors(path: path, reason: "the file has \(size) bytes, fewer than the 8-byte header length") }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw .unreadableFile(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        do {
            tensors = try Self.parseHeader(UnsafeRawPointer(mapped), size: size, path: path)
        } catch {
            munmap(mapped, size)
            throw error
        }
        base = mapped
        length = size
    }

    deinit { munmap(base, length) }

    /// The raw bytes of a tensor of this file.
    public func data(_ info: TensorInfo) -> UnsafeRawPointer { UnsafeRawPointer(base + info.offset) }

    /// Tells the kernel the tensor's pages are no longer needed (after widening), so they leave the resident set.
    public func release(_ info: TensorInfo) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (info.offset + page - 1) / page * page
        let end = (info.offset + info.byteCount) / page * page
        if end > start { madvise(base + start, end - start, Int32(MADV_DONTNEED)) }
    }

    private static func parseHeader(_ base: UnsafeRawPointer, size: Int, path: String) throws(EngineError) -> [String: TensorInfo] {
        var headerLength: UInt64 = 0
        withUnsafeMutableBytes(of: &headerLength) { $0.copyMemory(from: UnsafeRawBufferPointer(start: base, count: 8)) }
        headerLength = UInt64(littleEndian: headerLength)
        guard headerLength <= UInt64(size - 8), headerLength <= 100_000_000 else {
            throw .invalidSafetensors(path: path, reason: "header length \(headerLength) exceeds the file size \(size)")
        }
        let dataStart = 8 + Int(headerLength)
        let header = Data(bytes: base + 8, count: Int(headerLength))
        guard let root = try? JSONValue.parse(header, duplicateKeys: .lastWins), let members = root.objectValue else {
            throw .invalidSafetensors(path: path, reason: "the header is not a JSON object")
        }
        var tensors: [String: TensorInfo] = [:]
        for (name, entry) in members where name != "__metadata__" {
            guard let fields = entry.objectValue,
                let dtype = fields["dtype"]?.stringValue,
                let shapeValues = fields["shape"]?.arrayValue,
                let offsets = fields["data_offsets"]?.arrayValue, offsets.count == 2,
                let begin = offsets[0].intValue, let end = offsets[1].intValue
            else {
                throw .invalidSafetensors(path: path, reason: "tensor '\(name)' lacks dtype, shape or data_offsets")
            }
            var shape: [Int] = []
            for value in shapeValues {
                guard let dim = value.intValue, dim >= 0 else {
                    throw .invalidSafetensors(path: path, reason: "tensor '\(name)' has a bad shape entry \(value.brief)")
                }
                shape.append(dim)
            }
            guard begin >= 0, end >= begin, dataStart + end <= size else {
                throw .invalidSafetensors(path: path, reason: "tensor '\(name)' has data_offsets [\(begin), \(end)] outside the file")
            }
            let info = TensorInfo(name: name, dtypeName: dtype, shape: shape, offset: dataStart + begin, byteCount: end - begin)
            if let known = info.dtype, info.elementCount * known.byteWidth != info.byteCount {
                throw .invalidSafetensors(
                    path: path,
                    reason: "tensor '\(name)' has \(info.byteCount) bytes but shape \(shape) of \(dtype) needs \(info.elementCount * known.byteWidth)"
                )
            }
            tensors[name] = info
        }
        return tensors
    }
}

/// A tensor inside a mapped file: where its bytes are and how to widen them to `Float`.
public struct TensorView: @unchecked Sendable {
    /// The file holding it (kept alive by this view).
    public let file: SafeTensorsFile
    /// Its header entry.
    public let info: TensorInfo
    /// Its supported dtype (checked when the view is made).
    public let dtype: TensorDType

    /// Widens `count` elements starting at element `start` into `destination` (BF16: bits << 16; F16: IEEE).
    public func widen(start: Int = 0, count: Int, into destination: UnsafeMutablePointer<Float>) {
        let raw = file.data(info)
        switch dtype {
        case .f32:
            UnsafeMutableRawPointer(destination).copyMemory(from: raw + start * 4, byteCount: count * 4)
        case .bf16:
            let source = raw + start * 2
            for i in 0..<count {
                let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                destination[i] = Float(bitPattern: UInt32(bits) << 16)
            }
        case .f16:
            let source = raw + start * 2
            for i in 0..<count {
                destination[i] = Self.halfToFloat(UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
            }
        }
    }

    /// Widens the whole tensor into a new array.
    public func floats() -> [Float] {
        let count = info.elementCount
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let pointer = buffer.baseAddress { widen(count: count, into: pointer) }
            initialized = count
        }
    }

    /// IEEE binary16 → binary32, exact for every value (normals, subnormals, infinities, NaN).
    static func halfToFloat(_ bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = Int(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x3FF)
        if exponent == 0 {
            let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign == 0 ? magnitude : -magnitude
        }
        if exponent == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
        return Float(bitPattern: sign | UInt32(exponent + 112) << 23 | (mantissa << 13))
    }
}
