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
