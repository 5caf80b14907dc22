#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SwiftMoons

/// The vectorized exp and log against the C library, in units in the last place.
@Suite struct VectorMathTests {
    func ulps(_ a: Double, _ b: Double) -> Double {
        if a == b { return 0 }
        if !a.isFinite || !b.isFinite { return .infinity }
        return abs(a - b) / b.ulp
    }

    func worst(_ inputs: [Double], _ vector: (Vec4) -> Vec4, _ scalar: (Double) -> Double) -> Double {
        var maxUlps = 0.0
        var i = 0
        while i + 4 <= inputs.count {
            let v = vector(Vec4(inputs[i], inputs[i + 1], inputs[i + 2], inputs[i + 3]))
            for l in 0..<4 { maxUlps = max(maxUlps, ulps(v[l], scalar(inputs[i + l]))) }
            i += 4
        }
        return maxUlps
    }

    @Test func expIsWithinOneUlpOfTheCLibrary() throws {
        var rs = try RandomState(seed: 1)
        let inputs = (0..<400_000).map { _ in (rs.randomSample() - 0.5) * 1400 }
            + (0..<100_000).map { _ in (rs.randomSample() - 0.5) * 2 }
        #expect(worst(inputs, { SwiftMoons.exp($0) }, { Glibc.exp($0) }) <= 1)
    }

    @Test func expHandlesItsEdges() {
        let v = SwiftMoons.exp(Vec4(-800, 800, 0, .nan))
        #expect(v[0] == 0 && v[1] == .infinity && v[2] == 1 && v[3].isNaN)
        let sub = SwiftMoons.exp(Vec4(-740, -708.5, 709.7, -1e-300))
        for (l, x) in [-740.0, -708.5, 709.7, -1e-300].enumerated() { #expect(ulps(sub[l], Glibc.exp(x)) <= 1) }
    }

    @Test func bulkSigmoidMatchesTheScalarOneOnEveryPath() throws {
        // 8-lane blocks, a 4-lane block and a scalar tail, with the clip's
        // edges, infinities and NaN in each.
        var rs = try RandomState(seed: 3)
        let special: [Double] = [.nan, -.infinity, .infinity, -600, 600, -500, 500, 0, -0.0, 1e-300, -745, 36.7]
        for n in [1, 3, 4, 7, 8, 12, 13, 29] {
            let z = (0..<n).map { i in i < special.count && i % 2 == 0 ? special[i] : (rs.randomSample() - 0.5) * 80 }
            var a = [Double](repeating: 7, count: n)
            z.withUnsafeBufferPointer { zb in
                a.withUnsafeMutableBufferPointer { ab in sigmoidBulk(zb.baseAddress!, ab.baseAddress!, n) }
            }
            for i in 0..<n {
                let expected = sigmoid(z[i])
                if expected.isNaN { #expect(a[i].isNaN, "sigmoid(NaN), n = \(n)") } else {
                    #expect(ulps(a[i], expected) <= 1, "sigmoid(\(z[i])) = \(a[i]), scalar \(expected), n = \(n)")
                }
            }
        }
    }

    @Test func logIsWithinOneUlpOfTheCLibrary() throws {
        var rs = try RandomState(seed: 2)
        let inputs = (0..<300_000).map { _ in rs.randomSample() + 1e-9 }
            + (0..<100_000).map { _ in Glibc.exp((rs.randomSample() - 0.5) * 1000) }
        #expect(worst(inputs, { SwiftMoons.log($0) }, { Glibc.log($0) }) <= 1)
    }
}
