// The C ABI of include/swiftmoons.h: each function validates what the caller
// passed, calls the core, and maps failures to a status (see Support.swift).

import SwiftMoons

// MARK: - Version and errors

@_cdecl("sm_version_number")
public func sm_version_number() -> Int32 { 100 }

@_cdecl("sm_version_string")
public func sm_version_string() -> UnsafePointer<CChar> { cString("0.1.0") }

@_cdecl("sm_build_variant")
public func sm_build_variant() -> UnsafePointer<CChar> {
    // scripts/build_native.py defines SWIFTMOONS_<VARIANT> as it sets the target CPU.
    #if SWIFTMOONS_AVX512
    cString("avx512")
    #elseif SWIFTMOONS_AVX2
    cString("avx2")
    #elseif SWIFTMOONS_BASELINE
    cString("baseline")
    #else
    cString("unspecified")  // a plain `swift build`: whatever the toolchain targets by default
    #endif
}

@_cdecl("sm_last_error")
public func sm_last_error() -> UnsafePointer<CChar> { lastErrorPointer() }

@_cdecl("sm_status_name")
public func sm_status_name(_ status: Int32) -> UnsafePointer<CChar> {
    switch Status(rawValue: status) {
    case .ok: return cString("SM_OK")
    case .badArgument: return cString("SM_ERR_BAD_ARGUMENT")
    case .badShape: return cString("SM_ERR_BAD_SHAPE")
    case .invalidHandle: return cString("SM_ERR_INVALID_HANDLE")
    case .outOfMemory: return cString("SM_ERR_OUT_OF_MEMORY")
    case .internalError: return cString("SM_ERR_INTERNAL")
    case .cancelled: return cString("SM_ERR_CANCELLED")
    case nil: return cString("SM_ERR_UNKNOWN")
    }
}

// MARK: - Random stream

@_cdecl("sm_rng_create")
public func sm_rng_create(_ seed: Int64, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    createHandle(out) { RNGHandle(try RandomState(seed: Int(seed))) }
}

@_cdecl("sm_rng_free")
public func sm_rng_free(_ rng: OpaquePointer?) -> Int32 {
    freeHandle(rng, as: RNGHandle.self, "sm_rng")
}

@_cdecl("sm_rng_seed")
public func sm_rng_seed(_ rng: OpaquePointer?, _ seed: Int64) -> Int32 {
    guarded {
        let h = try lookup(rng, as: RNGHandle.self, "sm_rng")
        let fresh = try RandomState(seed: Int(seed))
        h.state.withLock { $0 = fresh }
    }
}

@_cdecl("sm_rng_get_state")
public func sm_rng_get_state(_ rng: OpaquePointer?, _ key: UnsafeMutablePointer<UInt32>?, _ keyLength: Int64,
                             _ pos: UnsafeMutablePointer<Int64>?, _ hasGauss: UnsafeMutablePointer<Int32>?,
                             _ cachedGaussian: UnsafeMutablePointer<Double>?) -> Int32 {
    guarded {
        let h = try lookup(rng, as: RNGHandle.self, "sm_rng")
        guard keyLength == Int64(RandomState.stateLength) else {
            throw APIError(status: .badShape, message: "key must hold \(RandomState.stateLength) words, got \(keyLength)")
        }
        let k = try output(key, RandomState.stateLength, "key")
        guard let pos, let hasGauss, let cachedGaussian else {
            throw APIError(status: .badArgument, message: "pos, has_gauss and cached_gaussian must not be NULL")
        }
        let s = h.state.withLock { $0.state }
        for i in 0..<RandomState.stateLength { k[i] = s.key[i] }
        pos.pointee = Int64(s.pos)
        hasGauss.pointee = s.hasGauss ? 1 : 0
        cachedGaussian.pointee = s.cachedGaussian
    }
}

@_cdecl("sm_rng_set_state")
public func sm_rng_set_state(_ rng: OpaquePointer?, _ key: UnsafePointer<UInt32>?, _ keyLength: Int64,
                             _ pos: Int64, _ hasGauss: Int32, _ cachedGaussian: Double) -> Int32 {
    guarded {
        let h = try lookup(rng, as: RNGHandle.self, "sm_rng")
        guard keyLength == Int64(RandomState.stateLength) else {
            throw APIError(status: .badShape, message: "key must hold \(RandomState.stateLength) words, got \(keyLength)")
        }
        let words = Array(try input(key, RandomState.stateLength, "key"))
        guard pos >= 0, pos <= Int64(RandomState.stateLength) else {
            throw APIError(status: .badArgument, message: "pos must be in 0...\(RandomState.stateLength), got \(pos)")
        }
        var next = h.state.withLock { $0 }
        try next.setState(key: words, pos: Int(pos), hasGauss: hasGauss != 0, cachedGaussian: cachedGaussian)
        h.state.withLock { $0 = next }
    }
}

/// Fills `n` values from `draw`, holding the stream's lock once.
private func fill(_ rng: OpaquePointer?, _ out: UnsafeMutablePointer<Double>?, _ n: Int64,
                  _ draw: (inout RandomState) -> Double) -> Int32 {
    guarded {
        let h = try lookup(rng, as: RNGHandle.self, "sm_rng")
        let o = try output(out, try count(n, "n", allowZero: true), "out")
        h.state.withLock { s in
            for i in 0..<o.count { o[i] = draw(&s) }
        }
    }
}

@_cdecl("sm_rng_random_sample")
public func sm_rng_random_sample(_ rng: OpaquePointer?, _ out: UnsafeMutablePointer<Double>?, _ n: Int64) -> Int32 {
    fill(rng, out, n) { $0.randomSample() }
}

@_cdecl("sm_rng_randn")
public func sm_rng_randn(_ rng: OpaquePointer?, _ out: UnsafeMutablePointer<Double>?, _ n: Int64) -> Int32 {
    fill(rng, out, n) { $0.gaussian() }
}

@_cdecl("sm_rng_normal")
public func sm_rng_normal(_ rng: OpaquePointer?, _ loc: Double, _ scale: Double,
                          _ out: UnsafeMutablePointer<Double>?, _ n: Int64) -> Int32 {
    if !(scale >= 0) || !scale.isFinite || !loc.isFinite {
        return guarded { throw APIError(status: .badArgument, message: "normal needs finite loc and scale >= 0, got loc=\(loc), scale=\(scale)") }
    }
    return fill(rng, out, n) { $0.normal(loc: loc, scale: scale) }
}

@_cdecl("sm_rng_permutation")
public func sm_rng_permutation(_ rng: OpaquePointer?, _ out: UnsafeMutablePointer<Int64>?, _ n: Int64) -> Int32 {
    guarded {
        let h = try lookup(rng, as: RNGHandle.self, "sm_rng")
        var o = try output(out, try count(n, "n", allowZero: true), "out")
        for i in 0..<o.count { o[i] = Int64(i) }
        h.state.withLock { $0.shuffle(&o) }
    }
}

// MARK: - Data

@_cdecl("sm_make_moons")
public func sm_make_moons(_ rng: OpaquePointer?, _ nOut: Int64, _ nIn: Int64, _ shuffle: Int32,
                          _ addNoise: Int32, _ noise: Double,
                          _ x: UnsafeMutablePointer<Double>?, _ y: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let h = try lookup(rng, as: RNGHandle.self, "sm_rng")
        let a = try count(nOut, "n_out", allowZero: true), b = try count(nIn, "n_in", allowZero: true)
        let n = a + b
        let xo = try output(x, try product(n, 2, "X"), "X"), yo = try output(y, n, "y")
        let data = try h.state.withLock { s in
            try makeMoons(nOut: a, nIn: b, noise: addNoise != 0 ? noise : nil, shuffle: shuffle != 0, rng: &s)
        }
        for i in 0..<xo.count { xo[i] = data.x[i] }
        for i in 0..<n { yo[i] = Int64(data.y[i]) }
    }
}

@_cdecl("sm_standardize")
public func sm_standardize(_ x: UnsafePointer<Double>?, _ rows: Int64, _ columns: Int64,
                           _ out: UnsafeMutablePointer<Double>?, _ mean: UnsafeMutablePointer<Double>?,
                           _ scale: UnsafeMutablePointer<Double>?) -> Int32 {
    guarded {
        let r = try count(rows, "rows"), c = try count(columns, "columns")
        let n = try product(r, c, "X")
        let xi = try input(x, n, "X"), xo = try output(out, n, "out")
        let result = try standardize(xi, rows: r, columns: c)
        for i in 0..<n { xo[i] = result.x[i] }
        if let mean { for j in 0..<c { mean[j] = result.mean[j] } }
        if let scale { for j in 0..<c { scale[j] = result.scale[j] } }
    }
}

@_cdecl("sm_split_test_count")
public func sm_split_test_count(_ n: Int64, _ testSize: Double, _ nTest: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        guard let nTest else { throw APIError(status: .badArgument, message: "n_test is NULL") }
        nTest.pointee = Int64(try testCount(samples: try count(n, "n_samples"), testSize: testSize))
    }
}

@_cdecl("sm_split_indices")
public func sm_split_indices(_ rng: OpaquePointer?, _ n: Int64, _ nTest: Int64,
                             _ testIdx: UnsafeMutablePointer<Int64>?, _ trainIdx: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let h = try lookup(rng, as: RNGHandle.self, "sm_rng")
        let total = try count(n, "n_samples"), t = try count(nTest, "n_test")
        guard t < total else { throw APIError(status: .badArgument, message: "n_test must be < n_samples, got \(t) >= \(total)") }
        let testOut = try output(testIdx, t, "test"), trainOut = try output(trainIdx, total - t, "train")
        let (test, train) = try h.state.withLock { try splitIndices(samples: total, testCount: t, rng: &$0) }
        for i in 0..<t { testOut[i] = Int64(test[i]) }
        for i in 0..<(total - t) { trainOut[i] = Int64(train[i]) }
    }
}

// MARK: - Threads

@_cdecl("sm_set_thread_count")
public func sm_set_thread_count(_ n: Int32) -> Int32 {
    guarded { try Parallel.setThreadCount(Int(n)) }
}

@_cdecl("sm_thread_count")
public func sm_thread_count() -> Int32 { Int32(Parallel.threadCount) }

@_cdecl("sm_live_object_count")
public func sm_live_object_count() -> Int64 { Int64(liveHandleCount()) }

// MARK: - Progress and cancellation

@_cdecl("sm_progress_create")
public func sm_progress_create(_ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    createHandle(out) { ProgressHandle() }
}

@_cdecl("sm_progress_free")
public func sm_progress_free(_ progress: OpaquePointer?) -> Int32 {
    freeHandle(progress, as: ProgressHandle.self, "sm_progress")
}

@_cdecl("sm_progress_cancel")
public func sm_progress_cancel(_ progress: OpaquePointer?) -> Int32 {
    guarded { try lookup(progress, as: ProgressHandle.self, "sm_progress").progress.cancel() }
}

@_cdecl("sm_progress_get")
public func sm_progress_get(_ progress: OpaquePointer?, _ completed: UnsafeMutablePointer<Int64>?,
                            _ total: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let p = try lookup(progress, as: ProgressHandle.self, "sm_progress").progress
        guard let completed, let total else {
            throw APIError(status: .badArgument, message: "completed and total must not be NULL")
        }
        total.pointee = Int64(p.total)
        completed.pointee = Int64(p.completed)
    }
}
