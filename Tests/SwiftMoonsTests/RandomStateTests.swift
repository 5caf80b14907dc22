import Testing
@testable import SwiftMoons

/// NumPy's legacy stream, checked against values NumPy produced
/// (scripts/make_fixtures.py). Every comparison is exact.
@Suite struct RandomStateTests {
    @Test(arguments: Fixtures.rng)
    func seedingMatchesInitGenrand(_ f: RNGFixture) throws {
        let rs = try RandomState(seed: f.seed)
        #expect(Array(rs.state.key.prefix(4)) == f.keyHead)
        #expect(rs.state.pos == 624)
    }

    @Test(arguments: Fixtures.rng)
    func rawWordsMatchNumPy(_ f: RNGFixture) throws {
        var rs = try RandomState(seed: f.seed)
        #expect((0..<5).map { _ in rs.nextUInt32() } == f.raw)
    }

    @Test(arguments: Fixtures.rng)
    func drawsMatchNumPyBitForBit(_ f: RNGFixture) throws {
        var rs = try RandomState(seed: f.seed)
        #expect((0..<5).map { _ in rs.randomSample() } == f.uniform)
        #expect((0..<5).map { _ in rs.gaussian() } == f.gauss)
        #expect(rs.hasGauss, "an odd number of Gaussians leaves one cached")
        #expect((0..<3).map { _ in rs.normal(loc: 2, scale: 3) } == f.normal23)
        try rs.seed(f.seed)
        #expect(!rs.hasGauss, "reseeding drops the cached Gaussian")
        #expect([rs.gaussian()] == f.afterReseed)
        #expect(rs.permutation(10) == f.permutation10)
        #expect(Array(rs.permutation(1000).prefix(5)) == f.permutation1000Head)
    }

    @Test(arguments: [-1, 4_294_967_296, Int.min])
    func seedsOutsideUInt32AreRejected(_ seed: Int) {
        #expect(throws: SwiftMoonsError.self) { try RandomState(seed: seed) }
    }

    @Test func intervalStaysInRange() throws {
        var rs = try RandomState(seed: 3)
        for bound: UInt64 in [0, 1, 2, 5, 255, 256, 1000, UInt64(UInt32.max), 1 << 40] {
            for _ in 0..<200 { #expect(rs.interval(bound) <= bound) }
        }
    }

    @Test func stateRoundTrips() throws {
        var a = try RandomState(seed: 9)
        _ = a.gaussian()
        var b = try RandomState(seed: 0)
        let s = a.state
        try b.setState(key: s.key, pos: s.pos, hasGauss: s.hasGauss, cachedGaussian: s.cachedGaussian)
        #expect((0..<7).map { _ in a.gaussian() } == (0..<7).map { _ in b.gaussian() })
        #expect(throws: SwiftMoonsError.self) { try b.setState(key: [1, 2], pos: 0, hasGauss: false, cachedGaussian: 0) }
    }
}
