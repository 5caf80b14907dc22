import Testing
@testable import SwiftMoons

/// The largest |a - b| / max(|b|, floor) over two equal-length arrays.
func maxRelativeError<A: Collection, B: Collection>(_ a: A, _ b: B, floor: Double = 1e-300) -> Double
where A.Element == Double, B.Element == Double {
    precondition(a.count == b.count, "lengths differ: \(a.count) vs \(b.count)")
    return zip(a, b).map { abs($0 - $1) / max(abs($1), floor) }.max() ?? 0
}

/// Records a failure naming expected, observed and the tolerance.
func expectClose<A: Collection, B: Collection>(_ observed: A, _ expected: B, relative tolerance: Double,
                                               _ what: String, sourceLocation: SourceLocation = #_sourceLocation)
where A.Element == Double, B.Element == Double {
    #expect(observed.count == expected.count, "\(what): \(observed.count) values, expected \(expected.count)",
            sourceLocation: sourceLocation)
    guard observed.count == expected.count else { return }
    let err = maxRelativeError(observed, expected, floor: 1e-12)
    #expect(err <= tolerance, "\(what): max relative error \(err) > \(tolerance)\n expected \(Array(expected).prefix(6))\n observed \(Array(observed).prefix(6))",
            sourceLocation: sourceLocation)
}
