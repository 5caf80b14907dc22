// The convolutional networks' passes, one sample at a time: each layer's
// forward rule beside its backward rule (python/swiftmoons/reference.py's
// "Convolutional networks" is the spec they are checked against).
//
// A sample's forward pass writes every layer's output one after another
// into a `trace` (the input first), which its backward pass reads; a batch
// is split into a fixed number of chunks of samples (fixed by the batch
// and the parameter count, not by the threads, so the numbers do not
// depend on the thread count), each chunk adding its samples' gradients
// into a buffer of its own, summed in chunk order at the end.
//
// Convolutions copy the sample's windows into a scratch matrix (im2col:
// one row per (input channel, kernel row, kernel column), one column per
// output position) and multiply: forward out[o, :] = sum_r w[o, r] cols[r, :]
// (+ bias), weight gradient dw[o, r] += dout[o, :] . cols[r, :], data
// gradient dcols[r, :] = sum_o w[o, r] dout[o, :], added back into the
// input's positions (col2im). The products are simple loops over
// contiguous rows (the compiler vectorizes them), not the packed GEMM.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - The plan

/// One layer with its shapes and where its parameters lie.
struct ConvStep {
    let layer: ConvLayer
    let input: SampleShape
    let output: SampleShape
    /// Offsets in the flat parameters: weight, bias, PReLU slopes.
    var weight = 0, weightCount = 0, bias = 0, slope = 0
    /// A weight's (fan_in, fan_out), nil for layers without one.
    var fans: (in: Int, out: Int)? = nil
    /// A Dropout layer's values per sample before this layer's among all
    /// Dropout layers' (its masks' place in a batch's masks, times rows).
    var maskPrefix = 0
}

/// The layers of a network checked against the input shape, with their
/// parameter offsets and the sizes of a sample's scratch.
struct ConvPlan {
    let input: SampleShape
    let steps: [ConvStep]
    let parameterCount: Int
    /// Where each layer's output starts in a sample's trace (index 0: the input).
    let traceOffsets: [Int]
    let traceSize: Int
    /// The largest value count of any layer's input or output.
    let maxValues: Int
    /// The largest im2col matrix (rows x output positions).
    let maxColumns: Int
    /// Each Dropout layer's values per sample, in order.
    let dropoutSizes: [Int]
    var maskValuesPerSample: Int { dropoutSizes.reduce(0, +) }

    init(inputShape: [Int], layers: [ConvLayer]) throws {
        guard inputShape.count == 1 || inputShape.count == 3 else {
            throw SwiftMoonsError.badShape("input_shape must be (C, H, W) or (D,), got \(inputShape)")
        }
        if let bad = inputShape.first(where: { $0 < 1 }) {
            throw SwiftMoonsError.badArgument("input_shape's sizes must be >= 1, got \(bad)")
        }
        do {
            var shape = inputShape.count == 1
                ? SampleShape(channels: inputShape[0], height: 1, width: 1, isVector: true)
                : SampleShape(channels: inputShape[0], height: inputShape[1], width: inputShape[2], isVector: false)
            guard !layers.isEmpty else {
                throw SwiftMoonsError.badArgument("A network needs at least one layer, the last a Dense layer")
            }
            guard layers.count <= 4096 else { throw SwiftMoonsError.badArgument("At most 4096 layers, got \(layers.count)") }
            input = shape
            _ = try checkedCount(shape.channels, shape.height, shape.width, what: "input_shape")
            var steps: [ConvStep] = [], offset = 0, offsets = [0], trace = shape.count
            var maxValues = shape.count, maxColumns = 0, dropouts: [Int] = []
            for (i, layer) in layers.enumerated() {
                let out: SampleShape
                do { out = try ConvPlan.outputShape(layer, shape) } catch let error as SwiftMoonsError {
                    throw SwiftMoonsError.badArgument("layers[\(i)] (\(layer)): \(error.message)")
                }
                // Every size below is a product of these: none may overflow.
                _ = try checkedCount(out.channels, out.height, out.width, what: "layers[\(i)]'s output")
                var step = ConvStep(layer: layer, input: shape, output: out)
                func take(_ n: Int) throws -> Int {
                    defer { offset += n }
                    _ = try checkedCount(offset + n, what: "The parameters")
                    return offset
                }
                switch layer {
                case let .conv2D(channels, k, _, _):
                    step.weightCount = try checkedCount(channels, shape.channels, k, k, what: "layers[\(i)]'s weight")
                    step.weight = try take(step.weightCount)
                    step.bias = try take(channels)
                    step.fans = (shape.channels * k * k, channels * k * k)
                    maxColumns = max(maxColumns, try checkedCount(shape.channels, k, k, out.plane, what: "layers[\(i)]'s windows"))
                case let .dense(units):
                    step.weightCount = try checkedCount(shape.count, units, what: "layers[\(i)]'s weight")
                    step.weight = try take(step.weightCount)
                    step.bias = try take(units)
                    step.fans = (shape.count, units)
                case let .activation(act) where act.kind == .prelu:
                    step.slope = try take(shape.channels)
                case .dropout:
                    step.maskPrefix = dropouts.reduce(0, +)
                    dropouts.append(shape.count)
                default: break
                }
                steps.append(step)
                trace = try checkedCount(trace + out.count, what: "A sample's layer outputs")
                offsets.append(trace - out.count)
                maxValues = max(maxValues, out.count)
                shape = out
            }
            guard case .dense = layers[layers.count - 1] else {
                throw SwiftMoonsError.badArgument("The last layer must be a Dense layer (its units are the classes), got layers[\(layers.count - 1)] = \(layers[layers.count - 1])")
            }
            self.steps = steps
            parameterCount = offset
            traceOffsets = offsets
            traceSize = trace
            self.maxValues = maxValues
            self.maxColumns = maxColumns
            dropoutSizes = dropouts
        }
    }

    /// A layer's output shape, or why it cannot apply to `shape`.
    static func outputShape(_ layer: ConvLayer, _ shape: SampleShape) throws -> SampleShape {
        func image() throws {
            if shape.isVector { throw SwiftMoonsError.badArgument("needs a (C, H, W) input, got \(shape.dimensions)") }
        }
        switch layer {
        case let .conv2D(channels, k, stride, padding):
            guard channels >= 1, k >= 1, stride >= 1, padding >= 0, channels <= Int(Int32.max), k <= 1 << 16,
                  stride <= 1 << 16, padding <= 1 << 16 else {
                throw SwiftMoonsError.badArgument("channels, kernel_size and stride must be >= 1 and padding >= 0")
            }
            try image()
            let h = shape.height + 2 * padding, w = shape.width + 2 * padding
            guard k <= h, k <= w else { throw SwiftMoonsError.badArgument("kernel_size \(k) exceeds the padded input \(h)x\(w)") }
            return SampleShape(channels: channels, height: (h - k) / stride + 1, width: (w - k) / stride + 1, isVector: false)
        case let .maxPool2D(size, stride), let .avgPool2D(size, stride):
            guard size >= 1, stride >= 1, size <= 1 << 16, stride <= 1 << 16 else {
                throw SwiftMoonsError.badArgument("size and stride must be >= 1")
            }
            try image()
            guard size <= shape.height, size <= shape.width else {
                throw SwiftMoonsError.badArgument("size \(size) exceeds the input \(shape.height)x\(shape.width)")
            }
            return SampleShape(channels: shape.channels, height: (shape.height - size) / stride + 1,
                               width: (shape.width - size) / stride + 1, isVector: false)
        case .flatten:
            return SampleShape(channels: shape.count, height: 1, width: 1, isVector: true)
        case let .dense(units):
            guard units >= 1, units <= Int(Int32.max) else { throw SwiftMoonsError.badArgument("units must be >= 1, got \(units)") }
            guard shape.isVector else {
                throw SwiftMoonsError.badArgument("needs a vector input, got \(shape.dimensions); add Flatten() before it")
            }
            return SampleShape(channels: units, height: 1, width: 1, isVector: true)
        case let .dropout(rate):
            guard rate >= 0, rate < 1 else { throw SwiftMoonsError.badArgument("Dropout rate must be in [0, 1), got \(rate)") }
            return shape
        case .activation:
            return shape
        }
    }

    /// The chunks a batch of `rows` is split into: at most 8, and at most
    /// what keeps their gradient buffers within 2^24 values.
    func chunks(rows: Int, parameters: Int) -> Int {
        max(1, min(rows, 8, (1 << 24) / max(parameters, 1)))
    }
}

// MARK: - Scratch

/// The scratch of one call, allocated once: per part (a thread's share or a
/// chunk of a batch) a trace, two gradient buffers, the im2col matrices and
/// a gradient accumulator; and a batch's dropout masks.
final class ConvWorkspace {
    struct Part {
        let trace: UnsafeMutablePointer<Double>
        let dA: UnsafeMutablePointer<Double>, dB: UnsafeMutablePointer<Double>
        let cols: UnsafeMutablePointer<Double>, dcols: UnsafeMutablePointer<Double>
        let grad: UnsafeMutablePointer<Double>
    }
    let base: UnsafeMutablePointer<Double>
    let parts: Int
    let perPart: Int
    let sizes: (trace: Int, values: Int, cols: Int, grad: Int)
    let masks: UnsafeMutablePointer<Double>
    /// Each part's sum of losses, then each part's count of samples whose logits' first maximum was their class.
    let losses: UnsafeMutablePointer<Double>, hits: UnsafeMutablePointer<Double>

    init(_ plan: ConvPlan, parts: Int, gradients: Bool, maskValues: Int = 0) throws {
        let grad = gradients ? plan.parameterCount : 0
        let values = gradients ? plan.maxValues : 0
        let cols = plan.maxColumns
        sizes = (plan.traceSize, values, cols, grad)
        let per = try checkedCount(1, plan.traceSize + 2 * values + (gradients ? 2 : 1) * cols + grad, what: "A sample's scratch")
        let total = try checkedCount(per, parts, what: "The scratch") + maskValues + 2 * parts
        _ = try checkedCount(total, what: "The scratch")
        try checkAllocation(total, "The scratch of \(parts) parts and the dropout masks")
        base = .allocate(capacity: max(total, 1))
        base.initialize(repeating: 0, count: max(total, 1))
        self.parts = parts
        perPart = per
        masks = base + per * parts
        losses = masks + maskValues
        hits = losses + parts
    }

    func release() { base.deallocate() }

    func part(_ i: Int) -> Part {
        let p = base + i * perPart
        let dA = p + sizes.trace, dB = dA + sizes.values, cols = dB + sizes.values
        let dcols = cols + sizes.cols
        let grad = dcols + (sizes.grad > 0 ? sizes.cols : 0)
        return Part(trace: p, dA: dA, dB: dB, cols: cols, dcols: dcols, grad: grad)
    }

    /// A batch's masks from `rng`, as the reference's dropout_mask: for each
    /// Dropout layer in turn, rows x its values of (sample >= rate) / (1 - rate).
    func drawMasks(_ plan: ConvPlan, rows: Int, _ rng: inout RandomState) {
        var at = masks
        for step in plan.steps {
            guard case let .dropout(rate) = step.layer else { continue }
            for i in 0..<(rows * step.input.count) { at[i] = (rng.randomSample() >= rate ? 1.0 : 0.0) / (1 - rate) }
            at += rows * step.input.count
        }
    }
}

// MARK: - Passes

extension ConvPlan {
    /// One sample's forward pass: its layers' outputs into `ws.trace`, the
    /// logits last. `masks` (a batch of `maskRows` rows, this sample's row
    /// `row`) applies dropout; without it Dropout layers copy.
    func forwardSample(_ x: UnsafePointer<Double>, _ p: UnsafePointer<Double>, masks: UnsafePointer<Double>?,
                       maskRows: Int = 0, row: Int = 0, _ ws: ConvWorkspace.Part) {
        ws.trace.update(from: x, count: input.count)
        for (i, step) in steps.enumerated() {
            let a = UnsafePointer(ws.trace + traceOffsets[i]), out = ws.trace + traceOffsets[i + 1]
            let n = step.output.count
            switch step.layer {
            case let .conv2D(_, k, stride, padding):
                im2col(a, step.input, k: k, stride: stride, padding: padding, step.output, ws.cols)
                convForward(UnsafePointer(ws.cols), p + step.weight, p + step.bias, step, out)
            case let .maxPool2D(size, stride):
                maxPool(a, step.input, size: size, stride: stride, step.output, out, dx: nil, dout: nil)
            case let .avgPool2D(size, stride):
                avgPoolForward(a, step.input, size: size, stride: stride, step.output, out)
            case .flatten:
                out.update(from: a, count: n)
            case .dense:
                sampleDenseForward(a, p + step.weight, p + step.bias, fanIn: step.input.count, fanOut: n, out)
            case .dropout:
                if let masks {
                    let m = masks + maskRows * step.maskPrefix + row * n
                    for j in 0..<n { out[j] = a[j] * m[j] }
                } else {
                    out.update(from: a, count: n)
                }
            case let .activation(act):
                if act.kind == .prelu {
                    let plane = step.input.plane
                    for c in 0..<step.input.channels {
                        activationForward(act, a + c * plane, out + c * plane, plane, slope: p[step.slope + c])
                    }
                } else {
                    activationForward(act, a, out, n)
                }
            }
        }
    }

    /// One sample's backward pass after `forwardSample`: `ws.dA` holds
    /// dLoss/dlogits; the parameters' gradients are added into `ws.grad`.
    func backwardSample(_ p: UnsafePointer<Double>, masks: UnsafePointer<Double>?, maskRows: Int, row: Int,
                        _ ws: ConvWorkspace.Part) {
        var cur = ws.dA, next = ws.dB
        let g = ws.grad
        for i in stride(from: steps.count - 1, through: 0, by: -1) {
            let step = steps[i]
            let x = UnsafePointer(ws.trace + traceOffsets[i]), out = UnsafePointer(ws.trace + traceOffsets[i + 1])
            let n = step.output.count, m = step.input.count
            // The first layer's input gradient is not needed.
            let dx: UnsafeMutablePointer<Double>? = i > 0 ? next : nil
            switch step.layer {
            case let .conv2D(_, k, stride, padding):
                im2col(x, step.input, k: k, stride: stride, padding: padding, step.output, ws.cols)
                convBackward(UnsafePointer(cur), UnsafePointer(ws.cols), p + step.weight, step, g + step.weight,
                             g + step.bias, dcols: dx == nil ? nil : ws.dcols)
                if let dx { col2im(UnsafePointer(ws.dcols), step.input, k: k, stride: stride, padding: padding, step.output, dx) }
            case let .maxPool2D(size, stride):
                if let dx { maxPool(x, step.input, size: size, stride: stride, step.output, nil, dx: dx, dout: UnsafePointer(cur)) }
            case let .avgPool2D(size, stride):
                if let dx { avgPoolBackward(UnsafePointer(cur), step.input, size: size, stride: stride, step.output, dx) }
            case .flatten:
                if let dx { dx.update(from: cur, count: m) }
            case .dense:
                sampleDenseBackward(UnsafePointer(cur), x, p + step.weight, fanIn: m, fanOut: n, g + step.weight, g + step.bias, dx)
            case .dropout:
                if let dx {
                    if let masks {
                        let mk = masks + maskRows * step.maskPrefix + row * n
                        for j in 0..<n { dx[j] = cur[j] * mk[j] }
                    } else {
                        dx.update(from: cur, count: n)
                    }
                }
            case let .activation(act):
                if act.kind == .prelu {
                    let plane = step.input.plane
                    for c in 0..<step.input.channels {
                        // d out / d slope = z where z <= 0.
                        var s = 0.0
                        for j in (c * plane)..<((c + 1) * plane) { s += cur[j] * (x[j] > 0 ? 0 : x[j]) }
                        g[step.slope + c] += s
                        if let dx {
                            activationDerivative(act, cur + c * plane, x + c * plane, out + c * plane, dx + c * plane, plane,
                                                 slope: p[step.slope + c])
                        }
                    }
                } else if let dx {
                    activationDerivative(act, cur, x, out, dx, n)
                }
            }
            swap(&cur, &next)
        }
    }

    /// Loss and flat gradient (into `g`) of a batch: rows `order[0..<rows]`
    /// of `x`, their classes in `y` (indexed by sample), dropout `masks`
    /// for the batch's rows in order (or nil: no dropout).
    /// One training pass over `rows` samples (`order` picks them from x):
    /// the flat gradient of their mean loss into g. Returns the mean loss and
    /// how many samples' logits had their first maximum at the sample's class.
    func batchGradient(_ p: UnsafePointer<Double>, _ x: UnsafePointer<Double>, _ order: UnsafePointer<Int>, rows: Int,
                       _ y: UnsafePointer<Int64>, masks: UnsafePointer<Double>?, into g: UnsafeMutablePointer<Double>,
                       _ space: ConvWorkspace) -> (loss: Double, correct: Int) {
        let parts = min(space.parts, rows), k = steps[steps.count - 1].output.count
        let count = parameterCount, width = input.count, last = traceOffsets[steps.count]
        Parallel.forEach(parts) { c in
            let ws = space.part(c)
            ws.grad.update(repeating: 0, count: count)
            var loss = 0.0, correct = 0
            for r in (c * rows / parts)..<((c + 1) * rows / parts) {
                let sample = order[r]
                forwardSample(x + sample * width, p, masks: masks, maskRows: rows, row: r, ws)
                let logits = ws.trace + last
                if firstMaximum(UnsafePointer(logits), k) == Int(y[sample]) { correct += 1 }
                ws.dA.update(from: logits, count: k)
                loss += sampleCrossEntropy(ws.dA, k, Int(y[sample]), rows: rows)
                backwardSample(p, masks: masks, maskRows: rows, row: r, ws)
            }
            space.losses[c] = loss
            space.hits[c] = Double(correct)
        }
        g.update(from: space.part(0).grad, count: count)
        var total = space.losses[0], correct = space.hits[0]
        for c in 1..<max(parts, 1) {
            let partial = space.part(c).grad
            for j in 0..<count { g[j] += partial[j] }
            total += space.losses[c]
            correct += space.hits[c]
        }
        return (total / Double(rows), Int(correct))
    }
}

/// The index of the first largest of z[0..<k], or of the first NaN if there
/// is one: NumPy's argmax.
@inline(__always)
func firstMaximum(_ z: UnsafePointer<Double>, _ k: Int) -> Int {
    var best = 0
    for i in 0..<k {
        if z[i].isNaN { return i }
        if z[i] > z[best] { best = i }
    }
    return best
}

// MARK: - Layers

/// The output columns ow whose input column ow * stride + j - padding lies
/// inside 0..<width: ow in lo..<hi (empty when lo >= hi).
@inline(__always)
func insideColumns(_ j: Int, stride: Int, padding: Int, width: Int, outputs: Int) -> (lo: Int, hi: Int) {
    // ow * stride >= padding - j, and ow * stride <= width - 1 + padding - j.
    let first = padding &- j
    let lo = first <= 0 ? 0 : (first &+ stride &- 1) / stride
    let last = width &- 1 &+ padding &- j
    let hi = last < 0 ? 0 : min(outputs, last / stride &+ 1)
    return (min(lo, outputs), max(min(lo, outputs), hi))
}

/// cols[r, q] for r = (c, i, j) and output position q = (oh, ow): the input
/// x[c, oh s + i - pad, ow s + j - pad], 0 outside it.
@inline(__always)
func im2col(_ x: UnsafePointer<Double>, _ s: SampleShape, k: Int, stride: Int, padding: Int, _ o: SampleShape,
            _ cols: UnsafeMutablePointer<Double>) {
    let P = o.plane
    var r = 0
    for c in 0..<s.channels {
        let plane = x + c &* s.plane
        for i in 0..<k {
            for j in 0..<k {
                let row = cols + r &* P
                let (lo, hi) = insideColumns(j, stride: stride, padding: padding, width: s.width, outputs: o.width)
                for oh in 0..<o.height {
                    let ih = oh &* stride &+ i &- padding
                    let dst = row + oh &* o.width
                    if ih < 0 || ih >= s.height || lo >= hi {
                        dst.update(repeating: 0, count: o.width)
                        continue
                    }
                    // Inside the input: ow * stride + j - padding in 0..<width.
                    let base = ih &* s.width &+ j &- padding
                    for ow in 0..<lo { dst[ow] = 0 }
                    if stride == 1 {
                        (dst + lo).update(from: plane + (base &+ lo), count: hi &- lo)
                    } else {
                        for ow in lo..<hi { dst[ow] = plane[base &+ ow &* stride] }
                    }
                    for ow in hi..<o.width { dst[ow] = 0 }
                }
                r &+= 1
            }
        }
    }
}

/// dx = the sum, over every window, of dcols's values at their input positions.
@inline(__always)
func col2im(_ dcols: UnsafePointer<Double>, _ s: SampleShape, k: Int, stride: Int, padding: Int, _ o: SampleShape,
            _ dx: UnsafeMutablePointer<Double>) {
    dx.update(repeating: 0, count: s.count)
    let P = o.plane
    var r = 0
    for c in 0..<s.channels {
        let plane = dx + c &* s.plane
        for i in 0..<k {
            for j in 0..<k {
                let row = dcols + r &* P
                let (lo, hi) = insideColumns(j, stride: stride, padding: padding, width: s.width, outputs: o.width)
                r &+= 1
                guard lo < hi else { continue }
                for oh in 0..<o.height {
                    let ih = oh &* stride &+ i &- padding
                    guard ih >= 0, ih < s.height else { continue }
                    let base = ih &* s.width &+ j &- padding, src = row + oh &* o.width
                    for ow in lo..<hi { plane[base &+ ow &* stride] += src[ow] }
                }
            }
        }
    }
}

/// y[0..<n] += a x[0..<n].
@inline(__always)
func axpy(_ y: UnsafeMutablePointer<Double>, _ a: Double, _ x: UnsafePointer<Double>, _ n: Int) {
    for i in 0..<n { y[i] += a * x[i] }
}

/// x . y over n values, in four interleaved sums.
@inline(__always)
func dot(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ n: Int) -> Double {
    var s = Vec4.zero, i = 0
    while i &+ 4 <= n {
        s += load4(x + i) * load4(y + i)
        i &+= 4
    }
    var total = (s[0] + s[1]) + (s[2] + s[3])
    while i < n { total += x[i] * y[i]; i &+= 1 }
    return total
}

/// out[o, :] = sum_r w[o, r] cols[r, :] + b[o]: each sum in order of r from
/// zero, the bias added last. Tiles of four outputs by eight positions keep
/// their sums in registers while the reduction runs (each row of cols is
/// loaded once for four outputs).
func convForward(_ cols: UnsafePointer<Double>, _ w: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ step: ConvStep,
                 _ out: UnsafeMutablePointer<Double>) {
    let O = step.output.channels, P = step.output.plane, R = step.weightCount / max(O, 1)
    var o = 0
    while o < O {
        let n = min(4, O &- o)
        // Rows past the last output repeat it and are not stored.
        let w0 = w + o &* R, w1 = w + (o &+ min(1, n &- 1)) &* R
        let w2 = w + (o &+ min(2, n &- 1)) &* R, w3 = w + (o &+ min(3, n &- 1)) &* R
        var q = 0
        while q &+ 8 <= P {
            var a0 = Vec4.zero, b0 = Vec4.zero, a1 = Vec4.zero, b1 = Vec4.zero
            var a2 = Vec4.zero, b2 = Vec4.zero, a3 = Vec4.zero, b3 = Vec4.zero
            var c = cols + q
            for r in 0..<R {
                let lo = load4(c), hi = load4(c + 4)
                let v0 = Vec4(repeating: w0[r]), v1 = Vec4(repeating: w1[r])
                let v2 = Vec4(repeating: w2[r]), v3 = Vec4(repeating: w3[r])
                a0 += v0 * lo; b0 += v0 * hi
                a1 += v1 * lo; b1 += v1 * hi
                a2 += v2 * lo; b2 += v2 * hi
                a3 += v3 * lo; b3 += v3 * hi
                c += P
            }
            let sums = ((a0, b0), (a1, b1), (a2, b2), (a3, b3))
            for k in 0..<n {
                let bias = Vec4(repeating: b[o &+ k]), row = out + (o &+ k) &* P + q, sum = lane(sums, k)
                store4(row, sum.0 + bias)
                store4(row + 4, sum.1 + bias)
            }
            q &+= 8
        }
        // The last positions, one at a time, in the same order.
        while q < P {
            for k in 0..<n {
                let wk = w + (o &+ k) &* R
                var s = 0.0
                for r in 0..<R { s += wk[r] * cols[r &* P &+ q] }
                out[(o &+ k) &* P &+ q] = s + b[o &+ k]
            }
            q &+= 1
        }
        o &+= 4
    }
}

/// Item k of four (a tile's rows), without an array.
@inline(__always)
func lane<T>(_ t: (T, T, T, T), _ k: Int) -> T {
    switch k {
    case 0: return t.0
    case 1: return t.1
    case 2: return t.2
    default: return t.3
    }
}

/// dw[o, r] += dout[o, :] . cols[r, :] (each dot as `dot` sums it), db[o] +=
/// sum dout[o, :], and, with `dcols`, dcols[r, :] = sum_o w[o, r] dout[o, :]
/// in order of o from zero.
func convBackward(_ dout: UnsafePointer<Double>, _ cols: UnsafePointer<Double>, _ w: UnsafePointer<Double>, _ step: ConvStep,
                  _ dw: UnsafeMutablePointer<Double>, _ db: UnsafeMutablePointer<Double>, dcols: UnsafeMutablePointer<Double>?) {
    let O = step.output.channels, P = step.output.plane, R = step.weightCount / max(O, 1)
    for o in 0..<O {
        let d = dout + o &* P
        var s = 0.0
        for q in 0..<P { s += d[q] }
        db[o] += s
    }
    // The weight gradient: tiles of four outputs by two rows of cols, eight
    // four-lane sums, each pair of loads serving four products.
    var o = 0
    while o < O {
        let n = min(4, O &- o)
        let d0 = dout + o &* P, d1 = dout + (o &+ min(1, n &- 1)) &* P
        let d2 = dout + (o &+ min(2, n &- 1)) &* P, d3 = dout + (o &+ min(3, n &- 1)) &* P
        var r = 0
        while r < R {
            let m = min(2, R &- r)
            let c0 = cols + r &* P, c1 = cols + (r &+ m &- 1) &* P
            var s00 = Vec4.zero, s01 = Vec4.zero, s10 = Vec4.zero, s11 = Vec4.zero
            var s20 = Vec4.zero, s21 = Vec4.zero, s30 = Vec4.zero, s31 = Vec4.zero
            var q = 0
            while q &+ 4 <= P {
                let x0 = load4(c0 + q), x1 = load4(c1 + q)
                let e0 = load4(d0 + q), e1 = load4(d1 + q), e2 = load4(d2 + q), e3 = load4(d3 + q)
                s00 += e0 * x0; s01 += e0 * x1
                s10 += e1 * x0; s11 += e1 * x1
                s20 += e2 * x0; s21 += e2 * x1
                s30 += e3 * x0; s31 += e3 * x1
                q &+= 4
            }
            let sums = ((s00, s01), (s10, s11), (s20, s21), (s30, s31))
            for k in 0..<n {
                let dk = lane((d0, d1, d2, d3), k), sum = lane(sums, k)
                for j in 0..<m {
                    let v = j == 0 ? sum.0 : sum.1, cj = j == 0 ? c0 : c1
                    var total = (v[0] + v[1]) + (v[2] + v[3])
                    for t in q..<P { total += dk[t] * cj[t] }
                    dw[(o &+ k) &* R &+ r &+ j] += total
                }
            }
            r &+= 2
        }
        o &+= 4
    }
    guard let dcols else { return }
    // The windows' gradient: tiles of four rows of cols by eight positions.
    var r = 0
    while r < R {
        let n = min(4, R &- r)
        var q = 0
        while q &+ 8 <= P {
            var a0 = Vec4.zero, b0 = Vec4.zero, a1 = Vec4.zero, b1 = Vec4.zero
            var a2 = Vec4.zero, b2 = Vec4.zero, a3 = Vec4.zero, b3 = Vec4.zero
            for o in 0..<O {
                let d = dout + o &* P + q, wo = w + o &* R + r
                let lo = load4(d), hi = load4(d + 4)
                let v0 = Vec4(repeating: wo[0]), v1 = Vec4(repeating: wo[min(1, n &- 1)])
                let v2 = Vec4(repeating: wo[min(2, n &- 1)]), v3 = Vec4(repeating: wo[min(3, n &- 1)])
                a0 += v0 * lo; b0 += v0 * hi
                a1 += v1 * lo; b1 += v1 * hi
                a2 += v2 * lo; b2 += v2 * hi
                a3 += v3 * lo; b3 += v3 * hi
            }
            let sums = ((a0, b0), (a1, b1), (a2, b2), (a3, b3))
            for k in 0..<n {
                let sum = lane(sums, k)
                store4(dcols + (r &+ k) &* P + q, sum.0)
                store4(dcols + (r &+ k) &* P + q + 4, sum.1)
            }
            q &+= 8
        }
        while q < P {
            for k in 0..<n {
                var s = 0.0
                for o in 0..<O { s += w[o &* R &+ r &+ k] * dout[o &* P &+ q] }
                dcols[(r &+ k) &* P &+ q] = s
            }
            q &+= 1
        }
        r &+= 4
    }
}

/// The largest value of each window (the first, in row-major window order,
/// if several are equal; the first NaN if there is one, as NumPy's max and
/// argmax); with `dx`, dout goes to that position instead.
func maxPool(_ x: UnsafePointer<Double>, _ s: SampleShape, size: Int, stride: Int, _ o: SampleShape,
             _ out: UnsafeMutablePointer<Double>?, dx: UnsafeMutablePointer<Double>?, dout: UnsafePointer<Double>?) {
    if let dx { dx.update(repeating: 0, count: s.count) }
    for c in 0..<s.channels {
        let plane = x + c * s.plane
        for oh in 0..<o.height {
            for ow in 0..<o.width {
                var best = (oh * stride) * s.width + ow * stride
                for i in 0..<size {
                    let rowStart = (oh * stride + i) * s.width + ow * stride
                    for j in 0..<size {
                        let v = plane[rowStart + j]
                        if v > plane[best] || (v.isNaN && !plane[best].isNaN) { best = rowStart + j }
                    }
                }
                let q = c * o.plane + oh * o.width + ow
                if let out { out[q] = plane[best] }
                if let dx, let dout { dx[c * s.plane + best] += dout[q] }
            }
        }
    }
}

func avgPoolForward(_ x: UnsafePointer<Double>, _ s: SampleShape, size: Int, stride: Int, _ o: SampleShape,
                    _ out: UnsafeMutablePointer<Double>) {
    let area = Double(size * size)
    for c in 0..<s.channels {
        let plane = x + c * s.plane
        for oh in 0..<o.height {
            for ow in 0..<o.width {
                var sum = 0.0
                for i in 0..<size {
                    let rowStart = (oh * stride + i) * s.width + ow * stride
                    for j in 0..<size { sum += plane[rowStart + j] }
                }
                out[c * o.plane + oh * o.width + ow] = sum / area
            }
        }
    }
}

/// Each window spreads dout / size^2 over its positions.
func avgPoolBackward(_ dout: UnsafePointer<Double>, _ s: SampleShape, size: Int, stride: Int, _ o: SampleShape,
                     _ dx: UnsafeMutablePointer<Double>) {
    dx.update(repeating: 0, count: s.count)
    let area = Double(size * size)
    for c in 0..<s.channels {
        let plane = dx + c * s.plane
        for oh in 0..<o.height {
            for ow in 0..<o.width {
                let share = dout[c * o.plane + oh * o.width + ow] / area
                for i in 0..<size {
                    let rowStart = (oh * stride + i) * s.width + ow * stride
                    for j in 0..<size { plane[rowStart + j] += share }
                }
            }
        }
    }
}

/// Units at or below which a dense layer of one sample runs unit by unit
/// (a strided dot product each) instead of row by row of its weight: a row
/// of one to four values is too short for a loop of its own.
let narrowDenseUnits = 4

/// out = x w + b for one sample (w: fanIn x fanOut, row-major).
func sampleDenseForward(_ x: UnsafePointer<Double>, _ w: UnsafePointer<Double>, _ b: UnsafePointer<Double>, fanIn: Int, fanOut: Int,
                  _ out: UnsafeMutablePointer<Double>) {
    if fanOut <= narrowDenseUnits {
        for u in 0..<fanOut { out[u] = stridedDot(x, w + u, stride: fanOut, fanIn) + b[u] }
        return
    }
    // Four rows of w per pass over out, so that out is loaded and stored a
    // quarter as often.
    out.update(repeating: 0, count: fanOut)
    var i = 0
    while i &+ 4 <= fanIn {
        let a0 = x[i], a1 = x[i &+ 1], a2 = x[i &+ 2], a3 = x[i &+ 3]
        let w0 = w + i &* fanOut, w1 = w0 + fanOut, w2 = w1 + fanOut, w3 = w2 + fanOut
        for u in 0..<fanOut { out[u] += ((a0 * w0[u] + a1 * w1[u]) + a2 * w2[u]) + a3 * w3[u] }
        i &+= 4
    }
    while i < fanIn { axpy(out, x[i], w + i &* fanOut, fanOut); i &+= 1 }
    for u in 0..<fanOut { out[u] += b[u] }
}

/// dw += x^T dout, db += dout and dx = dout w^T (if wanted) for one sample.
func sampleDenseBackward(_ dout: UnsafePointer<Double>, _ x: UnsafePointer<Double>, _ w: UnsafePointer<Double>, fanIn: Int,
                   fanOut: Int, _ dw: UnsafeMutablePointer<Double>, _ db: UnsafeMutablePointer<Double>,
                   _ dx: UnsafeMutablePointer<Double>?) {
    for u in 0..<fanOut { db[u] += dout[u] }
    if fanOut <= narrowDenseUnits {
        // Unit by unit, each a pass down a column of w and dw.
        if let dx { dx.update(repeating: 0, count: fanIn) }
        for u in 0..<fanOut {
            let d = dout[u], wu = w + u, dwu = dw + u
            var i = 0, at = 0
            if let dx {
                while i < fanIn { dwu[at] += x[i] * d; dx[i] += d * wu[at]; i &+= 1; at &+= fanOut }
            } else {
                while i < fanIn { dwu[at] += x[i] * d; i &+= 1; at &+= fanOut }
            }
        }
        return
    }
    for i in 0..<fanIn {
        axpy(dw + i * fanOut, x[i], dout, fanOut)
        if let dx { dx[i] = dot(dout, w + i * fanOut, fanOut) }
    }
}

/// sum_i x[i] y[i * stride] over n values, in four interleaved sums.
@inline(__always)
func stridedDot(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, stride: Int, _ n: Int) -> Double {
    var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, i = 0, at = 0
    while i &+ 4 <= n {
        s0 += x[i] * y[at]
        s1 += x[i &+ 1] * y[at &+ stride]
        s2 += x[i &+ 2] * y[at &+ 2 &* stride]
        s3 += x[i &+ 3] * y[at &+ 3 &* stride]
        i &+= 4
        at &+= 4 &* stride
    }
    var total = (s0 + s1) + (s2 + s3)
    while i < n { total += x[i] * y[at]; i &+= 1; at &+= stride }
    return total
}

/// softmax in place over `k` values.
func softmaxInPlace(_ z: UnsafeMutablePointer<Double>, _ k: Int) {
    var m = z[0]
    for i in 0..<k where z[i] > m { m = z[i] }
    var s = 0.0
    for i in 0..<k { z[i] = exp(z[i] - m); s += z[i] }
    for i in 0..<k { z[i] /= s }
}

/// The cross-entropy of logits `z` (k values) for class `y`, as the
/// reference computes it: log(sum exp(z - max)) - (z[y] - max). With
/// `rows`, z becomes its share of a batch's gradient: (softmax(z) - onehot(y)) / rows.
func sampleCrossEntropy(_ z: UnsafeMutablePointer<Double>, _ k: Int, _ y: Int, rows: Int? = nil) -> Double {
    var m = z[0]
    for i in 0..<k where z[i] > m { m = z[i] }
    var s = 0.0
    for i in 0..<k { s += exp(z[i] - m) }
    let loss = log(s) - (z[y] - m)
    if let rows {
        for i in 0..<k { z[i] = exp(z[i] - m) / s }
        z[y] -= 1
        let n = Double(rows)
        for i in 0..<k { z[i] /= n }
    }
    return loss
}
