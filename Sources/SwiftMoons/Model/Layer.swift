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
    /// Whether its forward product packs W (PackedProducts.swift) rather
    /// than running the narrow layers' rows.
    var packsWeights: Bool { fanIn > narrowLayer }
    /// The values of its weights packed for the forward product (0 if it does not pack).
    var prepackedCount: Int { packsWeights ? SwiftMoons.prepackedCount(reduction: fanIn, units: fanOut) : 0 }

    /// Its weights in the forward product's panels, at `dst` (prepackedCount values).
    func prepackWeights(_ p: UnsafePointer<Double>, into dst: UnsafeMutablePointer<Double>) {
        guard packsWeights else { return }
        prepackPanels(StridedMatrix(base: p + weights, rowStep: fanOut, colStep: 1), reduction: fanIn, units: fanOut, dst)
    }
    var parameterRange: Range<Int> { weights..<(biases + fanOut + (slopes == nil ? 0 : fanOut)) }

    @inline(__always)
    func forward(_ input: UnsafePointer<Double>, _ p: UnsafePointer<Double>, stride S: Int, keepZ: Bool,
                 z: UnsafeMutablePointer<Double>, a: UnsafeMutablePointer<Double>,
                 derivative d: UnsafeMutablePointer<Double>?, pack: PackScratch) {
        denseForward(input, fanIn: fanIn, fanOut: fanOut, stride: S, w: p + weights, b: p + biases,
                     activation: activation, slopes: slopes.map { p + $0 }, keepZ: keepZ, z: z, a: a, derivative: d,
                     pack: pack)
    }

    @inline(__always)
    func backward(_ dz: UnsafePointer<Double>, input: UnsafePointer<Double>, _ p: UnsafePointer<Double>,
                  _ g: UnsafeMutablePointer<Double>, stride S: Int, below: BelowLayer?, pack: PackScratch) {
        columnWeightGradients(input, dz, fanIn: fanIn, fanOut: fanOut, stride: S, g + weights, g + biases, pack)
        guard let below, let act = below.layer.activation else { return }
        denseBackward(dz, fanIn: fanIn, fanOut: fanOut, stride: S, w: p + weights, below: act,
                      slopes: below.layer.slopes.map { (p + $0, g + $0) }, z: below.z, a: below.a, dz: below.dz,
                      scratch: below.scratch, pack: pack)
    }
}
