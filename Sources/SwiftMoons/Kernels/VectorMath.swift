// Vectorized exp and log for the hot loops: four doubles at a time, within
// about one ulp of the C library (tests compare them on millions of inputs),
// so that results stay equal to NumPy's to the project's tolerances.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Four doubles, the width of an AVX2 register.
public typealias Vec4 = SIMD4<Double>

@inline(__always) @usableFromInline
func load4(_ p: UnsafePointer<Double>) -> Vec4 {
    UnsafeRawPointer(p).loadUnaligned(as: Vec4.self)
}

@inline(__always) @usableFromInline
func store4(_ p: UnsafeMutablePointer<Double>, _ v: Vec4) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vec4.self)
}

@inline(__always) @usableFromInline
func bits(_ v: Vec4) -> SIMD4<UInt64> { unsafeBitCast(v, to: SIMD4<UInt64>.self) }

@inline(__always) @usableFromInline
func double(_ v: SIMD4<UInt64>) -> Vec4 { unsafeBitCast(v, to: Vec4.self) }

/// Lanes of doubles the vector math runs on: `Vec4` (one AVX2 register) and
/// `Vec8` (two: each constant the polynomial loads then serves both halves,
/// which matters in the bulk sigmoid, where constants outnumber registers).
///
/// Lane comparisons are requirements: the standard library's vectorized
/// comparisons exist for each concrete width only, and generic code would
/// compare lane by lane.
public protocol DoubleLanes: SIMD where Scalar == Double {
    associatedtype Bits: SIMD where Bits.Scalar == UInt64
    associatedtype Ints: SIMD where Ints.Scalar == Int64
    /// Each lane limited to [lo, hi], NaN left NaN: two selects, each testing
    /// the previous result, which compile to one max and one min instruction
    /// (the standard library's `clamped` is not inlined).
    func clamped(_ lo: Double, _ hi: Double) -> Self
}

/// Eight doubles, two AVX2 registers.
public typealias Vec8 = SIMD8<Double>

extension SIMD4: DoubleLanes where Scalar == Double {
    public typealias Bits = SIMD4<UInt64>
    public typealias Ints = SIMD4<Int64>
    @inlinable @inline(__always) public func clamped(_ lo: Double, _ hi: Double) -> Self {
        let c = replacing(with: lo, where: self .< Self(repeating: lo))
        return c.replacing(with: hi, where: c .> Self(repeating: hi))
    }
}

extension SIMD8: DoubleLanes where Scalar == Double {
    public typealias Bits = SIMD8<UInt64>
    public typealias Ints = SIMD8<Int64>
    @inlinable @inline(__always) public func clamped(_ lo: Double, _ hi: Double) -> Self {
        let c = replacing(with: lo, where: self .< Self(repeating: lo))
        return c.replacing(with: hi, where: c .> Self(repeating: hi))
    }
}

/// e^x for each lane. Cody–Waite reduction x = k ln2 + r with |r| <= ln2/2,
/// a degree-13 Taylor polynomial for e^r (truncation below 1e-17), and 2^k
/// applied in two halves so that neither overflows the exponent field:
/// results under- and overflow to 0 and infinity like the C library's.
@inlinable
public func exp(_ x: Vec4) -> Vec4 {
    // NaN passes the clamp and every step after it: NaN in, NaN out.
    expFinite(x.clamped(-746, 710))
}

/// e^x for lanes already known to lie in [-746, 710] (or NaN): `exp`
/// without its clamp, for callers that clamp anyway.
@inlinable @inline(__always)
public func expFinite(_ xc: Vec4) -> Vec4 { expLanes(xc, wideRange: true) }

/// e^x for lanes in [-746, 710] (`wideRange`) or in [-700, 700] (not
/// `wideRange`: 2^k is then a normal number and applied in one product;
/// the result is the same, for two instructions less).
@inlinable @inline(__always)
public func expLanes<V: DoubleLanes>(_ xc: V, wideRange: Bool) -> V {
    // Round x / ln2 to an integer with the 1.5 * 2^52 trick: the integer
    // lands in the low bits of `shifted`.
    let magic = V(repeating: 6_755_399_441_055_744.0)
    let shifted = xc * V(repeating: 1.4426950408889634) + magic
    let k = shifted - magic
    // ln2 split in a 32-bit head (k * head is exact) and the tail.
    var r = xc.addingProduct(k, V(repeating: -6.93147180369123816490e-01))
    r = r.addingProduct(k, V(repeating: -1.90821492927058770002e-10))
    var p = V(repeating: 1.6059043836821614e-10)        // 1/13!
    p = V(repeating: 2.08767569878681e-09).addingProduct(p, r)   // 1/12!
    p = V(repeating: 2.505210838544172e-08).addingProduct(p, r)  // 1/11!
    p = V(repeating: 2.755731922398589e-07).addingProduct(p, r)  // 1/10!
    p = V(repeating: 2.7557319223985893e-06).addingProduct(p, r) // 1/9!
    p = V(repeating: 2.48015873015873e-05).addingProduct(p, r)   // 1/8!
    p = V(repeating: 1.984126984126984e-04).addingProduct(p, r)  // 1/7!
    p = V(repeating: 1.388888888888889e-03).addingProduct(p, r)  // 1/6!
    p = V(repeating: 8.333333333333333e-03).addingProduct(p, r)  // 1/5!
    p = V(repeating: 4.1666666666666664e-02).addingProduct(p, r) // 1/4!
    p = V(repeating: 1.6666666666666666e-01).addingProduct(p, r) // 1/3!
    p = V(repeating: 0.5).addingProduct(p, r)
    p = V(repeating: 1).addingProduct(p, r)
    p = V(repeating: 1).addingProduct(p, r)
    let ki = unsafeBitCast(unsafeBitCast(shifted, to: V.Bits.self) &- unsafeBitCast(magic, to: V.Bits.self),
                           to: V.Ints.self)
    @inline(__always) func power(_ e: V.Ints) -> V {
        unsafeBitCast((e &+ V.Ints(repeating: 1023)) &<< V.Ints(repeating: 52), to: V.self)
    }
    guard wideRange else { return p * power(ki) }
    // 2^k = 2^k1 * 2^k2 with k1 = k >> 1: both stay normal for |k| <= 1076.
    let k1 = ki &>> V.Ints(repeating: 1), k2 = ki &- k1
    return p * power(k1) * power(k2)
}

/// The natural logarithm of each lane (as the losses use it: arguments lie
/// in [1e-9, 1 + 1e-9] unless training diverged); fdlibm's algorithm for
/// positive normal inputs: x = 2^e * m with m in [sqrt(2)/2, sqrt(2)),
/// log(m) = f - f^2/2 + s(f^2/2 + R(s^2)) with f = m - 1, s = f / (2 + f).
/// Any other lane (NaN, 0, negative, subnormal, infinite: a diverged
/// network's output) goes to the C library's log, so that the loss is NaN
/// or infinite where NumPy's is, never a finite wrong value.
@inlinable
public func log(_ x: Vec4) -> Vec4 {
    // NaN fails both comparisons, so it takes the scalar path too.
    let normal = (x .>= Vec4(repeating: Double.leastNormalMagnitude)) .& (x .< Vec4(repeating: .infinity))
    guard all(normal) else {
        return Vec4(scalarLog(x[0]), scalarLog(x[1]), scalarLog(x[2]), scalarLog(x[3]))
    }
    return logNormal(x)
}

/// The C library's scalar log (the name `log` is the vector one here).
@inlinable
func scalarLog(_ x: Double) -> Double {
    #if canImport(Glibc)
    Glibc.log(x)
    #else
    Darwin.log(x)
    #endif
}

/// `log` for lanes known to be positive, normal and finite.
@inlinable
public func logNormal(_ x: Vec4) -> Vec4 {
    let b = bits(x)
    var e = unsafeBitCast(b &>> 52, to: SIMD4<Int64>.self) &- 1023
    var m = double((b & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000)
    let big = m .> Vec4(repeating: 1.4142135623730951)
    m.replace(with: m * 0.5, where: big)
    e.replace(with: e &+ 1, where: big)
    let f = m - 1
    let s = f / (f + 2)
    let z = s * s, w = z * z
    let t1 = w * Vec4(repeating: 3.999999999940941908e-01)
        .addingProduct(w, Vec4(repeating: 2.222219843214978396e-01)
            .addingProduct(w, Vec4(repeating: 1.531383769920937332e-01)))
    let t2 = z * Vec4(repeating: 6.666666666666735130e-01)
        .addingProduct(w, Vec4(repeating: 2.857142874366239149e-01)
            .addingProduct(w, Vec4(repeating: 1.818357216161805012e-01)
                .addingProduct(w, Vec4(repeating: 1.479819860511658591e-01))))
    let R = t2 + t1
    let hfsq = 0.5 * f * f
    let dk = Vec4(e)
    return dk * 6.93147180369123816490e-01 - ((hfsq - (s * (hfsq + R) + dk * 1.90821492927058770002e-10)) - f)
}

// MARK: - Eight-lane functions for the activations
//
// Written for `Vec8` alone (two AVX2 registers, one AVX-512 register): the
// lane comparisons and selects below are then the concrete, vectorized ones.
// Every multiply-add that is meant to be fused is written as `addingProduct`
// (the baseline build computes it exactly in software), so that every build
// gives the same bits.

@inline(__always) @usableFromInline
func load8(_ p: UnsafePointer<Double>) -> Vec8 {
    UnsafeRawPointer(p).loadUnaligned(as: Vec8.self)
}

@inline(__always) @usableFromInline
func store8(_ p: UnsafeMutablePointer<Double>, _ v: Vec8) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vec8.self)
}

/// Whether any lane of the mask is set: its lanes as integers (0 or -1,
/// the comparison's own bits), or-ed together (the standard library's `any`
/// calls an unspecialized reduction here, and lanes converted to doubles
/// first went through packed bytes: some 25 instructions instead of 6).
@_transparent @usableFromInline
func anyLane8(_ mask: SIMDMask<SIMD8<Int64>>) -> Bool {
    let v = unsafeBitCast(mask, to: SIMD8<Int64>.self)
    let four = v.lowHalf | v.highHalf
    let two = four.lowHalf | four.highHalf
    return two[0] | two[1] != 0
}

/// 1 / (1 + e) for e in [0, 1] to the division's rounding: the rounding
/// error of 1 + e (exact, as 1 >= e) corrects the quotient to first order,
/// which matters where the result enters a formula twice (sigma(v) and
/// sigma(-v) in GELU-tanh's and swish's derivatives).
@_transparent @usableFromInline
func reciprocalOfOnePlus8(_ e: Vec8) -> Vec8 {
    let d = 1 + e
    let error = (1 - d) + e  // (1 + e) - d, exactly
    let inv = 1 / d
    return inv.addingProduct(-(error * inv), inv)
}

/// |v| per lane (the sign bit cleared: NaN stays NaN).
@_transparent @usableFromInline
func magnitude8(_ v: Vec8) -> Vec8 {
    unsafeBitCast(unsafeBitCast(v, to: SIMD8<UInt64>.self) & SIMD8(repeating: 0x7FFF_FFFF_FFFF_FFFF), to: Vec8.self)
}

/// `magnitude` with the sign of `sign` per lane.
@_transparent @usableFromInline
func withSign8(_ magnitude: Vec8, of sign: Vec8) -> Vec8 {
    let s = unsafeBitCast(sign, to: SIMD8<UInt64>.self) & SIMD8(repeating: 0x8000_0000_0000_0000)
    return unsafeBitCast(unsafeBitCast(magnitude, to: SIMD8<UInt64>.self) | s, to: Vec8.self)
}

/// 2^k for integer-valued lanes k in [-1022, 1023] (other k: some finite
/// or non-finite value, for lanes the caller discards): k + 1023 lands in
/// the low bits of k + 1.5 * 2^52 + 1023 and is shifted into the exponent.
@_transparent @usableFromInline
func pow2_8(_ k: Vec8) -> Vec8 {
    let biased = k + Vec8(repeating: 6_755_399_441_056_767.0)  // 1.5 * 2^52 + 1023
    return unsafeBitCast(unsafeBitCast(biased, to: SIMD8<UInt64>.self) &<< SIMD8<UInt64>(repeating: 52), to: Vec8.self)
}

/// Multiplication by 2^k for integer-valued lanes k in [-2044, 1023],
/// rounded once (only a subnormal result is rounded at all), for several
/// values with the same k: 2^k itself when every lane's is a normal number,
/// else split into two factors per lane, the first keeping the product
/// normal. Either way each lane gets the same bits.
@usableFromInline
struct Power8 {
    @usableFromInline let first: Vec8, second: Vec8

    @_transparent @usableFromInline
    init(_ k: Vec8) { self.init(k, split: anyLane8(k .< Vec8(repeating: -1022))) }

    /// 2^k in two factors (`split`, right for every k in [-2044, 1023]) or
    /// in one (right where every lane's k >= -1022), for callers that know
    /// which lanes they hold and so skip `init(_:)`'s test of the lanes.
    @_transparent @usableFromInline
    init(_ k: Vec8, split: Bool) {
        if split {
            let magic = Vec8(repeating: 6_755_399_441_055_744.0)
            let k1 = (k * 0.5 + magic) - magic  // an integer near k / 2
            first = pow2_8(k1)
            second = pow2_8(k - k1)
        } else {
            first = pow2_8(k)
            second = Vec8(repeating: 1)
        }
    }

    /// v * 2^k.
    @_transparent @usableFromInline
    func scale(_ v: Vec8) -> Vec8 { v * first * second }
}

/// v * 2^k, rounded once (see `Power8`).
@_transparent @usableFromInline
func scaled8(_ v: Vec8, _ k: Vec8) -> Vec8 { Power8(k).scale(v) }

/// p * 2^k with k <= 0, k below -1022 taken as -1022: e^x where only
/// 1 + e^x is needed (e^x < 2^-1022 vanishes beside 1 anyway); one product.
@_transparent @usableFromInline
func roughScaled8(_ p: Vec8, _ k: Vec8) -> Vec8 {
    p * pow2_8(k.replacing(with: -1022, where: k .< Vec8(repeating: -1022)))  // k <= 0 here
}

/// e^r for |r| <= ln2/2 + 0.002: a degree-11 polynomial interpolating e^r
/// at the Chebyshev points of that interval (relative error below 2e-17,
/// two terms fewer than the Taylor polynomial of the same accuracy).
@_transparent @usableFromInline
func expPolynomial8(_ r: Vec8) -> Vec8 {
    var p = Vec8(repeating: 2.5110708856325417e-08)
    p = Vec8(repeating: 2.7633512554086246e-07).addingProduct(p, r)
    p = Vec8(repeating: 2.7557239094022716e-06).addingProduct(p, r)
    p = Vec8(repeating: 2.4801483109624074e-05).addingProduct(p, r)
    p = Vec8(repeating: 1.984126989176149e-04).addingProduct(p, r)
    p = Vec8(repeating: 1.388888895454419e-03).addingProduct(p, r)
    p = Vec8(repeating: 8.333333333318954e-03).addingProduct(p, r)
    p = Vec8(repeating: 4.166666666647968e-02).addingProduct(p, r)
    p = Vec8(repeating: 1.6666666666666682e-01).addingProduct(p, r)
    p = Vec8(repeating: 0.500000000000002).addingProduct(p, r)
    p = Vec8(repeating: 1).addingProduct(p, r)
    return Vec8(repeating: 1).addingProduct(p, r)
}

/// e^(hi + lo) as p * 2^k (k an integer-valued double) with p in about [0.7, 1.42], for hi in [-1400, 0]
/// (callers clamp) and |lo| below about 1e-3: `lo` carries the low part of
/// an argument known to more than double precision (x^2 / 2 for the normal
/// density, GELU-tanh's argument), so that large arguments lose nothing to
/// their own rounding. Keeping 2^k apart lets callers multiply p by other
/// factors first, so that results near underflow are rounded once
/// (`scaled8`). NaN gives NaN in p.
@_transparent @usableFromInline
func expSplit8(_ hi: Vec8, _ lo: Vec8) -> (p: Vec8, k: Vec8) {
    let magic = Vec8(repeating: 6_755_399_441_055_744.0)
    let k = (hi * Vec8(repeating: 1.4426950408889634) + magic) - magic
    // hi - k * ln2's 32-bit head is exact; the argument's tail and ln2's
    // tail come after.
    let head = hi.addingProduct(k, Vec8(repeating: -6.93147180369123816490e-01))
    let r = (head + lo).addingProduct(k, Vec8(repeating: -1.90821492927058770002e-10))
    return (expPolynomial8(r), k)
}

/// e^x - 1 = 2^k (em + 1) - 1 and e^x = 2^k (1 + em) for x in [-1400, 710]
/// (callers clamp; NaN gives NaN): x = k ln2 + r, em = e^r - 1 = r + r^2 q(r).
/// `expm1From` and `scaled8(1 + em, k)` finish either.
@_transparent @usableFromInline
func expm1Parts8(_ x: Vec8) -> (em: Vec8, k: Vec8) {
    let magic = Vec8(repeating: 6_755_399_441_055_744.0)
    let k = (x * Vec8(repeating: 1.4426950408889634) + magic) - magic
    let r = x.addingProduct(k, Vec8(repeating: -6.93147180369123816490e-01))
        .addingProduct(k, Vec8(repeating: -1.90821492927058770002e-10))
    // q(r) = (e^r - 1 - r) / r^2: degree 10, interpolating at the Chebyshev
    // points of [-ln2/2, ln2/2] (error below 1e-18 relative to e^r - 1).
    var q = Vec8(repeating: 2.0915118711997293e-09)
    q = Vec8(repeating: 2.5105821598328188e-08).addingProduct(q, r)
    q = Vec8(repeating: 2.755727259985714e-07).addingProduct(q, r)
    q = Vec8(repeating: 2.7557253939287672e-06).addingProduct(q, r)
    q = Vec8(repeating: 2.480158732637491e-05).addingProduct(q, r)
    q = Vec8(repeating: 1.984126987597895e-04).addingProduct(q, r)
    q = Vec8(repeating: 1.388888888888351e-03).addingProduct(q, r)
    q = Vec8(repeating: 8.333333333325803e-03).addingProduct(q, r)
    q = Vec8(repeating: 4.1666666666666664e-02).addingProduct(q, r)
    q = Vec8(repeating: 1.6666666666666666e-01).addingProduct(q, r)
    q = Vec8(repeating: 0.5).addingProduct(q, r)
    return (r.addingProduct(r * r, q), k)
}

/// 2^k (em + 1) - 1 in one rounding: 2^k with k in [-1022, 1000] first
/// (2^k - 1 is then exact for |k| <= 53, and -1 to the last bit below), the
/// rest of a larger k applied exactly afterwards.
@_transparent @usableFromInline
func expm1From(_ em: Vec8, _ k: Vec8) -> Vec8 {
    let t = pow2_8(k.clamped(-1022, 1000))
    return (t - 1).addingProduct(t, em) * pow2_8((k - 1000).clamped(0, 1023))
}

/// `expm1From` for k <= 0 (x <= 0): the same bits, without the scaling
/// that only a k above 1000 needs.
@_transparent @usableFromInline
func expm1FromNonPositive(_ em: Vec8, _ k: Vec8) -> Vec8 {
    let t = pow2_8(k.replacing(with: -1022, where: k .< Vec8(repeating: -1022)))
    return (t - 1).addingProduct(t, em)
}

/// e^x - 1 per lane, within two ulp of the C library's expm1 for every x
/// (one, except near |x| = ln2/2, where 2^k with k = +-1 doubles e^r - 1's
/// error): -1 below -40, infinity above ~709.78.
@_transparent @usableFromInline
func expm1_8(_ x: Vec8) -> Vec8 {
    let (em, k) = expm1Parts8(x.clamped(-40, 710))
    return expm1From(em, k)
}

/// tanh per lane, within a few ulp: -e / (2 + e) with e = expm1(-2|x|),
/// and x's sign (tanh(-0) = -0; NaN stays NaN; +-1 beyond |x| ~ 19).
@_transparent @usableFromInline
func tanh8(_ x: Vec8) -> Vec8 {
    let e = expm1_8(-2 * magnitude8(x))
    return withSign8(-e / (2 + e), of: x)
}

/// log(1 + u) for u in [0, 1] (or NaN), within an ulp: log(w) with w = 1 + u
/// rounded, plus the first-order correction (u - (w - 1)) / w for what the
/// rounding dropped, so that tiny u give u. log(w) is fdlibm's, as in `logNormal`,
/// with w in [1, 2] halved above sqrt(2): no exponent to extract. Also
/// 1 / (1 + u) within about an ulp, from the same division (softplus's
/// derivative needs both): 1 / w from it, then one Newton step on 1 + u
/// itself (w and its rounding error), which corrects both the division's
/// extra rounding and w's.
@_transparent @usableFromInline
func log1pUnit8(_ u: Vec8) -> (log: Vec8, reciprocal: Vec8) {
    let w = 1 + u
    let big = w .> Vec8(repeating: 1.4142135623730951)
    let f = w.replacing(with: w * 0.5, where: big) - 1
    let e = Vec8.zero.replacing(with: 1, where: big)
    // One division for s = f / (2 + f) and 1 / w: both are small terms'
    // factors (s multiplies terms of order f^2, the correction is below
    // ulp(w)), where their extra roundings stay far below an ulp; u < 2^-53
    // gives w = 1 and the correction u exactly.
    let inv = 1 / ((f + 2) * w)
    let s = (f * w) * inv
    let r = (f + 2) * inv  // 1 / w, to about 1.5 ulp
    let error = u - (w - 1)  // (1 + u) - w, exactly
    let c = error * r
    let z = s * s, zz = z * z
    let t1 = zz * Vec8(repeating: 3.999999999940941908e-01)
        .addingProduct(zz, Vec8(repeating: 2.222219843214978396e-01)
            .addingProduct(zz, Vec8(repeating: 1.531383769920937332e-01)))
    let t2 = z * Vec8(repeating: 6.666666666666735130e-01)
        .addingProduct(zz, Vec8(repeating: 2.857142874366239149e-01)
            .addingProduct(zz, Vec8(repeating: 1.818357216161805012e-01)
                .addingProduct(zz, Vec8(repeating: 1.479819860511658591e-01))))
    let hfsq = 0.5 * f * f
    let log = e * 6.93147180369123816490e-01 - ((hfsq - (s * (hfsq + (t2 + t1)) + e * 1.90821492927058770002e-10)) - f)
    // h = 1 - (1 + u) r (tiny: 1 - w r is exact in one fused step), and r + r h.
    let h = Vec8(repeating: 1).addingProduct(-w, r).addingProduct(-error, r)
    return (log + c, r.addingProduct(r, h))
}

/// 1/sqrt(2 pi), the standard normal density at 0.
@usableFromInline let inverseSqrt2Pi = 0.3989422804014327

/// The standard normal distribution's upper tail Q at x = |z| (or NaN) as
/// Q = p 2^k t: e^(-x^2/2) = p 2^k for every lane (`expSplit8`, x taken at
/// most 40, where Q underflows), with x^2 / 2 in two parts (x*x and its
/// exact rounding error) so that the tail keeps full precision where
/// e^(-x^2/2) is tiny, and t = Q(x) / e^(-x^2/2) (the Mills ratio over
/// sqrt(2 pi)) in two pieces chosen per lane:
/// - x <= sqrt(32): one rational function of degree 8/9 in x, fitted to t
///   over [0, sqrt(32)] for relative error (4e-19 as an approximation, below
///   3e-17 with its coefficients rounded to doubles; every coefficient is
///   positive, so Horner's rule cancels nothing), which holds from x = 0: no
///   separate piece for the centre;
/// - beyond: W. J. Cody's degree 5/5 in 1/x^2 (SPECFUN's ANORM, ACM TOMS
///   1993; relative error below 4e-17), multiplied out into powers of x^2.
/// Each piece's numerator and denominator are chosen per lane before the
/// one division they share. `far` tells whether any lane lies beyond
/// sqrt(32): if none does, k >= -24 on every lane (`Power8(k, split: far)`
/// needs no test of its own).
@_transparent @usableFromInline
func normalParts8(_ x: Vec8) -> (p: Vec8, k: Vec8, t: Vec8, far: Bool) {
    let xe = x.clamped(0, 40)
    let sq = xe * xe
    let sqLow = (-sq).addingProduct(xe, xe)  // x*x - sq, exactly
    let (p, k) = expSplit8(-0.5 * sq, -0.5 * sqLow)
    // 0 <= x <= sqrt(32): degree 8/9 in x (NaN stays NaN).
    let y = xe.replacing(with: 5.656854249492381, where: xe .> Vec8(repeating: 5.656854249492381))
    var num = Vec8(repeating: 2.9874997575740995e-06)
    num = Vec8(repeating: 8.180777774095696e-05).addingProduct(num, y)
    num = Vec8(repeating: 0.001059900358823934).addingProduct(num, y)
    num = Vec8(repeating: 0.008435230045801875).addingProduct(num, y)
    num = Vec8(repeating: 0.04501561247769592).addingProduct(num, y)
    num = Vec8(repeating: 0.16525678885055914).addingProduct(num, y)
    num = Vec8(repeating: 0.4104255539191877).addingProduct(num, y)
    num = Vec8(repeating: 0.6397723890327862).addingProduct(num, y)
    num = Vec8(repeating: 0.5).addingProduct(num, y)
    var den = Vec8(repeating: 7.488550567390343e-06)
    den = Vec8(repeating: 0.00020506174490158107).addingProduct(den, y)
    den = Vec8(repeating: 0.0026642628334926557).addingProduct(den, y)
    den = Vec8(repeating: 0.02134909064016255).addingProduct(den, y)
    den = Vec8(repeating: 0.11547851266873523).addingProduct(den, y)
    den = Vec8(repeating: 0.43497990838618045).addingProduct(den, y)
    den = Vec8(repeating: 1.1362951666154635).addingProduct(den, y)
    den = Vec8(repeating: 1.978399903480403).addingProduct(den, y)
    den = Vec8(repeating: 2.0774293388684377).addingProduct(den, y)
    den = Vec8(repeating: 1).addingProduct(den, y)
    let far = xe .> Vec8(repeating: 5.656854249492381)
    let anyFar = anyLane8(far)
    if anyFar {
        // (1/sqrt(2 pi) - s P(s)/Q(s)) / x with s = 1/x^2, P and Q of degree
        // 5 multiplied by x^10: (c w D(w) - N(w)) / (x w D(w)), w = x^2.
        let xf = xe.clamped(5.656854249492381, 40)
        let w = xf * xf
        var n3 = Vec8(repeating: 2.9112874951168792e-5)
        n3 = Vec8(repeating: 0.001421619193227893466).addingProduct(n3, w)
        n3 = Vec8(repeating: 0.022235277870649807).addingProduct(n3, w)
        n3 = Vec8(repeating: 0.1274011611602473639).addingProduct(n3, w)
        n3 = Vec8(repeating: 0.21589853405795699).addingProduct(n3, w)
        n3 = Vec8(repeating: 0.02307344176494017303).addingProduct(n3, w)
        var d3 = Vec8(repeating: 7.29751555083966205e-5)
        d3 = Vec8(repeating: 0.00378239633202758244).addingProduct(d3, w)
        d3 = Vec8(repeating: 0.0659881378689285515).addingProduct(d3, w)
        d3 = Vec8(repeating: 0.468238212480865118).addingProduct(d3, w)
        d3 = Vec8(repeating: 1.28426009614491121).addingProduct(d3, w)
        d3 = Vec8(repeating: 1).addingProduct(d3, w)
        let wd = w * d3
        num.replace(with: (-n3).addingProduct(Vec8(repeating: inverseSqrt2Pi), wd), where: far)
        den.replace(with: xf * wd, where: far)
    }
    return (p, k, num / den, anyFar)
}
