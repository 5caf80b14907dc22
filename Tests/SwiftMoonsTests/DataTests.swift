import Testing
@testable import SwiftMoons

/// The data functions against the NumPy reference (itself checked against
/// scikit-learn by pytest). Exact comparisons.
@Suite struct DataTests {
    @Test func moonsMatchReference() throws {
        var rs = try RandomState(seed: 0)
        let (x, y) = try makeMoons(nOut: 3, nIn: 4, noise: 0.1, shuffle: true, rng: &rs)
        #expect(x == Fixtures.moons7X)
        #expect(y == Fixtures.moons7Y)
    }

    @Test func standardizeMatchesReference() throws {
        let s = try standardize(Fixtures.moons7X, rows: 7, columns: 2)
        #expect(s.x == Fixtures.moons7Standardized)
    }

    @Test func constantColumnsAreOnlyCentred() throws {
        let s = try standardize([1, 5, 2, 5, 3, 5], rows: 3, columns: 2)
        #expect(s.scale[1] == 1)
        #expect(s.x[1] == 0 && s.x[3] == 0)
    }

    @Test func testCountIsCeilOfFraction() throws {
        #expect(try testCount(samples: 400, testSize: 0.25) == 100)
        #expect(try testCount(samples: 5, testSize: 0.25) == 2)
        #expect(try testCount(samples: 10, testSize: 3) == 3)
        #expect(try testCount(samples: 10, testSize: 1) == 1, "a whole number is a count")
        for bad in [0.0, -0.5, 10.0, 2.5, .nan, .infinity] {
            #expect(throws: SwiftMoonsError.self) { try testCount(samples: 10, testSize: bad) }
        }
    }

    @Test func splitIsOnePermutation() throws {
        var a = try RandomState(seed: 42), b = try RandomState(seed: 42)
        let (test, train) = try splitIndices(samples: 10, testCount: 3, rng: &a)
        #expect(test + train == b.permutation(10))
    }

    @Test func linspaceEndsExactly() {
        #expect(linspace(0, .pi, 1) == [0])
        #expect(linspace(0, .pi, 0) == [])
        #expect(linspace(0, .pi, 5).last == .pi)
    }
}
