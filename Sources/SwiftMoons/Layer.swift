#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One layer of a network, as the passes see it: the values per sample it
/// takes and gives, where its parameters lie in the network's flat vector,
/// and its forward and backward passes over a batch in the column layout
/// of ColumnKernels.swift (feature j's values for all samples contiguous,
/// `stride` apart). A network is a chain of layers; the output kind
/// (Output.swift) turns the last one's z into outputs and its loss.
///
/// `DenseLayer` is the first kind. A kind of layer brings its own shapes,
/// parameters and passes; the network's loops only call these.
protocol Layer {
    /// Values per sample in and out.
    var inputWidth: Int { get }
    var outputWidth: Int { get }
    /// Its parameters' place in the network's flat vector.
    var parameterRange: Range<Int> { get }

    /// z and a = f(z) for a batch whose input columns are `input` (for the
    /// last layer, z alone: the output kind makes the outputs). `keepZ`
    /// asks for z even where only a is needed; with `derivative` (a
    /// training pass), f'(z) is stored there for `backward` where the
    /// activation allows (`storesDerivative`).
    func forward(_ input: UnsafePointer<Double>, _ p: UnsafePointer<Double>, stride: Int, keepZ: Bool,
                 z: UnsafeMutablePointer<Double>, a: UnsafeMutablePointer<Double>,
                 derivative: UnsafeMutablePointer<Double>?, pack: PackScratch)

    /// Given dz (the loss's gradient with respect to this layer's z), the
    /// gradients of its parameters into `g`, and, if `below` is the layer
    /// feeding it, that layer's dz in `below.dz` (its activation's
    /// derivative applied as the product's values come out).
    func backward(_ dz: UnsafePointer<Double>, input: UnsafePointer<Double>, _ p: UnsafePointer<Double>,
                  _ g: UnsafeMutablePointer<Double>, stride: Int, below: BelowLayer?, pack: PackScratch)
}

/// The layer under the one running its backward pass: its activation, its
/// forward values and where its dz goes (see `Layer.backward`).
struct BelowLayer {
    let layer: DenseLayer
    let z: UnsafePointer<Double>, a: UnsafePointer<Double>
    /// Its dz; holds f'(z) from a training forward pass where the activation stores it.
    let dz: UnsafeMutablePointer<Double>
    /// Scratch of its width x stride: the product's values before f' where f' is applied apart.
    let scratch: UnsafeMutablePointer<Double>
}

/// z = a W + b (W `fanIn x fanOut` row-major at `weights`, b at `biases`),
/// then a hidden activation, or nothing for the output layer. A PReLU
/// layer's learned slopes (one per unit) follow its biases.
struct DenseLayer: Layer {
    let fanIn: Int, fanOut: Int
    /// The hidden activation; nil for the output layer.
    let activation: Activation?
    let weights: Int, biases: Int
    /// The offset of PReLU's slopes, or nil.
    let slopes: Int?

    var inputWidth: Int { fanIn }
    var outputWidth: Int { fanOut }
    var parameterRange: Range<Int> { weights..<(biases + fanOut + (slopes == nil ? 0 : fanOut)) }

    @inline(__always)
    func forward(_ input: UnsafePointer<Double>, _ p: UnsafePointer<Double>, stride S: Int, keepZ: Bool,
                 z: UnsafeMutablePointer<Double>, a: UnsafeMutablePointer<Double>,
                 derivative d: UnsafeMutablePointer<Double>?, pack: PackScratch) {
        let w = p + weights, b = p + biases
        guard let act = activation else {
            columnAffine(input, fanIn: fanIn, fanOut: fanOut, stride: S, w, b, pack, StoreValues(out: z))
            return
        }
        if let slopes {
            // PReLU: z, then each unit's learned slope on its negatives.
            columnAffine(input, fanIn: fanIn, fanOut: fanOut, stride: S, w, b, pack, StoreValues(out: z))
            let slope = p + slopes
            for j in 0..<fanOut {
                let sj = Vec4(repeating: slope[j]), zj = z + j * S, aj = a + j * S
                var i = 0
                while i < S {
                    let v = load4(zj + i)
                    var r = v * sj
                    r.replace(with: v, where: v .> 0)
                    store4(aj + i, r)
                    i += 4
                }
            }
            return
        }
        if act.kind == .relu {
            // ReLU as the values come out (z only where asked for: its
            // backward pass reads a).
            if keepZ {
                columnAffine(input, fanIn: fanIn, fanOut: fanOut, stride: S, w, b, pack, StoreZAndReLU(z: z, a: a))
            } else {
                columnAffine(input, fanIn: fanIn, fanOut: fanOut, stride: S, w, b, pack, StoreReLU(a: a))
            }
            return
        }
        // Every other activation in the same epilogue: z and f(z), or in a
        // training pass f(z) and f'(z), where the backward pass's dz goes.
        if fusedActivationAffine(act, input, fanIn: fanIn, fanOut: fanOut, stride: S, w, b, z: z, a: a, d: d, pack) {
            return
        }
        columnAffine(input, fanIn: fanIn, fanOut: fanOut, stride: S, w, b, pack, StoreValues(out: z))
        activationForward(act, z, a, fanOut * S)
    }

    @inline(__always)
    func backward(_ dz: UnsafePointer<Double>, input: UnsafePointer<Double>, _ p: UnsafePointer<Double>,
                  _ g: UnsafeMutablePointer<Double>, stride S: Int, below: BelowLayer?, pack: PackScratch) {
        columnWeightGradients(input, dz, fanIn: fanIn, fanOut: fanOut, stride: S, g + weights, g + biases, pack)
        guard let below, let act = below.layer.activation else { return }
        let w = p + weights
        if let slopes = below.layer.slopes {
            // PReLU: da, then dz = da * (1 or the unit's slope); the slope's
            // gradient sums da * z over the samples where z <= 0.
            columnBackAffine(dz, fanIn: fanIn, fanOut: fanOut, stride: S, w, pack, StoreValues(out: below.scratch))
            let slope = p + slopes, gS = g + slopes
            for j in 0..<fanIn {
                let zj = below.z + j * S, dj = below.scratch + j * S, out = below.dz + j * S
                let sj = Vec4(repeating: slope[j])
                var acc = Vec4.zero
                var i = 0
                while i < S {
                    let zv = load4(zj + i), dv = load4(dj + i)
                    var neg = zv
                    neg.replace(with: 0, where: zv .> 0)
                    acc = acc.addingProduct(dv, neg)
                    var local = sj
                    local.replace(with: 1, where: zv .> 0)
                    store4(out + i, dv * local)
                    i += 4
                }
                gS[j] = (acc[0] + acc[1]) + (acc[2] + acc[3])
            }
            return
        }
        // The derivative applied as da comes out: ReLU's and the sigmoid's
        // from a, the others' f'(z) stored by the forward pass.
        switch act.kind {
        case .relu:
            columnBackAffine(dz, fanIn: fanIn, fanOut: fanOut, stride: S, w, pack, ReLUGradient(a: below.a, dz: below.dz))
        case .sigmoid:
            columnBackAffine(dz, fanIn: fanIn, fanOut: fanOut, stride: S, w, pack, SigmoidGradient(a: below.a, dz: below.dz))
        default:
            if fusedActivationBackAffine(act, dz, fanIn: fanIn, fanOut: fanOut, stride: S, w, dz: below.dz,
                                         scratch: below.scratch, pack) {
                return
            }
            columnBackAffine(dz, fanIn: fanIn, fanOut: fanOut, stride: S, w, pack, StoreValues(out: below.scratch))
            activationDerivative(act, below.scratch, below.z, below.a, below.dz, fanIn * S)
        }
    }
}
