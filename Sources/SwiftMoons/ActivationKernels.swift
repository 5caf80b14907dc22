// Every hidden activation and its derivative as eight-lane functions, and
// the one bulk path that applies them: the networks' forward and backward
// passes, the scalar `Activation.value`/`derivative` and the C export
// `sm_activation_evaluate` all go through `activationForward` and
// `activationDerivative`, so that each input gives the same bits wherever
// it is evaluated (a tail shorter than eight lanes is padded, never taken
// by another formula).
//
// Accuracy: each function is written so that no step cancels or loses its
// argument's precision, over the whole real line (the Python tests compare
// them with the closed forms evaluated in 128-bit arithmetic, including
// the tails, subnormals, infinities and NaN):
// - exponentials of large arguments keep the argument's low part
//   (`expSplit8`) where the argument itself is computed (x^2 / 2, GELU-tanh's
//   cubic), and results that underflow are scaled by 2^k last (`scaled8`);
// - tails use 1 - sigma(v) = sigma(-v) and the normal distribution's upper
//   tail (`normalParts8`) instead of differences from 1;
// - derivatives are computed from z, not from a = f(z) (1 - a^2 and
//   a + alpha cancel where the activation saturates). Only the sigmoid
//   keeps the article's a (1 - a).
//
// Cost: each kind computes f and f' from one function of z, sharing the
// exponential; the training forward pass stores f'(z) where the backward
// pass's dz goes, so that the backward pass only multiplies.

/// An activation as eight-lane functions of z (and a = f(z), which only the
/// sigmoid's derivative uses). `valueAndDerivative` gives both at once,
/// sharing their exponential: the training forward pass stores f'(z) beside
/// f(z), and the backward pass only multiplies by it. Each kind computes
/// the three from one function, so that f and f' have the same bits
/// whichever is asked for (the optimizer drops the unused half).
protocol LaneActivation {
    func value(_ z: Vec8) -> Vec8
    func derivative(_ z: Vec8, _ a: Vec8) -> Vec8
    func valueAndDerivative(_ z: Vec8) -> (Vec8, Vec8)
}

extension LaneActivation {
    @inline(__always) func valueAndDerivative(_ z: Vec8) -> (Vec8, Vec8) {
        let a = value(z)
        return (a, derivative(z, a))
    }
}

/// A kind whose value and derivative come from one function of z.
protocol SharedLaneActivation: LaneActivation {
    func both(_ z: Vec8) -> (Vec8, Vec8)
}

extension SharedLaneActivation {
    @inline(__always) func value(_ z: Vec8) -> Vec8 { both(z).0 }
    @inline(__always) func derivative(_ z: Vec8, _ a: Vec8) -> Vec8 { both(z).1 }
    @inline(__always) func valueAndDerivative(_ z: Vec8) -> (Vec8, Vec8) { both(z) }
}

struct IdentityLanes: LaneActivation {
    @inline(__always) func value(_ z: Vec8) -> Vec8 { z }
    @inline(__always) func derivative(_ z: Vec8, _ a: Vec8) -> Vec8 { Vec8(repeating: 1) }
}

/// max(z, 0), NaN passing through (as np.maximum); the derivative is 1 where z > 0.
struct ReLULanes: LaneActivation {
    @inline(__always) func value(_ z: Vec8) -> Vec8 { z.replacing(with: 0, where: z .< 0) }
    @inline(__always) func derivative(_ z: Vec8, _ a: Vec8) -> Vec8 {
        Vec8.zero.replacing(with: 1, where: z .> 0)
    }
}

/// The article's clipped sigmoid; its derivative a (1 - a), as the fused
/// backward computes it.
struct SigmoidLanes: LaneActivation {
    @inline(__always) func value(_ z: Vec8) -> Vec8 { sigmoidLanes(z) }
    @inline(__always) func derivative(_ z: Vec8, _ a: Vec8) -> Vec8 { a * (1 - a) }
}

/// z where z > 0, else slope * z (Leaky ReLU, and PReLU with one slope).
struct LeakyLanes: LaneActivation {
    let slope: Double
    @inline(__always) func value(_ z: Vec8) -> Vec8 { (slope * z).replacing(with: z, where: z .> 0) }
    @inline(__always) func derivative(_ z: Vec8, _ a: Vec8) -> Vec8 {
        Vec8(repeating: slope).replacing(with: 1, where: z .> 0)
    }
}

/// tanh = -e / (2 + e) with e = e^(-2|z|) - 1, z's sign; derivative
/// sech^2 z = 4u / (1 + u)^2 with u = e^(-2|z|), both from one reduction.
struct TanhLanes: SharedLaneActivation {
    @inline(__always) func both(_ z: Vec8) -> (Vec8, Vec8) {
        let (em, k) = expm1Parts8((-2 * magnitude8(z)).clamped(-1400, 0))
        let e = expm1FromNonPositive(em, k)
        let ep = 1 + em  // u = ep 2^k
        let d = 1 + roughScaled8(ep, k)
        return (withSign8(-e / (2 + e), of: z), Power8(k).scale(4 * ep / (d * d)))
    }
}

/// ELU: z where z > 0, else alpha (e^z - 1); derivative alpha e^z there.
struct ELULanes: SharedLaneActivation {
    let alpha: Double
    @inline(__always) func both(_ z: Vec8) -> (Vec8, Vec8) {
        let (em, k) = expm1Parts8(z.clamped(-1400, 0))
        let positive = z .> 0
        let value = (alpha * expm1FromNonPositive(em, k)).replacing(with: z, where: positive)
        let slope = scaled8(alpha * (1 + em), k).replacing(with: 1, where: positive)
        return (value, slope)
    }
}

/// GELU, z Phi(z), Phi the standard normal CDF: z (1 - Q(z)) for z >= 0 and
/// -|z| Q(|z|) below, Q the upper tail (`normalParts8`), which keeps the left
/// tail exact where 1 + erf(z / sqrt 2) cancels; z (1/2 + (Phi(z) - 1/2))
/// for |z| <= 0.66291. Derivative Phi(z) + z phi(z): phi(|z|) (R - |z|) for
/// z < 0 and 1 - phi(z) (R - z) for z >= 0, R = Q / phi the Mills ratio.
struct GELULanes: SharedLaneActivation {
    @inline(__always) func both(_ z: Vec8) -> (Vec8, Vec8) {
        let x = magnitude8(z)
        let (p, k, t, centre) = normalParts8(x)
        let negative = z .< 0
        let centred = 0.5 + withSign8(t, of: z)  // Phi(z) on the centre lanes
        // One scaling for both sides: Q(|z|) for z >= 0, z Q(|z|) below
        // (z taken at -40 beyond, where it underflows, to stay finite).
        let factor = Vec8(repeating: 1).replacing(with: z.clamped(-40, 0), where: negative)
        let power = Power8(k)
        let q = power.scale(factor * (p * t))
        var value = z * (1 - q)
        value.replace(with: q, where: negative)
        value.replace(with: z * centred, where: centre)
        let tailPart = power.scale(p * t.addingProduct(Vec8(repeating: -inverseSqrt2Pi), x.clamped(0, 40)))
        var slope = 1 - tailPart
        slope.replace(with: tailPart, where: negative)
        let density = inverseSqrt2Pi * roughScaled8(p, k)  // exact enough: |z| <= 0.66291 where used
        slope.replace(with: centred.addingProduct(z, density), where: centre)
        return (value, slope)
    }
}

/// GELU's tanh form 0.5 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3))), written
/// as z sigma(v) with v = 2 sqrt(2/pi) (z + 0.044715 z^3): 1 + tanh(v/2) =
/// 2 sigma(v) does not cancel for z < 0. v is computed in double-double (its
/// constants too), since e^v for v down to -745 would otherwise carry v's
/// rounding times |v|. Derivative sigma(v) (1 + z v' sigma(-v)).
struct GELUTanhLanes: SharedLaneActivation {
    /// 2 sqrt(2/pi) and 2 * 0.044715 * sqrt(2/pi), each as a head and a tail.
    static let aHi = 1.5957691216057308, aLo = -9.96930880911092e-17
    static let bHi = 0.07135481627260025, bLo = -6.175149918155315e-19

    @inline(__always) func both(_ z: Vec8) -> (Vec8, Vec8) {
        let zc = z.clamped(-40, 40)
        let aHi = Vec8(repeating: Self.aHi), bHi = Vec8(repeating: Self.bHi)
        let sq = zc * zc
        let sqLow = (-sq).addingProduct(zc, zc)
        let cube = zc * sq
        let cubeLow = (-cube).addingProduct(zc, sq).addingProduct(zc, sqLow)
        let a1 = aHi * zc
        let a2 = (-a1).addingProduct(aHi, zc).addingProduct(Vec8(repeating: Self.aLo), zc)
        let b1 = bHi * cube
        let b2 = (-b1).addingProduct(bHi, cube).addingProduct(bHi, cubeLow)
            .addingProduct(Vec8(repeating: Self.bLo), cube)
        // a1 + b1 exactly, as a sum and its error (both have z's sign).
        let s = a1 + b1
        let bb = s - a1
        let lo = ((a1 - (s - bb)) + (b1 - bb)) + (a2 + b2)
        // e^(-|v|) = p 2^k, with -|v| as (hi, lo): both flipped where v > 0.
        let flip = s .> 0
        let (p, k) = expSplit8(s.replacing(with: -s, where: flip).clamped(-1400, 0), lo.replacing(with: -lo, where: flip))
        let e = roughScaled8(p, k)
        let inv = reciprocalOfOnePlus8(e)  // sigma(|v|)
        let negative = z .< 0
        let power = Power8(k)
        let value = (z * inv).replacing(with: power.scale(zc * p * inv), where: negative)
        // z v' = A z + 3 B z^3 from the same double-double products as v.
        let zv = a1.addingProduct(Vec8(repeating: 3), b1) + a2.addingProduct(Vec8(repeating: 3), b2)
        // sigma(v) (1 + z v' sigma(-v)) as sigma(v) + (z v' sigma(-v)) sigma(v), one rounding for the sum.
        let zvs = zv * inv
        let slope = inv.addingProduct(zvs * e, inv).replacing(with: power.scale(p * inv.addingProduct(zvs, inv)), where: negative)
        return (value, slope)
    }
}

/// Swish (SiLU) z sigma(z); derivative sigma(z) (1 + z sigma(-z)). With
/// e = e^(-|z|), sigma is 1/(1 + e) for z >= 0 and e/(1 + e) below.
struct SwishLanes: SharedLaneActivation {
    @inline(__always) func both(_ z: Vec8) -> (Vec8, Vec8) {
        let (p, k) = expSplit8((-magnitude8(z)).clamped(-1400, 0), .zero)
        let e = roughScaled8(p, k)
        let inv = reciprocalOfOnePlus8(e)  // sigma(|z|)
        let negative = z .< 0
        let power = Power8(k)
        let value = (z * inv).replacing(with: power.scale(z.clamped(-1000, 0) * p * inv), where: negative)
        let zc = z.clamped(-1000, 1000)
        let zs = zc * inv
        let slope = inv.addingProduct(zs * e, inv).replacing(with: power.scale(p * inv.addingProduct(zs, inv)), where: negative)
        return (value, slope)
    }
}

/// softplus max(z, 0) + log(1 + e^(-|z|)); derivative sigma(z).
struct SoftplusLanes: SharedLaneActivation {
    @inline(__always) func both(_ z: Vec8) -> (Vec8, Vec8) {
        let (p, k) = expSplit8((-magnitude8(z)).clamped(-1400, 0), .zero)
        let e = scaled8(p, k)
        let l = log1pUnit8(e)
        let inv = 1 / (1 + e)
        return ((z + l).replacing(with: l, where: z .<= 0), inv.replacing(with: e * inv, where: z .< 0))
    }
}

// MARK: - The bulk path

/// out[i] = f(z[i]) over `n` values, eight at a time; the last few are
/// padded with zeros into one more block.
@inline(__always)
func forwardLanes<F: LaneActivation>(_ f: F, _ z: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>, _ n: Int) {
    var i = 0
    while i &+ 8 <= n {
        store8(out + i, f.value(load8(z + i)))
        i &+= 8
    }
    if i < n { padded(n &- i, z + i, out + i) { f.value($0) } }
}

/// The last `count` (< 8) values through `body` as one block padded with
/// zeros (copied in and out, so that the block's code is not repeated lane
/// by lane).
@inline(__always)
func padded(_ count: Int, _ z: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>, _ body: (Vec8) -> Vec8) {
    var v = Vec8.zero
    withUnsafeMutableBytes(of: &v) { $0.baseAddress!.assumingMemoryBound(to: Double.self).update(from: z, count: count) }
    let r = body(v)
    withUnsafeBytes(of: r) { out.update(from: $0.baseAddress!.assumingMemoryBound(to: Double.self), count: count) }
}

/// dz[i] = da[i] * f'(z[i], a[i]) over `n` values (f'(z[i], a[i]) alone
/// without `da`), eight at a time, the last few padded.
@inline(__always)
func derivativeLanes<F: LaneActivation>(_ f: F, _ da: UnsafePointer<Double>?, _ z: UnsafePointer<Double>,
                                        _ a: UnsafePointer<Double>, _ dz: UnsafeMutablePointer<Double>, _ n: Int) {
    var i = 0
    if let da {
        while i &+ 8 <= n {
            store8(dz + i, load8(da + i) * f.derivative(load8(z + i), load8(a + i)))
            i &+= 8
        }
    } else {
        while i &+ 8 <= n {
            store8(dz + i, f.derivative(load8(z + i), load8(a + i)))
            i &+= 8
        }
    }
    if i < n {
        let m = n &- i
        var av = Vec8.zero
        withUnsafeMutableBytes(of: &av) { $0.baseAddress!.assumingMemoryBound(to: Double.self).update(from: a + i, count: m) }
        padded(m, z + i, dz + i) { f.derivative($0, av) }
        if let da { for j in i..<n { dz[j] = da[j] * dz[j] } }
    }
}

/// a = f(z) over `n` values for any activation (PReLU with `slope`, or its
/// alpha, for every value). `z` and `a` may be the same buffer.
func activationForward(_ act: Activation, _ z: UnsafePointer<Double>, _ a: UnsafeMutablePointer<Double>, _ n: Int,
                       slope: Double? = nil) {
    switch act.kind {
    case .identity: if UnsafePointer(a) != z { a.update(from: z, count: n) }
    case .sigmoid: forwardLanes(SigmoidLanes(), z, a, n)
    case .tanh: forwardLanes(TanhLanes(), z, a, n)
    case .relu: forwardLanes(ReLULanes(), z, a, n)
    case .leakyRelu: forwardLanes(LeakyLanes(slope: act.alpha), z, a, n)
    case .prelu: forwardLanes(LeakyLanes(slope: slope ?? act.alpha), z, a, n)
    case .elu: forwardLanes(ELULanes(alpha: act.alpha), z, a, n)
    case .gelu: forwardLanes(GELULanes(), z, a, n)
    case .geluTanh: forwardLanes(GELUTanhLanes(), z, a, n)
    case .swish: forwardLanes(SwishLanes(), z, a, n)
    case .softplus: forwardLanes(SoftplusLanes(), z, a, n)
    }
}

/// dz = da * f'(z) over `n` values (f'(z) alone when `da` is nil), given
/// a = f(z) from `activationForward`.
func activationDerivative(_ act: Activation, _ da: UnsafePointer<Double>?, _ z: UnsafePointer<Double>,
                          _ a: UnsafePointer<Double>, _ dz: UnsafeMutablePointer<Double>, _ n: Int,
                          slope: Double? = nil) {
    switch act.kind {
    case .identity: derivativeLanes(IdentityLanes(), da, z, a, dz, n)
    case .sigmoid: derivativeLanes(SigmoidLanes(), da, z, a, dz, n)
    case .tanh: derivativeLanes(TanhLanes(), da, z, a, dz, n)
    case .relu: derivativeLanes(ReLULanes(), da, z, a, dz, n)
    case .leakyRelu: derivativeLanes(LeakyLanes(slope: act.alpha), da, z, a, dz, n)
    case .prelu: derivativeLanes(LeakyLanes(slope: slope ?? act.alpha), da, z, a, dz, n)
    case .elu: derivativeLanes(ELULanes(alpha: act.alpha), da, z, a, dz, n)
    case .gelu: derivativeLanes(GELULanes(), da, z, a, dz, n)
    case .geluTanh: derivativeLanes(GELUTanhLanes(), da, z, a, dz, n)
    case .swish: derivativeLanes(SwishLanes(), da, z, a, dz, n)
    case .softplus: derivativeLanes(SoftplusLanes(), da, z, a, dz, n)
    }
}

// MARK: - Fused into the layer products

/// Writes the values to `z` and their activation to `a` while they are still
/// in registers (ColumnKernels.swift's `Epilogue`): the pass over z that a
/// separate `activationForward` would make is saved. Sixteen values are
/// two eight-lane blocks; four are one, padded.
struct StoreZAndActivation<F: LaneActivation>: Epilogue {
    let f: F
    let z: UnsafeMutablePointer<Double>, a: UnsafeMutablePointer<Double>
    var partial: UnsafeMutablePointer<Double> { z }
    @inline(__always) func block(_ at: Int, _ c0: Vec4, _ c1: Vec4, _ c2: Vec4, _ c3: Vec4) {
        let v0 = Vec8(lowHalf: c0, highHalf: c1), v1 = Vec8(lowHalf: c2, highHalf: c3)
        store8(z + at, v0); store8(z + (at &+ 8), v1)
        store8(a + at, f.value(v0)); store8(a + (at &+ 8), f.value(v1))
    }
    @inline(__always) func single(_ at: Int, _ c0: Vec4) {
        store4(z + at, c0)
        store4(a + at, f.value(Vec8(lowHalf: c0, highHalf: .zero)).lowHalf)
    }
}

/// Writes the values' activation to `a` and its derivative to `d` (the
/// training forward pass: the backward pass then multiplies by d, with
/// `StoredDerivativeGradient`, instead of evaluating f' again).
struct StoreActivationAndDerivative<F: LaneActivation>: Epilogue {
    let f: F
    let a: UnsafeMutablePointer<Double>, d: UnsafeMutablePointer<Double>
    var partial: UnsafeMutablePointer<Double> { a }
    @inline(__always) func block(_ at: Int, _ c0: Vec4, _ c1: Vec4, _ c2: Vec4, _ c3: Vec4) {
        let (a0, d0) = f.valueAndDerivative(Vec8(lowHalf: c0, highHalf: c1))
        let (a1, d1) = f.valueAndDerivative(Vec8(lowHalf: c2, highHalf: c3))
        store8(a + at, a0); store8(a + (at &+ 8), a1)
        store8(d + at, d0); store8(d + (at &+ 8), d1)
    }
    @inline(__always) func single(_ at: Int, _ c0: Vec4) {
        let (a0, d0) = f.valueAndDerivative(Vec8(lowHalf: c0, highHalf: .zero))
        store4(a + at, a0.lowHalf); store4(d + at, d0.lowHalf)
    }
}

/// dz = values * dz in place, dz holding f'(z) from `StoreActivationAndDerivative`.
struct StoredDerivativeGradient: Epilogue {
    let dz: UnsafeMutablePointer<Double>
    /// Running sums of long reductions: not dz, which holds the f'(z) the results are multiplied by.
    let partial: UnsafeMutablePointer<Double>
    @inline(__always) func single(_ at: Int, _ c0: Vec4) { store4(dz + at, c0 * load4(dz + at)) }
}

/// Whether a training forward pass stores the hidden layer's f'(z) for the
/// backward pass (every kind but those with a path of their own: identity,
/// ReLU and the sigmoid, whose derivatives come from a, and PReLU's slopes).
func storesDerivative(_ act: Activation) -> Bool {
    switch act.kind {
    case .identity, .relu, .prelu, .sigmoid: return false
    default: return true
    }
}

/// The layer product z = a_in W + b with the hidden activation applied as
/// its values come out. With `d` (a training pass, for the kinds that
/// `storesDerivative`), a = f(z) and d = f'(z) are written; otherwise z and
/// a. False for the kinds with a path of their own (identity, ReLU, PReLU's
/// per-unit slopes are the caller's).
func fusedActivationAffine(_ act: Activation, _ input: UnsafePointer<Double>, fanIn: Int, fanOut: Int, stride: Int,
                           _ w: UnsafePointer<Double>, _ b: UnsafePointer<Double>,
                           z: UnsafeMutablePointer<Double>, a: UnsafeMutablePointer<Double>,
                           d: UnsafeMutablePointer<Double>?, _ pack: PackScratch) -> Bool {
    @inline(__always) func run<F: LaneActivation>(_ f: F) -> Bool {
        if let d, storesDerivative(act) {
            columnAffine(input, fanIn: fanIn, fanOut: fanOut, stride: stride, w, b, pack,
                         StoreActivationAndDerivative(f: f, a: a, d: d))
        } else {
            columnAffine(input, fanIn: fanIn, fanOut: fanOut, stride: stride, w, b, pack, StoreZAndActivation(f: f, z: z, a: a))
        }
        return true
    }
    switch act.kind {
    case .identity, .relu, .prelu: return false
    case .sigmoid: return run(SigmoidLanes())
    case .tanh: return run(TanhLanes())
    case .leakyRelu: return run(LeakyLanes(slope: act.alpha))
    case .elu: return run(ELULanes(alpha: act.alpha))
    case .gelu: return run(GELULanes())
    case .geluTanh: return run(GELUTanhLanes())
    case .swish: return run(SwishLanes())
    case .softplus: return run(SoftplusLanes())
    }
}

/// The backward product da = dz_out W^T with dz = da * f'(z) applied as da
/// comes out, f'(z) read from dz where the forward pass stored it. False
/// for the kinds that do not `storesDerivative`.
func fusedActivationBackAffine(_ act: Activation, _ dzOut: UnsafePointer<Double>, fanIn: Int, fanOut: Int,
                               stride: Int, _ w: UnsafePointer<Double>, dz: UnsafeMutablePointer<Double>,
                               scratch: UnsafeMutablePointer<Double>, _ pack: PackScratch) -> Bool {
    guard storesDerivative(act) else { return false }
    columnBackAffine(dzOut, fanIn: fanIn, fanOut: fanOut, stride: stride, w, pack,
                     StoredDerivativeGradient(dz: dz, partial: scratch))
    return true
}
