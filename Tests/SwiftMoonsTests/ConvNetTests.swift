import Testing
@testable import SwiftMoons

/// The convolutional core's promises that the Python tests cannot reach
/// directly: its argmax and max pooling treat NaN as NumPy does, a fit's
/// history agrees with an evaluation afterwards, and a refused or cancelled
/// fit changes nothing.
@Suite struct ConvNetTests {
    let layers: [ConvLayer] = [.conv2D(channels: 3, kernelSize: 3, stride: 1, padding: 1), .activation(.relu),
                               .maxPool2D(size: 2, stride: 2), .flatten, .dense(units: 3)]

    func data(_ n: Int, seed: Int) throws -> (x: [Double], y: [Int]) {
        var rng = try RandomState(seed: seed)
        return ((0..<(n * 2 * 6 * 6)).map { _ in rng.randomSample() - 0.5 }, (0..<n).map { $0 % 3 })
    }

    @Test func argmaxIsNumPys() {
        let cases: [([Double], Int)] = [([1, 3, 3, 2], 1), ([.nan, 5, 1, 0], 0), ([1, 5, .nan, .nan], 2),
                                        ([-.infinity, -.infinity, -1, -2], 2), ([2, 2, 2, 2], 0)]
        for (z, expected) in cases {
            z.withUnsafeBufferPointer { #expect(firstMaximum($0.baseAddress!, 4) == expected) }
        }
    }

    @Test func maxPoolPassesNaNAndSendsItsGradientToTheFirstNaN() {
        let shape = SampleShape(channels: 1, height: 2, width: 4, isVector: false)
        let out = SampleShape(channels: 1, height: 1, width: 2, isVector: false)
        let x: [Double] = [1, .nan, 7, 8,
                           .nan, 4, 9, 9]
        var y = [Double](repeating: 0, count: 2), dx = [Double](repeating: -1, count: 8)
        let dout: [Double] = [10, 20]
        x.withUnsafeBufferPointer { xb in
            y.withUnsafeMutableBufferPointer { maxPool(xb.baseAddress!, shape, size: 2, stride: 2, out, $0.baseAddress!, dx: nil, dout: nil) }
            dx.withUnsafeMutableBufferPointer { d in
                dout.withUnsafeBufferPointer { maxPool(xb.baseAddress!, shape, size: 2, stride: 2, out, nil, dx: d.baseAddress!, dout: $0.baseAddress!) }
            }
        }
        #expect(y[0].isNaN && y[1] == 9)
        #expect(dx == [0, 10, 0, 0, 0, 0, 20, 0])  // the first NaN; the first of the two 9s
    }

    @Test func historyMatchesAnEvaluationAfterwards() throws {
        let net = try ConvNet(inputShape: [2, 6, 6], layers: layers, seed: 4)
        let (x, y) = try data(20, seed: 1)
        let (vx, vy) = try data(7, seed: 2)
        let history = try net.fit(x, rows: 20, labels: y, epochs: 3, learningRate: 0.01, batchSize: 6,
                                  optimizer: .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8), validation: (vx, 7, vy))
        #expect(history.count == 3)
        let scored = try net.evaluate(vx, rows: 7, labels: vy)
        #expect(history[2].validationLoss == scored.loss && history[2].validationAccuracy == scored.accuracy)
        for epoch in history {
            #expect(epoch.seconds > 0 && epoch.loss > 0)
            #expect((epoch.accuracy * 20).rounded() == epoch.accuracy * 20)
        }
        let plain = try net.fit(x, rows: 20, labels: y, epochs: 1, learningRate: 0.01, batchSize: 6,
                                optimizer: .sgd(momentum: 0.9, nesterov: false))
        #expect(plain[0].validationLoss.isNaN && plain[0].validationAccuracy.isNaN)
    }

    @Test func refusedAndCancelledFitsChangeNothing() throws {
        let net = try ConvNet(inputShape: [2, 6, 6], layers: layers, seed: 4)
        let twin = try ConvNet(inputShape: [2, 6, 6], layers: layers, seed: 4)
        let (x, y) = try data(12, seed: 1)
        let sgd = ConvOptimizer.sgd(momentum: 0.9, nesterov: false)
        #expect(throws: SwiftMoonsError.self) {
            _ = try net.fit(x, rows: 12, labels: y, epochs: 2, learningRate: 0.01, batchSize: 4, optimizer: sgd,
                            validation: (Array(x[..<72]), 1, [5]))
        }
        let progress = Progress()
        progress.cancel()
        #expect(throws: SwiftMoonsError.self) {
            _ = try net.fit(x, rows: 12, labels: y, epochs: 2, learningRate: 0.01, batchSize: 4, optimizer: sgd,
                            progress: progress)
        }
        var nan = x
        nan[5] = .nan
        #expect(throws: SwiftMoonsError.self) {
            _ = try net.fit(nan, rows: 12, labels: y, epochs: 1, learningRate: 0.01, batchSize: 4, optimizer: sgd)
        }
        #expect(throws: SwiftMoonsError.self) {
            _ = try net.fit(x, rows: 12, labels: y, epochs: 1, learningRate: 0.01, batchSize: 4, optimizer: sgd,
                            validation: (nan, 12, y))
        }
        #expect(throws: SwiftMoonsError.self) { _ = try ConvNet(inputShape: [2, 6, 6], layers: layers, initializer: .auto) }
        #expect(net.parameters == twin.parameters)
        let a = try net.fit(x, rows: 12, labels: y, epochs: 2, learningRate: 0.01, batchSize: 4, optimizer: sgd)
        let b = try twin.fit(x, rows: 12, labels: y, epochs: 2, learningRate: 0.01, batchSize: 4, optimizer: sgd)
        #expect(a.map(\.loss) == b.map(\.loss) && net.parameters == twin.parameters)
    }
}
