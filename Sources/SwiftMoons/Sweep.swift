/// The settings of the article's run that a sweep shares across seeds.
public struct ArticleSettings: Sendable {
    public var samples = 400
    public var noise = 0.18
    public var dataSeed = 42
    public var splitSeed = 42
    public var epochs = 800
    public var learningRate = 0.05
    public var batchSize = 64
    public var layerSizes = [2, 8, 8, 1]

    public init() {}
}

/// The article's run for every network seed and activation, in parallel:
/// the data (make_moons, standardized, split) is made once; then each
/// (seed, activation) pair is one task that builds its network from a stream
/// seeded with the seed, trains it on the permutations that follow in that
/// stream (as the article's loop draws them after its last constructor: the
/// draws do not depend on the activation), and measures its test accuracy.
/// Tasks share nothing, so results do not depend on the number of threads.
///
/// Returns the loss histories (seeds x activations x epochs, flat) and the
/// test accuracies (seeds x activations).
public func articleSweep(netSeeds: [Int], activations: [Activation], settings s: ArticleSettings) throws
    -> (losses: [Double], accuracy: [Double]) {
    guard !netSeeds.isEmpty, !activations.isEmpty else {
        throw SwiftMoonsError.badArgument("A sweep needs at least one seed and one activation")
    }
    for seed in netSeeds { _ = try RandomState(seed: seed) }
    guard s.epochs >= 1, s.batchSize >= 1, s.learningRate.isFinite else {
        throw SwiftMoonsError.badArgument("epochs and batch_size must be >= 1 and lr finite")
    }
    guard s.layerSizes.first == 2, s.layerSizes.last == 1 else {
        throw SwiftMoonsError.badArgument("The article's networks map 2 inputs to 1 output, got \(s.layerSizes)")
    }
    // The data, as article.run makes it.
    var dataRng = try RandomState(seed: s.dataSeed)
    let nOut = s.samples / 2
    let moons = try makeMoons(nOut: nOut, nIn: s.samples - nOut, noise: s.noise, shuffle: true, rng: &dataRng)
    let x = try standardize(moons.x, rows: s.samples, columns: 2).x
    var splitRng = try RandomState(seed: s.splitSeed)
    let nTest = try testCount(samples: s.samples, testSize: 0.25)
    let (testIdx, trainIdx) = try splitIndices(samples: s.samples, testCount: nTest, rng: &splitRng)
    let xTrain = trainIdx.flatMap { [x[2 * $0], x[2 * $0 + 1]] }, yTrain = trainIdx.map { Double(moons.y[$0]) }
    let xTest = testIdx.flatMap { [x[2 * $0], x[2 * $0 + 1]] }, yTest = testIdx.map { Double(moons.y[$0]) }

    let tasks = netSeeds.count * activations.count
    _ = try checkedCount(tasks, s.epochs, what: "The sweep's loss histories")
    var losses = [Double](repeating: 0, count: tasks * s.epochs)
    var accuracy = [Double](repeating: 0, count: tasks)
    var failures = [Error?](repeating: nil, count: tasks)
    losses.withUnsafeMutableBufferPointer { lb in
        accuracy.withUnsafeMutableBufferPointer { ab in
            failures.withUnsafeMutableBufferPointer { fb in
                let lossOut = lb.baseAddress!, accOut = ab.baseAddress!, failed = fb.baseAddress!
                Parallel.forEach(tasks) { t in
                    do {
                        var rng = try RandomState(seed: netSeeds[t / activations.count])
                        let act = activations[t % activations.count]
                        let net = try Network(layerSizes: s.layerSizes, activations: [act], rng: &rng)
                        let history = try trainTogether([net], xTrain, yTrain, rows: yTrain.count, epochs: s.epochs,
                                                        learningRate: s.learningRate, batchSize: s.batchSize, rng: &rng)[0]
                        (lossOut + t * s.epochs).update(from: history, count: s.epochs)
                        accOut[t] = try net.evaluate(xTest, yTest, rows: yTest.count).accuracy
                    } catch {
                        failed[t] = error
                    }
                }
            }
        }
    }
    if let failure = failures.compactMap({ $0 }).first { throw failure }
    return (losses, accuracy)
}
