#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Two interleaving half circles, exactly as scikit-learn's `make_moons`:
/// `nOut` points on the outer moon (label 0), then `nIn` on the inner one
/// (label 1), shuffled with one permutation from `rng` when `shuffle`, then
/// Gaussian noise of std `noise` added in row-major order from the same
/// stream. Returns X (`n x 2`, row-major) and y.
public func makeMoons(nOut: Int, nIn: Int, noise: Double?, shuffle: Bool,
                      rng: inout RandomState) throws -> (x: [Double], y: [Int]) {
    let n = try checkedPlane(nOut, nIn, noise: noise, part: "moon", what: "make_moons")
    // x, y and the two angle grids.
    try checkAllocation(5 * n, "make_moons of \(n) samples")
    var x = [Double](repeating: 0, count: 2 * n)
    var y = [Int](repeating: 0, count: n)
    let tOut = linspace(0, Double.pi, nOut), tIn = linspace(0, Double.pi, nIn)
    for i in 0..<nOut {
        x[2 * i] = cos(tOut[i])
        x[2 * i + 1] = sin(tOut[i])
    }
    for i in 0..<nIn {
        let r = nOut + i
        x[2 * r] = 1 - cos(tIn[i])
        x[2 * r + 1] = 1 - sin(tIn[i]) - 0.5
        y[r] = 1
    }
    shuffleRows(&x, &y, width: 2, shuffle: shuffle, rng: &rng)
    addNoise(&x, noise, rng: &rng)
    return (x, y)
}

/// A large circle (label 0) around a smaller one (label 1), exactly as
/// scikit-learn's `make_circles`: `nOut` points at angles i 2pi / nOut on the
/// unit circle, then `nIn` at i 2pi / nIn on the circle of radius `factor`,
/// shuffled with one permutation from `rng` when `shuffle`, then Gaussian
/// noise of std `noise` added in row-major order from the same stream.
public func makeCircles(nOut: Int, nIn: Int, noise: Double?, factor: Double, shuffle: Bool,
                        rng: inout RandomState) throws -> (x: [Double], y: [Int]) {
    let n = try checkedPlane(nOut, nIn, noise: noise, part: "circle", what: "make_circles")
    guard factor >= 0, factor < 1 else {
        throw SwiftMoonsError.badArgument("factor must be in [0, 1) (the inner circle's radius), got \(factor)")
    }
    try checkAllocation(5 * n, "make_circles of \(n) samples")
    var x = [Double](repeating: 0, count: 2 * n)
    var y = [Int](repeating: 0, count: n)
    // np.linspace(0, 2 pi, k, endpoint=False): i * (2 pi / k).
    let stepOut = 2 * Double.pi / Double(max(nOut, 1)), stepIn = 2 * Double.pi / Double(max(nIn, 1))
    for i in 0..<nOut {
        let t = Double(i) * stepOut
        x[2 * i] = cos(t)
        x[2 * i + 1] = sin(t)
    }
    for i in 0..<nIn {
        let t = Double(i) * stepIn, r = nOut + i
        x[2 * r] = cos(t) * factor
        x[2 * r + 1] = sin(t) * factor
        y[r] = 1
    }
    shuffleRows(&x, &y, width: 2, shuffle: shuffle, rng: &rng)
    addNoise(&x, noise, rng: &rng)
    return (x, y)
}

/// Gaussian blobs, exactly as scikit-learn's `make_blobs`: `counts[i]`
/// points around center i with std `stds[i]`, labelled i, in order, then
/// shuffled with one permutation from `rng` when `shuffle`. `centers`
/// (`counts.count x features`, row-major) are drawn first, uniform in
/// `box`, when not given. Returns X (row-major), y and the centers.
public func makeBlobs(counts: [Int], features d: Int, centers given: [Double]?, stds: [Double],
                      box: (low: Double, high: Double), shuffle: Bool,
                      rng: inout RandomState) throws -> (x: [Double], y: [Int], centers: [Double]) {
    let k = counts.count
    guard k >= 1 else { throw SwiftMoonsError.badArgument("make_blobs needs at least one center") }
    guard d >= 1 else { throw SwiftMoonsError.badArgument("n_features must be >= 1, got \(d)") }
    if let bad = counts.first(where: { $0 < 0 }) {
        throw SwiftMoonsError.badArgument("The number of samples per center must be >= 0, got \(bad)")
    }
    guard stds.count == k else {
        throw SwiftMoonsError.badShape("cluster_std must hold one std per center (\(k)), got \(stds.count)")
    }
    if let bad = stds.first(where: { !($0.isFinite && $0 >= 0) }) {
        throw SwiftMoonsError.badArgument("cluster_std must be finite and >= 0, got \(bad)")
    }
    let centerCount = try checkedCount(k, d, what: "The centers")
    if let given {
        guard given.count == centerCount else {
            throw SwiftMoonsError.badShape("centers must have shape (\(k), \(d)), got \(given.count) values")
        }
        if let bad = given.first(where: { !$0.isFinite }) {
            throw SwiftMoonsError.badArgument("centers must be finite, got \(bad)")
        }
    } else {
        guard box.low.isFinite, box.high.isFinite, box.low <= box.high else {
            throw SwiftMoonsError.badArgument("center_box must be a finite (low, high) with low <= high, got (\(box.low), \(box.high))")
        }
    }
    var n = 0
    for c in counts { n = try checkedCount(1, n + c, what: "make_blobs") }
    guard n >= 1 else { throw SwiftMoonsError.badArgument("n_samples must be >= 1, got \(n)") }
    let values = try checkedCount(n, d, what: "make_blobs")
    try checkAllocation(2 * values + 2 * n + centerCount, "make_blobs of \(n) samples x \(d) features")
    // np.random.uniform(low, high, size): low + (high - low) * random_sample(), row-major.
    let centers = given ?? (0..<centerCount).map { _ in box.low + (box.high - box.low) * rng.randomSample() }
    var x = [Double](repeating: 0, count: values)
    var y = [Int](repeating: 0, count: n)
    var row = 0
    for (i, count) in counts.enumerated() {
        for _ in 0..<count {
            // normal(loc=centers[i], scale=std, size=(count, d)), row-major.
            for j in 0..<d { x[row * d + j] = rng.normal(loc: centers[i * d + j], scale: stds[i]) }
            y[row] = i
            row += 1
        }
    }
    shuffleRows(&x, &y, width: d, shuffle: shuffle, rng: &rng)
    return (x, y, centers)
}

/// The XOR pattern, as TensorFlow Playground draws it (labels 0 and 1
/// instead of -1 and 1): each point's x and y uniform in [-1, 1), pushed
/// `margin` away from the axes (a point at x gets x + margin for x > 0,
/// x - margin otherwise), labelled 1 where x y > 0, so the quadrants of one
/// sign share a class; then Gaussian noise of std `noise` (row-major, after
/// the labels, so that noisy points can cross the axes). Draws: x, y per
/// point in order, then the noise.
public func makeXOR(samples n: Int, noise: Double?, margin: Double, rng: inout RandomState) throws
    -> (x: [Double], y: [Int]) {
    guard n >= 1 else { throw SwiftMoonsError.badArgument("n_samples must be >= 1, got \(n)") }
    let values = try checkedCount(n, 2, what: "make_xor")
    try checkNoise(noise)
    guard margin.isFinite, margin >= 0 else {
        throw SwiftMoonsError.badArgument("margin must be a finite number >= 0, got \(margin)")
    }
    try checkAllocation(values + n, "make_xor of \(n) samples")
    var x = [Double](repeating: 0, count: values)
    var y = [Int](repeating: 0, count: n)
    for i in 0..<n {
        for j in 0..<2 {
            let u = -1 + 2 * rng.randomSample()
            x[2 * i + j] = u > 0 ? u + margin : u - margin
        }
        y[i] = x[2 * i] * x[2 * i + 1] > 0 ? 1 : 0
    }
    addNoise(&x, noise, rng: &rng)
    return (x, y)
}

/// Two interleaved spirals, as TensorFlow Playground draws them (labels 0
/// and 1): point i of an arm of k points at radius r = i / k and angle
/// t = 1.75 * 2 pi * i / k (plus pi for the second arm), at (r sin t,
/// r cos t); `nFirst` points on the first arm (label 0), then `nSecond` on
/// the second (label 1), shuffled with one permutation from `rng` when
/// `shuffle`, then Gaussian noise of std `noise` added in row-major order.
public func makeSpiral(nFirst: Int, nSecond: Int, noise: Double?, shuffle: Bool,
                       rng: inout RandomState) throws -> (x: [Double], y: [Int]) {
    let n = try checkedPlane(nFirst, nSecond, noise: noise, part: "arm", what: "make_spiral"), values = 2 * n
    try checkAllocation(2 * values + 2 * n, "make_spiral of \(n) samples")
    var x = [Double](repeating: 0, count: values)
    var y = [Int](repeating: 0, count: n)
    for (arm, count, offset) in [(0, nFirst, 0), (1, nSecond, nFirst)] {
        for i in 0..<count {
            let r = Double(i) / Double(count)
            let t = 1.75 * 2 * Double.pi * r + (arm == 1 ? Double.pi : 0)
            x[2 * (offset + i)] = r * sin(t)
            x[2 * (offset + i) + 1] = r * cos(t)
            y[offset + i] = arm
        }
    }
    shuffleRows(&x, &y, width: 2, shuffle: shuffle, rng: &rng)
    addNoise(&x, noise, rng: &rng)
    return (x, y)
}

/// The checks of the two-class generators of the plane: both counts >= 0
/// (one per `part`), at least one sample, a size that fits, a finite noise
/// >= 0. Returns the number of samples.
private func checkedPlane(_ first: Int, _ second: Int, noise: Double?, part: String, what: String) throws -> Int {
    guard first >= 0, second >= 0 else {
        throw SwiftMoonsError.badArgument("The number of samples per \(part) must be >= 0, got (\(first), \(second))")
    }
    let n = first + second
    guard n >= 1 else { throw SwiftMoonsError.badArgument("n_samples must be >= 1, got \(n)") }
    _ = try checkedCount(n, 2, what: what)
    try checkNoise(noise)
    return n
}

private func checkNoise(_ noise: Double?) throws {
    if let noise, !(noise.isFinite && noise >= 0) {
        throw SwiftMoonsError.badArgument("noise must be a finite number >= 0, got \(noise)")
    }
}

/// Gaussian noise of std `noise` added to every value in row-major order (none for nil).
private func addNoise(_ x: inout [Double], _ noise: Double?, rng: inout RandomState) {
    guard let noise else { return }
    for i in x.indices { x[i] += rng.normal(loc: 0, scale: noise) }
}

/// Rows of x (each `width` values) and their labels in the order of one
/// permutation from `rng`, as scikit-learn's `shuffle(X, y)`; nothing is
/// drawn without `shuffle`.
private func shuffleRows(_ x: inout [Double], _ y: inout [Int], width: Int, shuffle: Bool, rng: inout RandomState) {
    guard shuffle else { return }
    let perm = rng.permutation(y.count)
    let x0 = x, y0 = y
    for (i, p) in perm.enumerated() {
        for j in 0..<width { x[i * width + j] = x0[p * width + j] }
        y[i] = y0[p]
    }
}

/// `num` evenly spaced values from `start` to `stop` inclusive, computed as
/// NumPy's `linspace` does: `i * step + start`, the last value set to `stop`.
public func linspace(_ start: Double, _ stop: Double, _ num: Int) -> [Double] {
    guard num > 0 else { return [] }
    guard num > 1 else { return [start] }
    let step = (stop - start) / Double(num - 1)
    var v = (0..<num).map { Double($0) * step + start }
    v[num - 1] = stop
    return v
}

/// Zero mean and unit population standard deviation per column, computed as
/// scikit-learn's `StandardScaler` computes them. `x` is `rows x columns`,
/// row-major. Columns with zero variance are only centred (scale 1).
public func standardize<C: Collection>(_ x: C, rows: Int, columns: Int) throws
    -> (x: [Double], mean: [Double], scale: [Double]) where C.Element == Double {
    guard rows >= 1, columns >= 1 else {
        throw SwiftMoonsError.badArgument("X must have at least one row and one column, got (\(rows), \(columns))")
    }
    let count = try checkedCount(rows, columns, what: "standardize")
    guard x.count == count else {
        throw SwiftMoonsError.badShape("X must have shape (\(rows), \(columns)), got \(x.count) values")
    }
    try checkAllocation(count, "standardize of \(rows) x \(columns) values")
    var out = Array(x)
    if let bad = out.first(where: { !$0.isFinite }) {
        throw SwiftMoonsError.badArgument("X must be finite, found \(bad)")
    }
    var mean = [Double](repeating: 0, count: columns)
    var scale = [Double](repeating: 1, count: columns)
    let n = Double(rows)
    for c in 0..<columns {
        // sklearn's _incremental_mean_and_var on one batch: column sums in
        // row order, then the variance of x - mean with the rounding error of
        // the mean subtracted out (the "correction" term).
        var sum = 0.0
        for r in 0..<rows { sum += out[r * columns + c] }
        let m = sum / n
        var correction = 0.0, squares = 0.0
        for r in 0..<rows {
            let d = out[r * columns + c] - m
            correction += d
            squares += d * d
        }
        let variance = (squares - correction * correction / n) / n
        mean[c] = m
        // A variance at the level of rounding noise means a constant column,
        // which sklearn only centres (its _is_constant_feature bound).
        let eps = Double.ulpOfOne
        let nme = n * m * eps
        let constant = variance <= n * eps * variance + nme * nme
        scale[c] = constant ? 1 : variance.squareRoot()
    }
    for r in 0..<rows {
        for c in 0..<columns {
            out[r * columns + c] = (out[r * columns + c] - mean[c]) / scale[c]
        }
    }
    return (out, mean, scale)
}

/// The test-set size of scikit-learn's ShuffleSplit: `ceil(testSize * n)`
/// for a fraction in (0, 1), or `testSize` itself for a whole number >= 1.
public func testCount(samples n: Int, testSize: Double) throws -> Int {
    guard n >= 1 else { throw SwiftMoonsError.badArgument("The number of samples must be >= 1, got \(n)") }
    let nTest: Int
    if testSize > 0, testSize < 1 {
        nTest = Int((testSize * Double(n)).rounded(.up))
    } else if testSize >= 1, testSize.rounded() == testSize, testSize < Double(n) {
        nTest = Int(testSize)
    } else {
        throw SwiftMoonsError.badArgument(
            "test_size=\(testSize) should be either a whole number in [1, \(n - 1)] or a fraction in the open interval (0, 1)")
    }
    guard n - nTest >= 1 else {
        throw SwiftMoonsError.badArgument(
            "With n_samples=\(n) and test_size=\(testSize), the resulting train set would be empty")
    }
    return nTest
}

/// Test and train indices as scikit-learn's `train_test_split`: one
/// permutation of 0..<n from `rng`; its first `nTest` entries are the test
/// set, the rest (in permutation order) the train set.
public func splitIndices(samples n: Int, testCount nTest: Int, rng: inout RandomState) throws -> (test: [Int], train: [Int]) {
    guard n >= 2, nTest >= 1, nTest < n else {
        throw SwiftMoonsError.badArgument("Need 1 <= n_test < n_samples, got n_test=\(nTest), n_samples=\(n)")
    }
    try checkAllocation(2 * n, of: Int.self, "A split of \(n) samples")
    let perm = rng.permutation(n)
    return (Array(perm[..<nTest]), Array(perm[nTest...]))
}
