// The random stream: numpy.random.RandomState, bit for bit (sm_rng_*).

import SwiftMoons

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

/// Fills `n` values from `draw`, holding the stream's lock once.
func fill(_ rng: OpaquePointer?, _ out: UnsafeMutablePointer<Double>?, _ n: Int64,
                  _ draw: (inout RandomState) -> Double) -> Int32 {
    guarded {
        let h = try lookup(rng, as: RNGHandle.self, "sm_rng")
        let o = try output(out, try count(n, "n", allowZero: true), "out")
        h.state.withLock { s in
            for i in 0..<o.count { o[i] = draw(&s) }
        }
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
