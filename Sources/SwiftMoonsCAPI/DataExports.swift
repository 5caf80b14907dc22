// Data as scikit-learn makes and splits it: make_moons, make_circles,
// make_blobs, StandardScaler, train_test_split.

import SwiftMoons

/// The exports of the two-class generators of the plane: two counts, an
/// (n, 2) X and n labels, written only when the generator succeeds (each
/// checks everything before it draws, so a refused call leaves the stream as
/// it was).
private func planeData(_ rng: OpaquePointer?, _ first: Int64, _ second: Int64, names: (String, String),
                       _ x: UnsafeMutablePointer<Double>?, _ y: UnsafeMutablePointer<Int64>?,
                       _ make: (Int, Int, inout RandomState) throws -> (x: [Double], y: [Int])) throws {
    let h = try lookup(rng, as: RNGHandle.self, "sm_rng")
    let a = try count(first, names.0, allowZero: true), b = try count(second, names.1, allowZero: true)
    let n = a + b
    let xo = try output(x, try product(n, 2, "X"), "X"), yo = try output(y, n, "y")
    let data = try h.state.withLock { s in try make(a, b, &s) }
    for i in 0..<xo.count { xo[i] = data.x[i] }
    for i in 0..<n { yo[i] = Int64(data.y[i]) }
}

@_cdecl("sm_make_moons")
public func sm_make_moons(_ rng: OpaquePointer?, _ nOut: Int64, _ nIn: Int64, _ shuffle: Int32,
                          _ addNoise: Int32, _ noise: Double,
                          _ x: UnsafeMutablePointer<Double>?, _ y: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        try planeData(rng, nOut, nIn, names: ("n_out", "n_in"), x, y) { a, b, s in
            try makeMoons(nOut: a, nIn: b, noise: addNoise != 0 ? noise : nil, shuffle: shuffle != 0, rng: &s)
        }
    }
}

@_cdecl("sm_make_circles")
public func sm_make_circles(_ rng: OpaquePointer?, _ nOut: Int64, _ nIn: Int64, _ shuffle: Int32,
                            _ addNoise: Int32, _ noise: Double, _ factor: Double,
                            _ x: UnsafeMutablePointer<Double>?, _ y: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        try planeData(rng, nOut, nIn, names: ("n_out", "n_in"), x, y) { a, b, s in
            try makeCircles(nOut: a, nIn: b, noise: addNoise != 0 ? noise : nil, factor: factor,
                            shuffle: shuffle != 0, rng: &s)
        }
    }
}

@_cdecl("sm_make_blobs")
public func sm_make_blobs(_ rng: OpaquePointer?, _ counts: UnsafePointer<Int64>?, _ nCenters: Int64,
                          _ nFeatures: Int64, _ centers: UnsafeMutablePointer<Double>?, _ centersGiven: Int32,
                          _ stds: UnsafePointer<Double>?, _ boxLow: Double, _ boxHigh: Double, _ shuffle: Int32,
                          _ x: UnsafeMutablePointer<Double>?, _ xLen: Int64, _ y: UnsafeMutablePointer<Int64>?,
                          _ yLen: Int64) -> Int32 {
    guarded {
        let h = try lookup(rng, as: RNGHandle.self, "sm_rng")
        let k = try count(nCenters, "n_centers"), d = try count(nFeatures, "n_features")
        guard k <= 1 << 20 else { throw APIError(status: .badArgument, message: "At most 2^20 centers, got \(k)") }
        let sizes = try input(counts, k, "counts").map { c -> Int in
            guard c >= 0 else { throw APIError(status: .badArgument, message: "counts must be >= 0, got \(c)") }
            return Int(c)
        }
        let centerBuffer = try output(centers, try product(k, d, "centers"), "centers")
        let given = centersGiven != 0 ? Array(centerBuffer) : nil
        let spreads = Array(try input(stds, k, "cluster_std"))
        let n = try count(yLen, "y_len")
        guard xLen == Int64(try product(n, d, "X")) else {
            throw APIError(status: .badShape, message: "X must hold y_len x n_features = \(n * d) values, got \(xLen)")
        }
        let xo = try output(x, n * d, "X"), yo = try output(y, n, "y")
        let data = try h.state.withLock { s in
            // Draw from a copy and commit only on success.
            var copy = s
            let result = try makeBlobs(counts: sizes, features: d, centers: given, stds: spreads,
                                       box: (boxLow, boxHigh), shuffle: shuffle != 0, rng: &copy)
            guard result.y.count == n else {
                throw APIError(status: .badShape, message: "y must hold the sum of counts = \(result.y.count) labels, got \(n)")
            }
            s = copy
            return result
        }
        for i in 0..<xo.count { xo[i] = data.x[i] }
        for i in 0..<n { yo[i] = Int64(data.y[i]) }
        if given == nil { for i in 0..<centerBuffer.count { centerBuffer[i] = data.centers[i] } }
    }
}

@_cdecl("sm_make_xor")
public func sm_make_xor(_ rng: OpaquePointer?, _ n: Int64, _ addNoise: Int32, _ noise: Double, _ margin: Double,
                        _ x: UnsafeMutablePointer<Double>?, _ y: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        try planeData(rng, n, 0, names: ("n_samples", "n_samples"), x, y) { rows, _, s in
            try makeXOR(samples: rows, noise: addNoise != 0 ? noise : nil, margin: margin, rng: &s)
        }
    }
}

@_cdecl("sm_make_spiral")
public func sm_make_spiral(_ rng: OpaquePointer?, _ nFirst: Int64, _ nSecond: Int64, _ shuffle: Int32,
                           _ addNoise: Int32, _ noise: Double,
                           _ x: UnsafeMutablePointer<Double>?, _ y: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        try planeData(rng, nFirst, nSecond, names: ("n_first", "n_second"), x, y) { a, b, s in
            try makeSpiral(nFirst: a, nSecond: b, noise: addNoise != 0 ? noise : nil, shuffle: shuffle != 0, rng: &s)
        }
    }
}

@_cdecl("sm_standardize")
public func sm_standardize(_ x: UnsafePointer<Double>?, _ rows: Int64, _ columns: Int64,
                           _ out: UnsafeMutablePointer<Double>?, _ mean: UnsafeMutablePointer<Double>?,
                           _ scale: UnsafeMutablePointer<Double>?) -> Int32 {
    guarded {
        let r = try count(rows, "rows"), c = try count(columns, "columns")
        let n = try product(r, c, "X")
        let xi = try input(x, n, "X"), xo = try output(out, n, "out")
        let result = try standardize(xi, rows: r, columns: c)
        for i in 0..<n { xo[i] = result.x[i] }
        if let mean { for j in 0..<c { mean[j] = result.mean[j] } }
        if let scale { for j in 0..<c { scale[j] = result.scale[j] } }
    }
}

@_cdecl("sm_split_test_count")
public func sm_split_test_count(_ n: Int64, _ testSize: Double, _ nTest: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        guard let nTest else { throw APIError(status: .badArgument, message: "n_test is NULL") }
        nTest.pointee = Int64(try testCount(samples: try count(n, "n_samples"), testSize: testSize))
    }
}

@_cdecl("sm_split_indices")
public func sm_split_indices(_ rng: OpaquePointer?, _ n: Int64, _ nTest: Int64,
                             _ testIdx: UnsafeMutablePointer<Int64>?, _ trainIdx: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let h = try lookup(rng, as: RNGHandle.self, "sm_rng")
        let total = try count(n, "n_samples"), t = try count(nTest, "n_test")
        guard t < total else { throw APIError(status: .badArgument, message: "n_test must be < n_samples, got \(t) >= \(total)") }
        let testOut = try output(testIdx, t, "test"), trainOut = try output(trainIdx, total - t, "train")
        let (test, train) = try h.state.withLock { try splitIndices(samples: total, testCount: t, rng: &$0) }
        for i in 0..<t { testOut[i] = Int64(test[i]) }
        for i in 0..<(total - t) { trainOut[i] = Int64(train[i]) }
    }
}
