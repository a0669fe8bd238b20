import CDNNL
import Foundation
import Synchronization

/// A oneDNN call that did not succeed, or a shape the binding cannot run, as a typed value.
public enum DNNLError: Error, Equatable, CustomStringConvertible {
    /// `function` returned the non-success `status` (oneDNN's `dnnl_status_t` name, e.g. `unimplemented`).
    case call(function: String, status: String, context: String)
    /// A matrix size or pointer the matmul cannot take.
    case invalidShape(reason: String)

    public var description: String {
        switch self {
        case .call(let function, let status, let context):
            "oneDNN \(function) failed with status '\(status)' (\(context)); is libdnnl (oneDNN 2.x) installed and this CPU supported?"
        case .invalidShape(let reason):
            "oneDNN matmul: \(reason)"
        }
    }
}

/// oneDNN's CPU engine and stream, created once per process.
private final class DNNLContext: @unchecked Sendable {
    let engine: dnnl_engine_t
    let stream: dnnl_stream_t
    /// oneDNN streams are not thread-safe: every execution holds this lock.
    private let lock = NSLock()

    init() throws(DNNLError) {
        var engine: dnnl_engine_t?
        try check(dnnl_engine_create(&engine, dnnl_cpu, 0), "dnnl_engine_create", "CPU engine")
        guard let engine else { throw .call(function: "dnnl_engine_create", status: "null engine", context: "CPU engine") }
        var stream: dnnl_stream_t?
        try check(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue), "dnnl_stream_create", "CPU stream")
        guard let stream else { throw .call(function: "dnnl_stream_create", status: "null stream", context: "CPU stream") }
        self.engine = engine
        self.stream = stream
    }

    /// Executes `primitive` with `args` on the stream and waits for it.
    func execute(_ primitive: dnnl_primitive_t?, _ args: inout [dnnl_exec_arg_t], what: String) throws(DNNLError) {
        lock.lock()
        defer { lock.unlock() }
        try check(dnnl_primitive_execute(primitive, stream, Int32(args.count), &args), "dnnl_primitive_execute", what)
        try check(dnnl_stream_wait(stream), "dnnl_stream_wait", what)
    }

    static let shared: Result<DNNLContext, DNNLError> = Result { () throws(DNNLError) in try DNNLContext() }
}

private func statusName(_ status: dnnl_status_t) -> String {
    switch status {
    case dnnl_success: "success"
    case dnnl_out_of_memory: "out_of_memory"
    case dnnl_invalid_arguments: "invalid_arguments"
    case dnnl_unimplemented: "unimplemented"
    case dnnl_iterator_ends: "iterator_ends"
    case dnnl_runtime_error: "runtime_error"
    case dnnl_not_required: "not_required"
    default: "status \(status.rawValue)"
    }
}

private func check(_ status: dnnl_status_t, _ function: String, _ context: @autoclosure () -> String) throws(DNNLError) {
    guard status == dnnl_success else { throw .call(function: function, status: statusName(status), context: context()) }
}

/// bf16 helpers and the checks that decide whether oneDNN runs bf16 on this CPU's AMX tiles.
public enum DNNL {
    /// oneDNN's version, e.g. `2.6.3`.
    public static var version: String {
        guard let v = dnnl_version() else { return "unknown" }
        return "\(v.pointee.major).\(v.pointee.minor).\(v.pointee.patch)"
    }

    /// The threads oneDNN's OpenMP runtime uses for parallel regions started from the calling thread.
    ///
    /// OpenMP keeps this per thread (its `nthreads-var` ICV), so setting it on the engine's owner thread does not
    /// change other threads. Values below 1 become 1.
    public static var threadCount: Int {
        get { Int(omp_get_max_threads()) }
        set { omp_set_num_threads(Int32(Swift.max(1, newValue))) }
    }

    /// Whether CPUID reports AMX-TILE and AMX-BF16.
    public static var cpuHasAMXBF16: Bool { pairsmith_cpu_has_amx_bf16() != 0 }

    /// Whether Linux grants this process the AMX tile-data state (arch_prctl `ARCH_REQ_XCOMP_PERM`).
    public static let amxPermissionGranted: Bool = pairsmith_request_amx_permission() == 0

    /// The implementation oneDNN picks for a bf16×bf16→f32 matmul (e.g. `brg:avx512_core_amx_bf16`), probed once.
    ///
    /// Honours `ONEDNN_MAX_CPU_ISA` (read by oneDNN when the first primitive is made).
    public static let probeImplementation: Result<String, DNNLError> = Result { () throws(DNNLError) in
        let rows = 64, k = 64, n = 64
        let weights = [UInt16](repeating: 0x3F80, count: k * n)  // 1.0 in bf16
        let matmul = try weights.withUnsafeBufferPointer { w throws(DNNLError) in
            try BF16Matmul(weights: w.baseAddress!, outFeatures: n, inFeatures: k, referenceRows: rows)
        }
        return try matmul.implementation(rows: rows)
    }

    /// Whether bf16 matmul runs on AMX here: the CPU has it, the kernel grants the tile state, and oneDNN's
    /// chosen implementation is an AMX one (it is not when `ONEDNN_MAX_CPU_ISA` caps the ISA below AMX).
    public static var runsBF16OnAMX: Bool {
        guard cpuHasAMXBF16, amxPermissionGranted, case .success(let implementation) = probeImplementation else { return false }
        return implementation.contains("amx")
    }

    /// Rounds `count` floats to bf16 (round to nearest even; NaN stays NaN).
    public static func convertToBF16(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<UInt16>, count: Int) {
        source.withMemoryRebound(to: UInt32.self, capacity: count) { bits in
            for i in 0..<count {
                let b = bits[i]
                let rounded = b &+ 0x7FFF &+ ((b >> 16) & 1)
                let isNaN = (b & 0x7FFF_FFFF) > 0x7F80_0000
                destination[i] = isNaN ? UInt16(truncatingIfNeeded: b >> 16) | 0x0040 : UInt16(truncatingIfNeeded: rounded >> 16)
            }
        }
    }

    /// Widens `count` bf16 values to floats (exact).
    public static func convertToFloat(_ source: UnsafePointer<UInt16>, into destination: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { destination[i] = Float(bitPattern: UInt32(source[i]) << 16) }
    }
}

/// A linear layer `y[rows × out] = x[rows × in] · wᵀ` in bf16 with f32 accumulation and output, on oneDNN.
///
/// The weights (`[out × in]` bf16, the PyTorch layout) are reordered once, at creation, into the blocked layout the
/// matmul primitive prefers; primitives are made per row count on first use and cached (bounded). Executions are
/// serialised on one oneDNN stream.
public final class BF16Matmul: @unchecked Sendable {
    /// Input features (`K`).
    public let inFeatures: Int
    /// Output features (`N`).
    public let outFeatures: Int
    private let context: DNNLContext
    private var packedDescriptor: dnnl_memory_desc_t
    private let packed: UnsafeMutableRawPointer
    private let cache = Mutex<[CacheKey: Primitive]>([:])

    private struct CacheKey: Hashable {
        let rows: Int
        let accumulate: Bool
    }

    /// The most cached primitives per layer; the cache is emptied when it would grow past this.
    public static let cacheLimit = 96

    /// Reorders `weights` (`outFeatures × inFeatures` bf16, row-major) into the primitive's preferred layout,
    /// chosen by a primitive for `referenceRows` rows.
    public init(weights: UnsafePointer<UInt16>, outFeatures: Int, inFeatures: Int, referenceRows: Int = 512) throws(DNNLError) {
        guard outFeatures > 0, inFeatures > 0, referenceRows > 0 else {
            throw .invalidShape(reason: "sizes must be positive (out \(outFeatures), in \(inFeatures), rows \(referenceRows))")
        }
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        context = try DNNLContext.shared.get()
        // Ask for the preferred weights layout with format `any`.
        let probe = try Primitive(
            context: context, rows: referenceRows, inFeatures: inFeatures, outFeatures: outFeatures,
            weights: nil, accumulate: false)
        packedDescriptor = probe.weightsDescriptor
        let size = dnnl_memory_desc_get_size(&packedDescriptor)
        packed = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(64, size), alignment: 64)
        // The stored matrix, seen as the K × N operand: dims {K, N}, strides {1, K}.
        var plain = dnnl_memory_desc_t()
        var dims: [Int64] = [Int64(inFeatures), Int64(outFeatures)]
        var strides: [Int64] = [1, Int64(inFeatures)]
        do throws(DNNLError) {
            try check(
                dnnl_memory_desc_init_by_strides(&plain, 2, &dims, dnnl_bf16, &strides),
                "dnnl_memory_desc_init_by_strides", "weights \(outFeatures)×\(inFeatures)")
            try Self.reorder(
                context: context, from: &plain, source: UnsafeMutableRawPointer(mutating: weights),
                to: &packedDescriptor, destination: packed)
        } catch {
            packed.deallocate()
            throw error
        }
    }

    deinit { packed.deallocate() }

    /// `y = x · wᵀ` (or `y += x · wᵀ` with `accumulate`), `x` bf16 `[rows × in]`, `y` f32 `[rows × out]`, both row-major.
    public func apply(_ x: UnsafePointer<UInt16>, into y: UnsafeMutablePointer<Float>, rows: Int, accumulate: Bool = false) throws(DNNLError) {
        let primitive = try self.primitive(rows: rows, accumulate: accumulate)
        try primitive.execute(
            context: context, source: UnsafeMutableRawPointer(mutating: x), weights: packed,
            destination: UnsafeMutableRawPointer(y))
    }

    /// The implementation oneDNN chose for `rows` rows, e.g. `brg:avx512_core_amx_bf16`.
    public func implementation(rows: Int) throws(DNNLError) -> String {
        try primitive(rows: rows, accumulate: false).implementation
    }

    /// Bytes of the reordered weights.
    public var weightBytes: Int { dnnl_memory_desc_get_size(&packedDescriptor) }

    private func primitive(rows: Int, accumulate: Bool) throws(DNNLError) -> Primitive {
        guard rows > 0 else { throw .invalidShape(reason: "rows must be positive, got \(rows)") }
        let key = CacheKey(rows: rows, accumulate: accumulate)
        if let cached = cache.withLock({ $0[key] }) { return cached }
        let made = try Primitive(
            context: context, rows: rows, inFeatures: inFeatures, outFeatures: outFeatures,
            weights: packedDescriptor, accumulate: accumulate)
        cache.withLock { entries in
            if entries.count >= Self.cacheLimit { entries.removeAll() }
            entries[key] = made
        }
        return made
    }

    private static func reorder(
        context: DNNLContext, from source: inout dnnl_memory_desc_t, source sourceData: UnsafeMutableRawPointer,
        to destination: inout dnnl_memory_desc_t, destination destinationData: UnsafeMutableRawPointer
    ) throws(DNNLError) {
        var pd: dnnl_primitive_desc_t?
        try check(
            dnnl_reorder_primitive_desc_create(&pd, &source, context.engine, &destination, context.engine, nil),
            "dnnl_reorder_primitive_desc_create", "weights reorder")
        defer { dnnl_primitive_desc_destroy(pd) }
        var reorder: dnnl_primitive_t?
        try check(dnnl_primitive_create(&reorder, pd), "dnnl_primitive_create", "weights reorder")
        defer { dnnl_primitive_destroy(reorder) }
        var from: dnnl_memory_t?, to: dnnl_memory_t?
        try check(dnnl_memory_create(&from, &source, context.engine, sourceData), "dnnl_memory_create", "reorder source")
        defer { dnnl_memory_destroy(from) }
        try check(dnnl_memory_create(&to, &destination, context.engine, destinationData), "dnnl_memory_create", "reorder destination")
        defer { dnnl_memory_destroy(to) }
        var args = [dnnl_exec_arg_t(arg: pairsmith_dnnl_arg_from, memory: from), dnnl_exec_arg_t(arg: pairsmith_dnnl_arg_to, memory: to)]
        try context.execute(reorder, &args, what: "weights reorder")
    }
}

/// One matmul primitive for a fixed row count, with its memory descriptors.
private final class Primitive: @unchecked Sendable {
    private let descriptor: dnnl_primitive_desc_t
    private let primitive: dnnl_primitive_t
    private var sourceDescriptor: dnnl_memory_desc_t
    private var destinationDescriptor: dnnl_memory_desc_t
    /// The weights layout the primitive uses.
    var weightsDescriptor: dnnl_memory_desc_t
    /// oneDNN's implementation name.
    let implementation: String

    /// A bf16 `[rows × in] · [in × out] → f32` matmul; `weights` nil asks oneDNN for its preferred layout.
    init(
        context: DNNLContext, rows: Int, inFeatures: Int, outFeatures: Int,
        weights: dnnl_memory_desc_t?, accumulate: Bool
    ) throws(DNNLError) {
        let shape = "\(rows)×\(inFeatures) · \(inFeatures)×\(outFeatures)"
        var source = dnnl_memory_desc_t(), destination = dnnl_memory_desc_t()
        var weightsDescriptor = weights ?? dnnl_memory_desc_t()
        var sourceDims: [Int64] = [Int64(rows), Int64(inFeatures)]
        var destinationDims: [Int64] = [Int64(rows), Int64(outFeatures)]
        var weightsDims: [Int64] = [Int64(inFeatures), Int64(outFeatures)]
        try check(dnnl_memory_desc_init_by_tag(&source, 2, &sourceDims, dnnl_bf16, dnnl_ab), "dnnl_memory_desc_init_by_tag", shape)
        try check(
            dnnl_memory_desc_init_by_tag(&destination, 2, &destinationDims, dnnl_f32, dnnl_ab),
            "dnnl_memory_desc_init_by_tag", shape)
        if weights == nil {
            try check(
                dnnl_memory_desc_init_by_tag(&weightsDescriptor, 2, &weightsDims, dnnl_bf16, dnnl_format_tag_any),
                "dnnl_memory_desc_init_by_tag", shape)
        }
        var matmul = dnnl_matmul_desc_t()
        try check(dnnl_matmul_desc_init(&matmul, &source, &weightsDescriptor, nil, &destination), "dnnl_matmul_desc_init", shape)
        var attributes: dnnl_primitive_attr_t?
        try check(dnnl_primitive_attr_create(&attributes), "dnnl_primitive_attr_create", shape)
        defer { dnnl_primitive_attr_destroy(attributes) }
        if accumulate {
            var postOps: dnnl_post_ops_t?
            try check(dnnl_post_ops_create(&postOps), "dnnl_post_ops_create", shape)
            defer { dnnl_post_ops_destroy(postOps) }
            try check(dnnl_post_ops_append_sum(postOps, 1), "dnnl_post_ops_append_sum", shape)
            try check(dnnl_primitive_attr_set_post_ops(attributes, postOps), "dnnl_primitive_attr_set_post_ops", shape)
        }
        var pd: dnnl_primitive_desc_t?
        try check(dnnl_primitive_desc_create(&pd, &matmul, attributes, context.engine, nil), "dnnl_primitive_desc_create", shape)
        guard let pd else { throw .call(function: "dnnl_primitive_desc_create", status: "null descriptor", context: shape) }
        var made: dnnl_primitive_t?
        do throws(DNNLError) {
            try check(dnnl_primitive_create(&made, pd), "dnnl_primitive_create", shape)
        } catch {
            dnnl_primitive_desc_destroy(pd)
            throw error
        }
        guard let made else {
            dnnl_primitive_desc_destroy(pd)
            throw .call(function: "dnnl_primitive_create", status: "null primitive", context: shape)
        }
        var info: UnsafePointer<CChar>?
        if dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &info) == dnnl_success, let info {
            implementation = String(cString: info)
        } else {
            implementation = "unknown"
        }
        if let chosen = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0) { weightsDescriptor = chosen.pointee }
        descriptor = pd
        primitive = made
        sourceDescriptor = source
        destinationDescriptor = destination
        self.weightsDescriptor = weightsDescriptor
    }

    deinit {
        dnnl_primitive_destroy(primitive)
        dnnl_primitive_desc_destroy(descriptor)
    }

    func execute(
        context: DNNLContext, source: UnsafeMutableRawPointer, weights: UnsafeMutableRawPointer,
        destination: UnsafeMutableRawPointer
    ) throws(DNNLError) {
        var src: dnnl_memory_t?, wei: dnnl_memory_t?, dst: dnnl_memory_t?
        try check(dnnl_memory_create(&src, &sourceDescriptor, context.engine, source), "dnnl_memory_create", "matmul source")
        defer { dnnl_memory_destroy(src) }
        try check(dnnl_memory_create(&wei, &weightsDescriptor, context.engine, weights), "dnnl_memory_create", "matmul weights")
        defer { dnnl_memory_destroy(wei) }
        try check(dnnl_memory_create(&dst, &destinationDescriptor, context.engine, destination), "dnnl_memory_create", "matmul destination")
        defer { dnnl_memory_destroy(dst) }
        var args = [
            dnnl_exec_arg_t(arg: pairsmith_dnnl_arg_src, memory: src),
            dnnl_exec_arg_t(arg: pairsmith_dnnl_arg_weights, memory: wei),
            dnnl_exec_arg_t(arg: pairsmith_dnnl_arg_dst, memory: dst),
        ]
        try context.execute(primitive, &args, what: "matmul")
    }
}
