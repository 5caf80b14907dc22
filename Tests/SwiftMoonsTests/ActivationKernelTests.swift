#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SwiftMoons

/// The eight-lane activation kernels: their math against the C library, and
/// one result per input whichever path (a block, a padded tail, the scalar
/// `value`/`derivative`, a layer's fused epilogue) computes it. Accuracy
/// against the closed forms in high precision is python/tests/test_activation_accuracy.py.
@Suite struct ActivationKernelTests {
    func ulps(_ a: Double, _ b: Double) -> Double {
        if a == b || (a.isNaN && b.isNaN) { return 0 }
        if !a.isFinite || !b.isFinite { return .infinity }
        return abs(a - b) / max(b.ulp, Double.leastNonzeroMagnitude)
    }

    func worst(_ inputs: [Double], _ vector: (Vec8) -> Vec8, _ scalar: (Double) -> Double) -> (Double, Double) {
        var result = (0.0, 0.0)
        var i = 0
        while i + 8 <= inputs.count {
            var v = Vec8.zero
            for l in 0..<8 { v[l] = inputs[i + l] }
            let r = vector(v)
            for l in 0..<8 {
                let e = ulps(r[l], scalar(inputs[i + l]))
                if e > result.0 { result = (e, inputs[i + l]) }
            }
            i += 8
        }
        return result
    }

    func inputs(seed: Int, scale: Double) throws -> [Double] {
        var rs = try RandomState(seed: seed)
        let special: [Double] = [0, -0.0, 1e-300, -1e-300, 5e-324, -40, -37, 36, 700, 709.7, -709, 710, -745, 1e300,
                                 -1e300, .infinity, -.infinity, .nan, 0.34657359027997264, -0.34657359027997264]
        return special + (0..<200_000).map { _ in (rs.randomSample() - 0.5) * scale }
            + (0..<100_000).map { _ in (rs.randomSample() - 0.5) * 2 }
    }

    @Test func expm1IsWithinTwoUlpsOfTheCLibrary() throws {
        // Two: near |x| = ln2/2, 2^k e^r - 1 with k = +-1 doubles e^r - 1's error.
        let (e, at) = worst(try inputs(seed: 4, scale: 1500), { expm1_8($0) }, { Glibc.expm1($0) })
        #expect(e <= 2, "expm1(\(at)): \(e) ulp")
    }

    @Test func tanhIsWithinThreeUlpsOfTheCLibrary() throws {
        let (e, at) = worst(try inputs(seed: 5, scale: 60), { tanh8($0) }, { Glibc.tanh($0) })
        #expect(e <= 3, "tanh(\(at)): \(e) ulp")
    }

    @Test func log1pOfTheUnitIntervalIsWithinOneUlpOfTheCLibrary() throws {
        var rs = try RandomState(seed: 6)
        let u = [0, 1, 5e-324, 1e-300, 1e-17, 2.220446049250313e-16] + (0..<200_000).map { _ in rs.randomSample() }
            + (0..<50_000).map { _ in Glibc.exp(-rs.randomSample() * 745) }
        let (e, at) = worst(u, { log1pUnit8($0).log }, { Glibc.log1p($0) })
        #expect(e <= 1, "log1p(\(at)): \(e) ulp")
        // Its 1 / (1 + u) (softplus's derivative), from the same division.
        let (r, rAt) = worst(u, { log1pUnit8($0).reciprocal }, { Double(1 / (1 + Float80($0))) })
        #expect(r <= 1, "1 / (1 + \(rAt)): \(r) ulp")
    }

    @Test func exponentialPartsScaleOnceIntoTheSubnormals() {
        // e^x = p 2^k applied in two steps: the same as the C library's exp
        // to an ulp, also where the result is subnormal or underflows.
        let xs: [Double] = [-700, -708.5, -720, -740, -744.4, -745.2, -746, -800, -1.5, 0]
        for x in xs {
            var v = Vec8.zero
            v[0] = x
            let (p, k) = expSplit8(v, .zero)
            #expect(ulps(scaled8(p, k)[0], Glibc.exp(x)) <= 1, "exp(\(x))")
        }
    }

    /// Every kind, the parameterized ones off their defaults too.
    static let kinds: [Activation] = Activation.allCases + [Activation(.leakyRelu, alpha: 0.2), Activation(.elu, alpha: 0.5)]

    @Test(arguments: kinds)
    func everyPathGivesTheSameBits(_ act: Activation) throws {
        // Blocks of eight and padded tails of every length, specials in each,
        // against the scalar forms (which run one padded block).
        var rs = try RandomState(seed: 7)
        let special: [Double] = [.nan, -.infinity, .infinity, -1e300, 1e300, 0, -0.0, 5e-324, -745, -38, -0.5, 0.66291]
        func same(_ a: Double, _ b: Double) -> Bool { a == b || (a.isNaN && b.isNaN) }
        for n in [1, 3, 7, 8, 9, 15, 16, 17, 29] {
            let z = (0..<n).map { i in i < special.count && i % 2 == 0 ? special[i] : (rs.randomSample() - 0.5) * 30 }
            var a = [Double](repeating: 7, count: n), d = [Double](repeating: 7, count: n)
            z.withUnsafeBufferPointer { zb in
                a.withUnsafeMutableBufferPointer { act.values(of: zb, into: $0) }
                d.withUnsafeMutableBufferPointer { act.derivatives(of: zb, into: $0) }
            }
            for i in 0..<n {
                let v = act.value(z[i])
                #expect(same(a[i], v), "\(act)(\(z[i])): bulk \(a[i]), scalar \(v), n = \(n)")
                let dv = act.derivative(z[i], v)
                #expect(same(d[i], dv), "\(act)'(\(z[i])): bulk \(d[i]), scalar \(dv), n = \(n)")
            }
        }
    }

    @Test(arguments: kinds)
    func aLayerAppliesTheSameFunction(_ act: Activation) throws {
        // One input feeding 19 units with weight 1 and bias 0 (z = x
        // exactly): the fused epilogue's blocks and tail against `value`.
        guard act.kind != .prelu else { return }  // its slopes have a loop of their own, tested through Python
        let units = 19
        var params = [Double](repeating: 1, count: units) + [Double](repeating: 0, count: units)
        params += [Double](repeating: 0, count: units) + [0]
        let net = try Network(layerSizes: [1, units, 1], activations: [act], output: .identity, parameters: params)
        var rs = try RandomState(seed: 8)
        let x = [-1e300, -745, -38, -1, -0.5, 0, 5e-324, 0.5, 30, 1e300] + (0..<37).map { _ in (rs.randomSample() - 0.5) * 40 }
        var hidden = [Double](repeating: 0, count: x.count * units)
        try net.hidden(layer: 1, x, rows: x.count, into: &hidden)
        for (r, xv) in x.enumerated() {
            for j in 0..<units { #expect(hidden[r * units + j] == act.value(xv), "\(act)(\(xv)) in unit \(j)") }
        }
    }
}
