#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SwiftMoons

/// What the core promises callers: a refused call changes nothing, sizes
/// become errors instead of aborts, cancelled training stops at whole
/// epochs, copies are independent, and the vector log keeps NaN.
@Suite struct TrustTests {
    func moons(_ n: Int) throws -> (x: [Double], y: [Double]) {
        var rng = try RandomState(seed: 3)
        let data = try makeMoons(nOut: n / 2, nIn: n - n / 2, noise: 0.2, shuffle: true, rng: &rng)
        return (data.x, data.y.map(Double.init))
    }

    @Test func logOfSpecialLanesIsTheCLibrarys() {
        let x = Vec4(.nan, 0, -1, .infinity)
        let v = SwiftMoons.log(x)
        #expect(v[0].isNaN && v[1] == -.infinity && v[2].isNaN && v[3] == .infinity)
        let sub = SwiftMoons.log(Vec4(5e-324, 1e-310, 1, 2))
        for (l, value) in [5e-324, 1e-310, 1, 2].enumerated() { #expect(sub[l] == Glibc.log(value)) }
    }

    @Test func absurdSizesAreOutOfMemoryErrors() {
        #expect(throws: SwiftMoonsError.self) { try checkAllocation(Int.max / 4, "a test buffer") }
        #expect(throws: SwiftMoonsError.self) { try checkAllocation(1 << 58, "a test buffer") }
        #expect(throws: SwiftMoonsError.self) {
            _ = try Network(layerSizes: [2, 1 << 20, 1 << 20, 1], activation: .relu, seed: 0)
        }
    }

    @Test func refusedStepsChangeNothing() throws {
        let net = try Network(activation: .sigmoid, seed: 0)
        let before = net.parameters
        #expect(throws: SwiftMoonsError.self) { try net.trainStep([.nan, 0, 1, 2], [0, 1], rows: 2, learningRate: 0.1) }
        #expect(throws: SwiftMoonsError.self) { try net.trainStep([0.5, 0, 1, 2], [0, 7], rows: 2, learningRate: 0.1) }
        #expect(throws: SwiftMoonsError.self) { try net.trainStep([0.5, 0, 1, 2], [0, 1], rows: 2, learningRate: -1) }
        #expect(net.parameters == before)
    }

    @Test func aCancelledFitStopsBeforeItsFirstEpochAndKeepsTheStream() throws {
        let (x, y) = try moons(100)
        let net = try Network(activation: .relu, seed: 1)
        let before = net.parameters
        var rng = try RandomState(seed: 9)
        let start = rng
        let progress = Progress()
        progress.cancel()
        #expect(throws: TrainingInterrupted.self) {
            _ = try net.fit(x, y, rows: 100, epochs: 5, learningRate: 0.1, batchSize: 10, rng: &rng, progress: progress)
        }
        #expect(net.parameters == before && net.epochsTrained == 0 && rng == start)
    }

    @Test func progressCountsEpochs() throws {
        let (x, y) = try moons(100)
        let net = try Network(activation: .relu, seed: 1)
        var rng = try RandomState(seed: 9)
        let progress = Progress()
        _ = try net.fit(x, y, rows: 100, epochs: 7, learningRate: 0.1, batchSize: 10, rng: &rng, progress: progress)
        #expect(progress.completed == 7 && progress.total == 7)
    }

    @Test func aCopyIsIndependent() throws {
        let (x, y) = try moons(64)
        var rng = try RandomState(seed: 2)
        let net = try Network(layerSizes: [2, 5, 1], activations: [.prelu], rng: &rng)
        _ = try net.fit(x, y, rows: 64, epochs: 2, learningRate: 0.1, batchSize: 8, rng: &rng,
                        recording: Recording(every: 1, parameters: true))
        let twin = try net.copy()
        #expect(twin.parameters == net.parameters && twin.epochsTrained == 2 && twin.records == net.records)
        let before = net.parameters
        try twin.trainStep(x, y, rows: 64, learningRate: 0.5)
        #expect(net.parameters == before && twin.parameters != before)
    }
}
