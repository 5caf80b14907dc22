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
    /// The default of the kind's parameter (alpha), or nil if it takes none.
    static var defaultAlpha: Double? { get }
    /// Whether "auto" initialization gives the weights feeding it He's
    /// scale (the kinds linear with slope ~1 for positive inputs) rather
    /// than Xavier's.
    static var prefersHeInit: Bool { get }
    /// Whether the layer products apply it as their values come out
    /// (false: ColumnKernels.swift has a path of its own for it).
    static var fusedInProducts: Bool { get }
    /// Whether a training forward pass stores f'(z) for the backward pass
    /// (false: the backward pass computes the derivative itself, from a).
    static var storesDerivative: Bool { get }
    /// Other names the kind answers to.
    static var aliases: [String] { get }
    /// Why `alpha` is refused, or nil if it is accepted (it is finite).
    static func refusal(alpha: Double) -> String?
    /// The lanes of the kind with parameter `alpha` (ignored by kinds without one).
    init(alpha: Double)

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
extension LaneActivation {
    static var defaultAlpha: Double? { nil }
    static var prefersHeInit: Bool { true }
    static var fusedInProducts: Bool { true }
    static var storesDerivative: Bool { true }
    static var aliases: [String] { [] }
    static func refusal(alpha: Double) -> String? { nil }
}

protocol SharedLaneActivation: LaneActivation {
    func both(_ z: Vec8) -> (Vec8, Vec8)
}

extension SharedLaneActivation {
    @inline(__always) func value(_ z: Vec8) -> Vec8 { both(z).0 }
    @inline(__always) func derivative(_ z: Vec8, _ a: Vec8) -> Vec8 { both(z).1 }
    @inline(__always) func valueAndDerivative(_ z: Vec8) -> (Vec8, Vec8) { both(z) }
}

struct IdentityLanes: LaneActivation {
    static let prefersHeInit = false, fusedInProducts = false, storesDerivative = false
    init(alpha: Double) {}
    @inline(__always) func value(_ z: Vec8) -> Vec8 { z }
    @inline(__always) func derivative(_ z: Vec8, _ a: Vec8) -> Vec8 { Vec8(repeating: 1) }
}

/// max(z, 0), NaN passing through (as np.maximum); the derivative is 1 where z > 0.
struct ReLULanes: LaneActivation {
    static let fusedInProducts = false, storesDerivative = false  // epilogues of its own
    init(alpha: Double) {}
    @inline(__always) func value(_ z: Vec8) -> Vec8 { z.replacing(with: 0, where: z .< 0) }
    @inline(__always) func derivative(_ z: Vec8, _ a: Vec8) -> Vec8 {
        Vec8.zero.replacing(with: 1, where: z .> 0)
    }
}

/// The article's clipped sigmoid; its derivative a (1 - a), as the fused
/// backward computes it.
struct SigmoidLanes: LaneActivation {
    static let prefersHeInit = false, storesDerivative = false  // f' from a, in the backward product
    init(alpha: Double) {}
    @inline(__always) func value(_ z: Vec8) -> Vec8 { sigmoidLanes(z) }
    @inline(__always) func derivative(_ z: Vec8, _ a: Vec8) -> Vec8 { a * (1 - a) }
}

/// z where z > 0, else slope * z (Leaky ReLU).
struct LeakyLanes: LaneActivation {
    static let defaultAlpha: Double? = 0.01
    let slope: Double
    init(alpha: Double) { slope = alpha }
    @inline(__always) func value(_ z: Vec8) -> Vec8 { (slope * z).replacing(with: z, where: z .> 0) }
    @inline(__always) func derivative(_ z: Vec8, _ a: Vec8) -> Vec8 {
        Vec8(repeating: slope).replacing(with: 1, where: z .> 0)
    }
}

/// PReLU: Leaky ReLU whose slope each unit learns (ColumnKernels.swift
/// applies the per-unit slopes; these lanes take one slope for all values).
struct PReLULanes: LaneActivation {
    static let defaultAlpha: Double? = 0.25  // the initial learned slope
    static let fusedInProducts = false, storesDerivative = false
    let leaky: LeakyLanes
    init(alpha: Double) { leaky = LeakyLanes(alpha: alpha) }
    @inline(__always) func value(_ z: Vec8) -> Vec8 { leaky.value(z) }
    @inline(__always) func derivative(_ z: Vec8, _ a: Vec8) -> Vec8 { leaky.derivative(z, a) }
}

/// tanh = -e / (2 + e) with e = e^(-2|z|) - 1, z's sign; derivative
/// sech^2 z = 4u / (1 + u)^2 with u = e^(-2|z|), both from one reduction.
struct TanhLanes: SharedLaneActivation {
    static let prefersHeInit = false
    init(alpha: Double) {}
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
    static let defaultAlpha: Double? = 1
    static func refusal(alpha: Double) -> String? { alpha < 0 ? "ELU's alpha must be >= 0, got \(alpha)" : nil }
    let alpha: Double
    init(alpha: Double) { self.alpha = alpha }
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
/// tail exact where 1 + erf(z / sqrt 2) cancels (one formula per side down to
/// z = 0, where Q = 1/2). Derivative Phi(z) + z phi(z): phi(|z|) (R - |z|)
/// for z < 0 and 1 - phi(z) (R - z) for z >= 0, R = Q / phi the Mills ratio.
struct GELULanes: SharedLaneActivation {
    init(alpha: Double) {}
    @inline(__always) func both(_ z: Vec8) -> (Vec8, Vec8) {
        let x = magnitude8(z)
        let (p, k, t, far) = normalParts8(x)
        let negative = z .< 0
        // One scaling for both sides: Q(|z|) for z >= 0, z Q(|z|) below
        // (z taken at -40 beyond, where it underflows, to stay finite).
        let factor = Vec8(repeating: 1).replacing(with: z.clamped(-40, 0), where: negative)
        let power = Power8(k, split: far)
        let q = power.scale(factor * (p * t))
        let value = (z * (1 - q)).replacing(with: q, where: negative)
        let tailPart = power.scale(p * t.addingProduct(Vec8(repeating: -inverseSqrt2Pi), x.clamped(0, 40)))
        let slope = (1 - tailPart).replacing(with: tailPart, where: negative)
        return (value, slope)
    }
}

/// GELU's tanh form 0.5 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3))), written
/// as z sigma(v) with v = 2 sqrt(2/pi) (z + 0.044715 z^3): 1 + tanh(v/2) =
/// 2 sigma(v) does not cancel for z < 0. v is computed in double-double (its
/// constants too), since e^v for v down to -745 would otherwise carry v's
/// rounding times |v|. Derivative sigma(v) (1 + z v' sigma(-v)).
struct GELUTanhLanes: SharedLaneActivation {
    init(alpha: Double) {}
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

/// Swish (SiLU) z sigma(z); derivative sigma(z) (1 + z sigma(-z)).
///
/// For z >= -700, t = e^(-z) is finite and s = 1 / (1 + t) is sigma(z) to
/// about an ulp on both sides: z s and s (1 + z sigma(-z)), sigmoid's
/// arithmetic and a few products. Below -700 e^z nears the subnormals, and
/// those lanes take `wide`'s values instead, which scale e^(-|z|) = p 2^k by
/// parts. Each lane's result depends on its own z alone, whatever its
/// neighbours.
struct SwishLanes: SharedLaneActivation {
    static let aliases = ["silu"]
    init(alpha: Double) {}
    @inline(__always) func both(_ z: Vec8) -> (Vec8, Vec8) {
        let (p, k) = expSplit8((-z).clamped(-1400, 700), .zero)
        let t = p * pow2_8(k.replacing(with: -1022, where: k .< Vec8(repeating: -1022)))  // k <= 1010
        let s = 1 / (1 + t)
        // z sigma(-z): sigma(-z) as t s for z >= 0 and as 1 - s below (exact
        // there, where t s would carry t's and s's roundings both); zero where
        // t underflowed beside a huge z (+inf included); NaN stays NaN.
        let complement = (t * s).replacing(with: 1 - s, where: z .< 0)
        let zts = (z * complement).replacing(with: 0, where: z .> Vec8(repeating: 1000))
        let value = z * s, slope = s.addingProduct(s, zts)
        let far = z .< Vec8(repeating: -700)
        guard anyLane8(far) else { return (value, slope) }
        let (farValue, farSlope) = wide(z)
        return (value.replacing(with: farValue, where: far), slope.replacing(with: farSlope, where: far))
    }

    /// Every z: with e = e^(-|z|), sigma is 1/(1 + e) for z >= 0 and
    /// e/(1 + e) below, e kept as p 2^k and scaled once at the end.
    @inline(never)
    func wide(_ z: Vec8) -> (Vec8, Vec8) {
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

/// softplus max(z, 0) + log(1 + e^(-|z|)); derivative sigma(z): 1 / (1 + e)
/// for z >= 0 and e / (1 + e) below, e = e^(-|z|), from the logarithm's
/// division (`log1pUnit8`).
struct SoftplusLanes: SharedLaneActivation {
    init(alpha: Double) {}
    @inline(__always) func both(_ z: Vec8) -> (Vec8, Vec8) {
        let (p, k) = expSplit8((-magnitude8(z)).clamped(-1400, 0), .zero)
        let e = scaled8(p, k)
        let (l, inv) = log1pUnit8(e)
        return ((z + l).replacing(with: l, where: z .<= 0), inv.replacing(with: e * inv, where: z .< 0))
    }
}

// MARK: - The kinds

/// The hidden-layer activations swiftmoons knows, by name. Adding one takes
/// a case here, its lanes above (with its facts: parameter, initializer,
/// paths) and a line in `withLanes`; the C name table, the Python package
/// and the tests read the list from the library.
public enum ActivationKind: String, CaseIterable, Sendable {
    case identity, sigmoid, tanh, relu
    case leakyRelu = "leaky_relu"
    case prelu, elu, gelu
    case geluTanh = "gelu_tanh"
    case swish, softplus

    /// The default of the kind's parameter (alpha), or nil if it has none.
    public var defaultAlpha: Double? { withLanes(self, alpha: 0, Fact { F in F.defaultAlpha }) }

    /// Whether He initialization suits it ("auto" init): every kind that is
    /// linear (slope ~1) for positive inputs; sigmoid, tanh and identity get
    /// Xavier, as the article gives sigmoid.
    public var prefersHeInit: Bool { withLanes(self, alpha: 0, Fact { F in F.prefersHeInit }) }

    /// Other names the kind answers to ("silu" for swish).
    public var aliases: [String] { withLanes(self, alpha: 0, Fact { F in F.aliases }) }

    /// Why `alpha` is refused for this kind, or nil.
    func refusal(alpha: Double) -> String? { withLanes(self, alpha: 0, Fact { F in F.refusal(alpha: alpha) }) }

    /// Whether the layer products apply it as their values come out.
    var fusedInProducts: Bool { withLanes(self, alpha: 0, Fact { F in F.fusedInProducts }) }
    /// Whether a training forward pass stores its f'(z) (asked per layer
    /// and step: the answer is a constant of each kind, nothing allocates).
    var storesDerivative: Bool { withLanes(self, alpha: 0, Fact { F in F.storesDerivative }) }
}

/// One fact of the kind, read off the lanes' type.
private struct Fact<R>: LaneVisitor {
    let read: (any LaneActivation.Type) -> R
    @inline(__always) func visit<F: LaneActivation>(_ f: F) -> R { read(F.self) }
}

/// Work on an activation's lanes, whatever the kind: `withLanes` hands it
/// the kind's lanes as a concrete type, so the work is compiled for each.
protocol LaneVisitor {
    associatedtype Result
    func visit<F: LaneActivation>(_ f: F) -> Result
}

/// The one switch over the kinds: `visitor` run on the lanes of `kind` with
/// parameter `alpha`.
@inline(__always)
func withLanes<V: LaneVisitor>(_ kind: ActivationKind, alpha: Double, _ visitor: V) -> V.Result {
    switch kind {
    case .identity: return visitor.visit(IdentityLanes(alpha: alpha))
    case .sigmoid: return visitor.visit(SigmoidLanes(alpha: alpha))
    case .tanh: return visitor.visit(TanhLanes(alpha: alpha))
    case .relu: return visitor.visit(ReLULanes(alpha: alpha))
    case .leakyRelu: return visitor.visit(LeakyLanes(alpha: alpha))
    case .prelu: return visitor.visit(PReLULanes(alpha: alpha))
    case .elu: return visitor.visit(ELULanes(alpha: alpha))
    case .gelu: return visitor.visit(GELULanes(alpha: alpha))
    case .geluTanh: return visitor.visit(GELUTanhLanes(alpha: alpha))
    case .swish: return visitor.visit(SwishLanes(alpha: alpha))
    case .softplus: return visitor.visit(SoftplusLanes(alpha: alpha))
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
    struct Forward: LaneVisitor {
        let z: UnsafePointer<Double>, a: UnsafeMutablePointer<Double>, n: Int
        @inline(__always) func visit<F: LaneActivation>(_ f: F) { forwardLanes(f, z, a, n) }
    }
    withLanes(act.kind, alpha: slope ?? act.alpha, Forward(z: z, a: a, n: n))
}

/// dz = da * f'(z) over `n` values (f'(z) alone when `da` is nil), given
/// a = f(z) from `activationForward`.
func activationDerivative(_ act: Activation, _ da: UnsafePointer<Double>?, _ z: UnsafePointer<Double>,
                          _ a: UnsafePointer<Double>, _ dz: UnsafeMutablePointer<Double>, _ n: Int,
                          slope: Double? = nil) {
    struct Derivative: LaneVisitor {
        let da: UnsafePointer<Double>?, z: UnsafePointer<Double>, a: UnsafePointer<Double>
        let dz: UnsafeMutablePointer<Double>, n: Int
        @inline(__always) func visit<F: LaneActivation>(_ f: F) { derivativeLanes(f, da, z, a, dz, n) }
    }
    withLanes(act.kind, alpha: slope ?? act.alpha, Derivative(da: da, z: z, a: a, dz: dz, n: n))
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
func storesDerivative(_ act: Activation) -> Bool { act.kind.storesDerivative }

/// The layer product z = a_in W + b with the hidden activation applied as
/// its values come out. With `d` (a training pass, for the kinds that
/// `storesDerivative`), a = f(z) and d = f'(z) are written; otherwise z and
/// a. False for the kinds with a path of their own (identity, ReLU, PReLU's
/// per-unit slopes are the caller's).
func fusedActivationAffine(_ act: Activation, _ input: UnsafePointer<Double>, fanIn: Int, fanOut: Int, stride: Int,
                           _ w: UnsafePointer<Double>, _ b: UnsafePointer<Double>,
                           z: UnsafeMutablePointer<Double>, a: UnsafeMutablePointer<Double>,
                           d: UnsafeMutablePointer<Double>?, _ pack: PackScratch) -> Bool {
    struct Product: LaneVisitor {
        let input: UnsafePointer<Double>, fanIn: Int, fanOut: Int, stride: Int
        let w: UnsafePointer<Double>, b: UnsafePointer<Double>
        let z: UnsafeMutablePointer<Double>, a: UnsafeMutablePointer<Double>, d: UnsafeMutablePointer<Double>?
        let pack: PackScratch
        @inline(__always) func visit<F: LaneActivation>(_ f: F) -> Bool {
            guard F.fusedInProducts else { return false }
            if let d, F.storesDerivative {
                columnAffine(input, fanIn: fanIn, fanOut: fanOut, stride: stride, w, b, pack,
                             StoreActivationAndDerivative(f: f, a: a, d: d))
            } else {
                columnAffine(input, fanIn: fanIn, fanOut: fanOut, stride: stride, w, b, pack,
                             StoreZAndActivation(f: f, z: z, a: a))
            }
            return true
        }
    }
    return withLanes(act.kind, alpha: act.alpha,
                     Product(input: input, fanIn: fanIn, fanOut: fanOut, stride: stride, w: w, b: b, z: z, a: a, d: d,
                             pack: pack))
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

// MARK: - A dense layer's passes

/// z = input W + b for `stride` samples, then the hidden `activation` (nil:
/// the output layer, z alone), as the values come out where it can be:
/// ReLU's a (and z if `keepZ`), the other kinds' z and f(z), or in a
/// training pass (`derivative` given) f(z) and f'(z) for the kinds that
/// store it; PReLU (`slopes`, one per unit) and identity in a pass of their own.
@inline(__always)
func denseForward(_ input: UnsafePointer<Double>, fanIn: Int, fanOut: Int, stride S: Int,
                  w: UnsafePointer<Double>, b: UnsafePointer<Double>, activation: Activation?,
                  slopes: UnsafePointer<Double>?, keepZ: Bool, z: UnsafeMutablePointer<Double>,
                  a: UnsafeMutablePointer<Double>, derivative d: UnsafeMutablePointer<Double>?, pack: PackScratch) {
    guard let act = activation else {
        columnAffine(input, fanIn: fanIn, fanOut: fanOut, stride: S, w, b, pack, StoreValues(out: z))
        return
    }
    if let slope = slopes {
        // PReLU: z, then each unit's learned slope on its negatives.
        columnAffine(input, fanIn: fanIn, fanOut: fanOut, stride: S, w, b, pack, StoreValues(out: z))
        for j in 0..<fanOut {
            let sj = Vec4(repeating: slope[j]), zj = z + j * S, aj = a + j * S
            var i = 0
            while i < S {
                let v = load4(zj + i)
                var r = v * sj
                r.replace(with: v, where: v .> 0)
                store4(aj + i, r)
                i += 4
            }
        }
        return
    }
    if act.kind == .relu {
        // z only where asked for: ReLU's backward pass reads a.
        if keepZ {
            columnAffine(input, fanIn: fanIn, fanOut: fanOut, stride: S, w, b, pack, StoreZAndReLU(z: z, a: a))
        } else {
            columnAffine(input, fanIn: fanIn, fanOut: fanOut, stride: S, w, b, pack, StoreReLU(a: a))
        }
        return
    }
    if fusedActivationAffine(act, input, fanIn: fanIn, fanOut: fanOut, stride: S, w, b, z: z, a: a, d: d, pack) {
        return
    }
    columnAffine(input, fanIn: fanIn, fanOut: fanOut, stride: S, w, b, pack, StoreValues(out: z))
    activationForward(act, z, a, fanOut * S)
}

/// The data gradient of a dense layer into the layer below it: da = dz W^T
/// with the lower layer's activation derivative applied as da comes out
/// (ReLU's and the sigmoid's from a, the others' f'(z) stored by the
/// training forward pass in `dz`), giving the lower layer's dz. With
/// `slopes` (PReLU: the slopes and their gradients), dz = da * (1 or the
/// unit's slope) and each slope's gradient, the sum of da * z over the
/// samples where z <= 0.
@inline(__always)
func denseBackward(_ dzOut: UnsafePointer<Double>, fanIn: Int, fanOut: Int, stride S: Int, w: UnsafePointer<Double>,
                   below act: Activation, slopes: (UnsafePointer<Double>, UnsafeMutablePointer<Double>)?,
                   z: UnsafePointer<Double>, a: UnsafePointer<Double>, dz: UnsafeMutablePointer<Double>,
                   scratch: UnsafeMutablePointer<Double>, pack: PackScratch) {
    if let (slope, gS) = slopes {
        columnBackAffine(dzOut, fanIn: fanIn, fanOut: fanOut, stride: S, w, pack, StoreValues(out: scratch))
        for j in 0..<fanIn {
            let zj = z + j * S, dj = scratch + j * S, out = dz + j * S
            let sj = Vec4(repeating: slope[j])
            var acc = Vec4.zero
            var i = 0
            while i < S {
                let zv = load4(zj + i), dv = load4(dj + i)
                var neg = zv
                neg.replace(with: 0, where: zv .> 0)
                acc = acc.addingProduct(dv, neg)
                var local = sj
                local.replace(with: 1, where: zv .> 0)
                store4(out + i, dv * local)
                i += 4
            }
            gS[j] = (acc[0] + acc[1]) + (acc[2] + acc[3])
        }
        return
    }
    switch act.kind {
    case .relu:
        columnBackAffine(dzOut, fanIn: fanIn, fanOut: fanOut, stride: S, w, pack, ReLUGradient(a: a, dz: dz))
    case .sigmoid:
        columnBackAffine(dzOut, fanIn: fanIn, fanOut: fanOut, stride: S, w, pack, SigmoidGradient(a: a, dz: dz))
    default:
        if fusedActivationBackAffine(act, dzOut, fanIn: fanIn, fanOut: fanOut, stride: S, w, dz: dz,
                                     scratch: scratch, pack) {
            return
        }
        columnBackAffine(dzOut, fanIn: fanIn, fanOut: fanOut, stride: S, w, pack, StoreValues(out: scratch))
        activationDerivative(act, scratch, z, a, dz, fanIn * S)
    }
}
