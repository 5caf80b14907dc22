#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Elementwise inner loops (activations, their derivatives, the BCE terms) on
// raw buffers whose sizes the callers checked: four values at a time with a
// scalar tail; nothing here allocates. The layer products are in
// ColumnKernels.swift.

/// The article's clipped sigmoid over `n` values, eight at a time.
@inline(__always)
func sigmoidBulk(_ z: UnsafePointer<Double>, _ a: UnsafeMutablePointer<Double>, _ n: Int) {
    var i = 0
    while i &+ 8 <= n {
        let v = UnsafeRawPointer(z + i).loadUnaligned(as: Vec8.self)
        UnsafeMutableRawPointer(a + i).storeBytes(of: sigmoidLanes(v), as: Vec8.self)
        i &+= 8
    }
    while i &+ 4 <= n {
        store4(a + i, sigmoidLanes(load4(z + i)))
        i &+= 4
    }
    if i < n {
        // The last few padded into one more block: the same formula as the
        // blocks, whatever the position (the scalar `sigmoid` may differ by an ulp).
        var v = Vec4.zero
        for j in 0..<(n &- i) { v[j] = z[i &+ j] }
        let r = sigmoidLanes(v)
        for j in 0..<(n &- i) { a[i &+ j] = r[j] }
    }
}

/// 1 / (1 + e^-z) with z clipped to [-500, 500], as the article computes it.
@inline(__always)
func sigmoidLanes<V: DoubleLanes>(_ v: V) -> V {
    let one = V(repeating: 1)
    // The clip keeps exp's argument where 2^k needs one product; NaN
    // passes it, and the result is NaN (as NumPy's).
    return one / (one + expLanes(-v.clamped(-500, 500), wideRange: false))
}

/// max(v, 0) per lane: negatives become 0; NaN fails the test and passes
/// through, as with np.maximum (-0.0 stays -0.0 here, equal to NumPy's 0.0).
@inline(__always)
func reluLanes(_ v: Vec4) -> Vec4 {
    var r = v
    r.replace(with: 0, where: v .< 0)
    return r
}

/// The gradient g where z > 0, else 0 (NaN included, as (z > 0) is False in NumPy).
@inline(__always)
func reluBackward(_ g: Vec4, _ z: Vec4) -> Vec4 {
    var r = Vec4.zero
    r.replace(with: g, where: z .> 0)
    return r
}

/// The gradient g times the sigmoid's derivative a (1 - a).
@inline(__always)
func sigmoidBackward(_ g: Vec4, _ a: Vec4) -> Vec4 { g * (a * (Vec4(repeating: 1) - a)) }

/// The BCE terms y log(o + 1e-9) + (1 - y) log(1 - o + 1e-9) and, given
/// `delta`, the output delta (o - y) / n, over `count` outputs.
@inline(__always)
func bceTerms(_ out: UnsafePointer<Double>, _ y: UnsafePointer<Double>, count: Int, rows: Int,
              _ terms: UnsafeMutablePointer<Double>, _ delta: UnsafeMutablePointer<Double>?) {
    let eps = Vec4(repeating: 1e-9), one = Vec4(repeating: 1), n = Double(rows)
    var i = 0
    while i + 4 <= count {
        let o = load4(out + i), yi = load4(y + i)
        let isOne = yi .== one
        if all(isOne .| (yi .== Vec4.zero)) {
            // Labels of 0 and 1 (the usual case): one of the two terms is
            // 0 * (a finite log), so the sum is exactly the other log.
            var arg = one - o + eps
            arg.replace(with: o + eps, where: isOne)
            store4(terms + i, log(arg))
        } else {
            store4(terms + i, yi * log(o + eps) + (one - yi) * log(one - o + eps))
        }
        if let delta { store4(delta + i, (o - yi) / n) }
        i += 4
    }
    while i < count {
        let yi = y[i], o = out[i]
        terms[i] = yi * log(o + 1e-9) + (1 - yi) * log(1 - o + 1e-9)
        delta?[i] = (o - yi) / n
        i += 1
    }
}
