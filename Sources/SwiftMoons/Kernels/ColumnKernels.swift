#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Training and large forward passes run unit-major ("column") scratch: unit
// j's values for all samples of a batch lie contiguous, so every layer is
// broadcast-weight x vector-of-samples multiply-adds, four samples per
// instruction, however narrow the layer (the article's are 8, 8 and 1 wide).
// Batches are padded to a multiple of four samples; padded inputs are zero
// and padded deltas are zero, so they never reach a gradient or a loss.

/// Offsets of the column-major buffers for a batch of up to `stride` samples.
struct ColumnLayout {
    let stride: Int
    let input: Int, targets: Int, terms: Int, da: Int, transposeScratch: Int
    let z: [Int], a: [Int], d: [Int]
    /// The packed products' scratch (PackedProducts.swift): `packParts`
    /// regions, none for networks whose layers are all narrow.
    let pack: Int, packParts: Int
    let total: Int

    /// The stride of a batch of `rows` samples: padded to a multiple of four.
    /// A layout made for more rows holds it too (its offsets are fixed), so
    /// a short last batch costs only its own samples.
    static func stride(rows: Int) -> Int { (rows + 3) & ~3 }

    /// A layout for batches of up to `rows` samples. `forwardOnly` leaves out
    /// what only training needs (targets, deltas and the loss's scratch):
    /// forward passes then hold an input, a z and an a per layer, nothing more.
    init(sizes: [Int], rows: Int, targetWidth: Int, forwardOnly: Bool = false) throws {
        let s = ColumnLayout.stride(rows: rows)
        stride = s
        var t = 0
        func take(_ n: Int) throws -> Int {
            defer { t += n }
            _ = try checkedCount(1, t + n, what: "Scratch for \(rows) rows")
            return t
        }
        input = try take(try checkedCount(sizes[0], s, what: "Scratch"))
        targets = try take(forwardOnly ? 0 : try checkedCount(targetWidth, s, what: "Scratch"))
        var z: [Int] = [], a: [Int] = [], d: [Int] = []
        for w in sizes.dropFirst() {
            let n = try checkedCount(w, s, what: "Scratch")
            z.append(try take(n)); a.append(try take(n))
            d.append(forwardOnly ? z[z.count - 1] : try take(n))  // unused by forward passes
        }
        self.z = z; self.a = a; self.d = d
        let widest = forwardOnly ? 0 : try checkedCount(sizes.max() ?? 1, s, what: "Scratch")
        da = try take(widest)
        terms = try take(widest)
        transposeScratch = try take(widest)
        packParts = PackScratch.parts(for: sizes)
        pack = try take(try checkedCount(packParts, PackScratch.perPart, what: "Scratch"))
        total = t
    }

    /// The packed products' scratch in the buffer `s` laid out by this layout.
    @inline(__always)
    func packScratch(_ s: UnsafeMutablePointer<Double>) -> PackScratch { PackScratch(base: s + pack, parts: packParts) }

    /// The values of scratch one sample needs in a forward pass.
    static func forwardValuesPerRow(_ sizes: [Int]) -> Int {
        sizes.dropFirst().reduce(sizes.first ?? 0) { $0 &+ 2 &* $1 }
    }
}

/// dst[j * stride + i] = src[i * width + j] for i < rows; padded samples get 0.
@inline(__always)
func toColumns(_ src: UnsafePointer<Double>, rows: Int, width: Int, stride: Int, _ dst: UnsafeMutablePointer<Double>) {
    if width == 2 {
        // Two features (the moons): split pairs four rows at a time.
        let c0 = dst, c1 = dst + stride
        var i = 0
        while i + 4 <= rows {
            let a = load4(src + 2 * i), b = load4(src + 2 * i + 4)
            store4(c0 + i, Vec4(lowHalf: a.evenHalf, highHalf: b.evenHalf))
            store4(c1 + i, Vec4(lowHalf: a.oddHalf, highHalf: b.oddHalf))
            i += 4
        }
        while i < rows { c0[i] = src[2 * i]; c1[i] = src[2 * i + 1]; i += 1 }
        if rows < stride { for r in rows..<stride { c0[r] = 0; c1[r] = 0 } }
        return
    }
    for j in 0..<width {
        let col = dst + j * stride
        for i in 0..<rows { col[i] = src[i * width + j] }
        if rows < stride { for i in rows..<stride { col[i] = 0 } }
    }
}

/// Rows `order[0..<rows]` of the row-major `src` (`width` values each),
/// written straight into columns of `stride` (zero past `rows`): a batch
/// gathered and transposed in one pass.
func gatherColumns(_ src: UnsafePointer<Double>, _ order: UnsafePointer<Int>, rows: Int, width: Int, stride: Int,
                   _ dst: UnsafeMutablePointer<Double>) {
    for r in 0..<rows {
        let row = src + order[r] &* width
        var j = 0
        while j < width { dst[j &* stride &+ r] = row[j]; j &+= 1 }
    }
    if rows < stride { for j in 0..<width { (dst + j &* stride + rows).update(repeating: 0, count: stride - rows) } }
}

/// What a layer kernel does with each block of results it computes, while
/// they are still in registers: `block` takes 16 values (four vectors) at
/// offset `at` of the output, `single` four. Fusing ReLU (and the
/// derivatives going back) saves a pass over memory per layer. Generic, not
/// closures, so that each kernel is compiled with its epilogue inlined.
protocol Epilogue {
    func block(_ at: Int, _ c0: Vec4, _ c1: Vec4, _ c2: Vec4, _ c3: Vec4)
    func single(_ at: Int, _ c0: Vec4)
    /// Where a long reduction keeps its running sums between blocks of terms:
    /// the buffer the epilogue finally writes, laid out as the results.
    var partial: UnsafeMutablePointer<Double> { get }
}

extension Epilogue {
    @inline(__always)
    func block(_ at: Int, _ c0: Vec4, _ c1: Vec4, _ c2: Vec4, _ c3: Vec4) {
        single(at, c0); single(at &+ 4, c1); single(at &+ 8, c2); single(at &+ 12, c3)
    }
}

/// Writes the values to `out`.
struct StoreValues: Epilogue {
    let out: UnsafeMutablePointer<Double>
    var partial: UnsafeMutablePointer<Double> { out }
    @inline(__always) func single(_ at: Int, _ c0: Vec4) { store4(out + at, c0) }
}

/// Writes the values' ReLU to `a` (training and outputs need no more:
/// a > 0 exactly where z > 0).
struct StoreReLU: Epilogue {
    let a: UnsafeMutablePointer<Double>
    var partial: UnsafeMutablePointer<Double> { a }
    @inline(__always) func single(_ at: Int, _ c0: Vec4) { store4(a + at, reluLanes(c0)) }
}

/// Writes the values to `z` and their ReLU to `a` (for traces and firing counts).
struct StoreZAndReLU: Epilogue {
    let z: UnsafeMutablePointer<Double>, a: UnsafeMutablePointer<Double>
    var partial: UnsafeMutablePointer<Double> { z }
    @inline(__always) func single(_ at: Int, _ c0: Vec4) { store4(z + at, c0); store4(a + at, reluLanes(c0)) }
}

/// Writes values * ReLU'(z) to `dz`, reading z > 0 as a > 0 (the same test:
/// ReLU keeps positives, and NaN fails both).
struct ReLUGradient: Epilogue {
    let a: UnsafePointer<Double>, dz: UnsafeMutablePointer<Double>
    var partial: UnsafeMutablePointer<Double> { dz }
    @inline(__always) func single(_ at: Int, _ c0: Vec4) { store4(dz + at, reluBackward(c0, load4(a + at))) }
}

/// Writes values * sigmoid'(z) = values * a (1 - a) to `dz`.
struct SigmoidGradient: Epilogue {
    let a: UnsafePointer<Double>, dz: UnsafeMutablePointer<Double>
    var partial: UnsafeMutablePointer<Double> { dz }
    @inline(__always) func single(_ at: Int, _ c0: Vec4) { store4(dz + at, sigmoidBackward(c0, load4(a + at))) }
}

/// dst[j * stride + i] = src[rows[i] * width + j] for i < count: the rows a
/// permutation picks, straight into columns; padded samples get 0. Indices
/// come from a permutation of the data's rows, so they are in range.
@inline(__always)
func gatherColumns(_ src: UnsafePointer<Double>, width: Int, rows: UnsafePointer<Int>, count m: Int, stride: Int,
                   _ dst: UnsafeMutablePointer<Double>) {
    switch width {
    case 1:
        for i in 0..<m { dst[i] = src[rows[i]] }
    case 2:
        // Two features (the moons): both columns in one pass.
        let c1 = dst + stride
        for i in 0..<m {
            let row = src + (rows[i] &<< 1)
            dst[i] = row[0]
            c1[i] = row[1]
        }
    default:
        for j in 0..<width {
            let col = dst + j &* stride
            for i in 0..<m { col[i] = src[rows[i] &* width &+ j] }
        }
    }
    if m < stride {
        for j in 0..<width {
            let col = dst + j &* stride
            for i in m..<stride { col[i] = 0 }
        }
    }
}

/// z[j, :] = sum_k W[k, j] * a[k, :] + b[j] over the padded samples, handed
/// to `finish` block by block.
@inline(__always)
func columnAffine(_ a: UnsafePointer<Double>, fanIn: Int, fanOut: Int, stride: Int,
                  _ w: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ pack: PackScratch, _ finish: some Epilogue) {
    // The article's fan-ins (2 and 8) and 1 are compiled with the count a
    // constant, so that their inner loops unroll completely.
    switch fanIn {
    case 1: affine(a, fanIn: 1, fanOut: fanOut, stride: stride, w, b, pack, finish)
    case 2: affine(a, fanIn: 2, fanOut: fanOut, stride: stride, w, b, pack, finish)
    case 8: affine(a, fanIn: 8, fanOut: fanOut, stride: stride, w, b, pack, finish)
    default: affine(a, fanIn: fanIn, fanOut: fanOut, stride: stride, w, b, pack, finish)
    }
}

/// Units per register tile of the layer products: 16 accumulators and their
/// operands fit AVX-512's 32 vector registers; AVX2's 16 hold 12 and theirs.
#if SWIFTMOONS_AVX512
let tileUnits = 4
#else
let tileUnits = 3
#endif

/// Layers this narrow keep the one-unit-at-a-time loops (the article's
/// 2-8-8-1 network is fastest so): tiles pay off from about this width on.
let narrowLayer = 16

@inline(__always)
private func affine(_ a: UnsafePointer<Double>, fanIn: Int, fanOut: Int, stride: Int,
                    _ w: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ pack: PackScratch,
                    _ finish: some Epilogue) {
    // Either way each result is one chain of fused multiply-adds over k in
    // order, from zero, with the bias added last: the numbers do not depend
    // on the path, the tiles or the threads.
    if fanIn <= narrowLayer {
        // Short reductions (the article's layers, fan-ins 2 and 8): one unit at a
        // time over every sample, with fanIn the constant the caller made it.
        for j in 0..<fanOut { affineRow(a, fanIn: fanIn, fanOut: fanOut, stride: stride, w + j, b[j], j &* stride, finish) }
        return
    }
    // Wider ones: the packed product (PackedProducts.swift), P = W (terms
    // k by rows, units side by side), X = a.
    packedProduct(StridedMatrix(base: w, rowStep: fanOut, colStep: 1), StridedMatrix(base: a, rowStep: stride, colStep: 1),
                  reduction: fanIn, units: fanOut, columns: stride, ldc: stride, bias: b, pack, finish)
}

/// Products of at least this many multiply-adds are split between threads.
let parallelProduct = 1 << 20

/// How many threads share a product of `reduction` terms for `units` x `stride` results.
@inline(__always)
func productParts(_ reduction: Int, _ units: Int, _ stride: Int) -> Int {
    guard reduction &* units &* stride >= parallelProduct else { return 1 }
    return max(1, min(Parallel.threadCount, units / (4 &* tileUnits)))
}

/// Part `part` of `parts` of the units 0..<count, cut at multiples of tileUnits.
@inline(__always)
func unitRange(_ part: Int, of parts: Int, _ count: Int) -> Range<Int> {
    let chunk = (count / parts) / tileUnits &* tileUnits
    let start = part &* chunk
    return start..<(part == parts &- 1 ? count : start &+ chunk)
}

/// One output unit over every sample, in one block: w points at W[0, j] (a column, fanOut apart).
@inline(__always)
private func affineRow(_ a: UnsafePointer<Double>, fanIn: Int, fanOut: Int, stride: Int,
                       _ w: UnsafePointer<Double>, _ bias: Double, _ at: Int, _ finish: some Epilogue) {
    let bj = Vec4(repeating: bias)
    var i = 0
    while i &+ 16 <= stride {
        var c0 = Vec4.zero, c1 = Vec4.zero, c2 = Vec4.zero, c3 = Vec4.zero
        // Walk W's column and a's rows by pointer: no index arithmetic per step.
        var wk = w, ak = a + i
        for _ in 0..<fanIn {
            let v = Vec4(repeating: wk.pointee)
            c0 = c0.addingProduct(v, load4(ak)); c1 = c1.addingProduct(v, load4(ak + 4))
            c2 = c2.addingProduct(v, load4(ak + 8)); c3 = c3.addingProduct(v, load4(ak + 12))
            wk += fanOut
            ak += stride
        }
        // The bias last, as NumPy adds it to the product.
        finish.block(at &+ i, c0 + bj, c1 + bj, c2 + bj, c3 + bj)
        i &+= 16
    }
    while i < stride {
        var c0 = Vec4.zero
        for k in 0..<fanIn { c0 = c0.addingProduct(Vec4(repeating: w[k &* fanOut]), load4(a + (k &* stride &+ i))) }
        finish.single(at &+ i, c0 + bj)
        i &+= 4
    }
}

@inline(__always)
func store16(_ p: UnsafeMutablePointer<Double>, _ c0: Vec4, _ c1: Vec4, _ c2: Vec4, _ c3: Vec4) {
    store4(p, c0); store4(p + 4, c1); store4(p + 8, c2); store4(p + 12, c3)
}

/// da[k, :] = sum_j W[k, j] * dz[j, :]: the gradient reaching the layer's
/// input, handed to `finish` block by block.
@inline(__always)
func columnBackAffine(_ dz: UnsafePointer<Double>, fanIn: Int, fanOut: Int, stride: Int,
                      _ w: UnsafePointer<Double>, _ pack: PackScratch, _ finish: some Epilogue) {
    // As in columnAffine: the article's fan-outs (8 and 1) and 2 as constants.
    switch fanOut {
    case 1: backAffine(dz, fanIn: fanIn, fanOut: 1, stride: stride, w, pack, finish)
    case 2: backAffine(dz, fanIn: fanIn, fanOut: 2, stride: stride, w, pack, finish)
    case 8: backAffine(dz, fanIn: fanIn, fanOut: 8, stride: stride, w, pack, finish)
    default: backAffine(dz, fanIn: fanIn, fanOut: fanOut, stride: stride, w, pack, finish)
    }
}

@inline(__always)
private func backAffine(_ dz: UnsafePointer<Double>, fanIn: Int, fanOut: Int, stride: Int,
                        _ w: UnsafePointer<Double>, _ pack: PackScratch, _ finish: some Epilogue) {
    // As affine: each result one chain of multiply-adds over j in order.
    if fanOut <= narrowLayer {
        // Short reductions (the article's fan-outs 8 and 1): one unit at a time, as in affine.
        for k in 0..<fanIn { backAffineRow(dz, fanOut: fanOut, stride: stride, w + k &* fanOut, k &* stride, finish) }
        return
    }
    // Wider ones: the packed product with P[j, k] = W[k, j] (each unit's
    // terms a row of W), X = dz.
    packedProduct(StridedMatrix(base: w, rowStep: 1, colStep: fanOut), StridedMatrix(base: dz, rowStep: stride, colStep: 1),
                  reduction: fanOut, units: fanIn, columns: stride, ldc: stride, bias: nil, pack, finish)
}

/// One input unit over every sample, in one block: wk points at W[k, 0] (a row).
@inline(__always)
private func backAffineRow(_ dz: UnsafePointer<Double>, fanOut: Int, stride: Int, _ wk: UnsafePointer<Double>,
                           _ at: Int, _ finish: some Epilogue) {
    var i = 0
    while i &+ 16 <= stride {
        var c0 = Vec4.zero, c1 = Vec4.zero, c2 = Vec4.zero, c3 = Vec4.zero
        var dj = dz + i
        for j in 0..<fanOut {
            let v = Vec4(repeating: wk[j])
            c0 = c0.addingProduct(v, load4(dj)); c1 = c1.addingProduct(v, load4(dj + 4))
            c2 = c2.addingProduct(v, load4(dj + 8)); c3 = c3.addingProduct(v, load4(dj + 12))
            dj += stride
        }
        finish.block(at &+ i, c0, c1, c2, c3)
        i &+= 16
    }
    while i < stride {
        var c0 = Vec4.zero
        for j in 0..<fanOut { c0 = c0.addingProduct(Vec4(repeating: wk[j]), load4(dz + (j &* stride &+ i))) }
        finish.single(at &+ i, c0)
        i &+= 4
    }
}

/// gW[k, j] = sum_i a[k, i] * dz[j, i] and gB[j] = sum_i dz[j, i]. Wide
/// layers take the packed product; narrow ones dot products, up to eight
/// accumulating in registers while one row streams through once: a[k, :]
/// against eight of dz's rows, or, for a single output unit (the article's
/// last layer), dz against eight of a's rows.
@inline(__always)
func columnWeightGradients(_ a: UnsafePointer<Double>, _ dz: UnsafePointer<Double>, fanIn: Int, fanOut: Int,
                           stride S: Int, _ gW: UnsafeMutablePointer<Double>, _ gB: UnsafeMutablePointer<Double>,
                           _ pack: PackScratch) {
    if fanOut == 1 {
        var k0 = 0
        while k0 < fanIn {
            rowDots(dz, a + k0 &* S, count: min(8, fanIn &- k0), stride: S, gW + k0)
            k0 &+= 8
        }
    } else {
        // Wide layers: the packed product with P[i, k] = a[k, i] and X[i, j] =
        // dz[j, i] (transposed as it is packed), each gW[k, j] one chain of
        // multiply-adds over the samples in order; the last fanOut % 4
        // columns as dot products.
        let tiled = fanIn > narrowLayer && fanOut > narrowLayer
        let tiledRows = tiled ? fanIn : 0
        if tiled {
            let columns = fanOut & ~3
            packedProduct(StridedMatrix(base: a, rowStep: 1, colStep: S), StridedMatrix(base: dz, rowStep: 1, colStep: S),
                          reduction: S, units: fanIn, columns: columns, ldc: fanOut, bias: nil, pack,
                          StoreValues(out: gW))
            if columns < fanOut {
                for k in 0..<fanIn {
                    rowDots(a + k &* S, dz + columns &* S, count: fanOut &- columns, stride: S, gW + (k &* fanOut &+ columns))
                }
            }
        }
        let k0 = tiledRows
        var j0 = 0
        while j0 < fanOut && k0 < fanIn {
            let n = min(8, fanOut &- j0), rows = dz + j0 &* S
            for k in k0..<fanIn {
                rowDots(a + k &* S, rows, count: n, stride: S, gW + (k &* fanOut &+ j0))
            }
            j0 &+= 8
        }
    }
    var j0 = 0
    while j0 < fanOut {
        rowDots(nil, dz + j0 &* S, count: min(8, fanOut &- j0), stride: S, gB + j0)
        j0 &+= 8
    }
}

/// Pointers to eight rows `stride` apart, hidden from the optimizer.
@inline(never)
func eightRows(_ p: UnsafePointer<Double>, stride S: Int) -> (
    UnsafePointer<Double>, UnsafePointer<Double>, UnsafePointer<Double>, UnsafePointer<Double>,
    UnsafePointer<Double>, UnsafePointer<Double>, UnsafePointer<Double>, UnsafePointer<Double>
) {
    (p, p + S, p + 2 * S, p + 3 * S, p + 4 * S, p + 5 * S, p + 6 * S, p + 7 * S)
}

/// The four lanes' sums of four vectors, each as (c[0] + c[1]) + (c[2] + c[3]),
/// with shuffles across the vectors instead of one vector at a time.
@inline(__always)
func totals(_ c0: Vec4, _ c1: Vec4, _ c2: Vec4, _ c3: Vec4) -> Vec4 {
    let s01 = Vec4(lowHalf: c0.evenHalf, highHalf: c1.evenHalf) + Vec4(lowHalf: c0.oddHalf, highHalf: c1.oddHalf)
    let s23 = Vec4(lowHalf: c2.evenHalf, highHalf: c3.evenHalf) + Vec4(lowHalf: c2.oddHalf, highHalf: c3.oddHalf)
    return Vec4(lowHalf: s01.evenHalf, highHalf: s23.evenHalf) + Vec4(lowHalf: s01.oddHalf, highHalf: s23.oddHalf)
}

/// out[m] = sum_i x[i] * rows[m * stride + i] for m < count <= 8, over
/// `stride` (a multiple of four) samples; x nil stands for a row of ones.
@inline(__always)
func rowDots(_ x: UnsafePointer<Double>?, _ rows: UnsafePointer<Double>, count n: Int, stride S: Int,
             _ out: UnsafeMutablePointer<Double>) {
    @inline(__always) func total(_ c: Vec4) -> Double { (c[0] + c[1]) + (c[2] + c[3]) }
    var c = (Vec4.zero, Vec4.zero, Vec4.zero, Vec4.zero, Vec4.zero, Vec4.zero, Vec4.zero, Vec4.zero)
    if n == 8 {
        // The full block, with no tests inside the loop. The rows' pointers
        // come out of an opaque call, so that the optimizer keeps eight base
        // registers instead of re-deriving each row from the last with an
        // add per load.
        let (r0, r1, r2, r3, r4, r5, r6, r7) = eightRows(rows, stride: S)
        @inline(__always) func accumulate(_ v: Vec4, _ i: Int) {
            c.0 = c.0.addingProduct(v, load4(r0 + i)); c.1 = c.1.addingProduct(v, load4(r1 + i))
            c.2 = c.2.addingProduct(v, load4(r2 + i)); c.3 = c.3.addingProduct(v, load4(r3 + i))
            c.4 = c.4.addingProduct(v, load4(r4 + i)); c.5 = c.5.addingProduct(v, load4(r5 + i))
            c.6 = c.6.addingProduct(v, load4(r6 + i)); c.7 = c.7.addingProduct(v, load4(r7 + i))
        }
        var i = 0
        if let x {
            while i < S { accumulate(load4(x + i), i); i &+= 4 }
        } else {
            while i < S { accumulate(Vec4(repeating: 1), i); i &+= 4 }
        }
        store4(out, totals(c.0, c.1, c.2, c.3))
        store4(out + 4, totals(c.4, c.5, c.6, c.7))
        return
    }
    // A partial block: one dot product at a time.
    for m in 0..<n {
        let r = rows + m &* S
        var acc = Vec4.zero
        var i = 0
        if let x {
            while i < S { acc = acc.addingProduct(load4(x + i), load4(r + i)); i &+= 4 }
        } else {
            while i < S { acc += load4(r + i); i &+= 4 }
        }
        out[m] = total(acc)
    }
}

extension Network {
    /// The layers up to `lastLayer` on a batch whose inputs are already in
    /// the layout's input columns; the output layer's z made outputs by the
    /// output kind.
    @inline(__always)
    func columnForward(rows: Int, stride S: Int, through lastLayer: Int, keepZ: Bool = false,
                       _ p: UnsafePointer<Double>, _ s: UnsafeMutablePointer<Double>, _ c: ColumnLayout,
                       prepacked: UnsafePointer<Double>? = nil) {
        var input = UnsafePointer(s + c.input)
        // A training layout keeps each layer's dz apart from its z: the
        // forward pass may store f'(z) there for the backward pass.
        let training = c.d.first.map { $0 != c.z[0] } ?? false
        var pack = c.packScratch(s)
        var packed = prepacked
        for l in 0..<lastLayer {
            let z = s + c.z[l], a = s + c.a[l]
            // Each packed layer's weights, if packed once for the whole pass (prepackWeights).
            pack.panels = nil
            if let ready = packed, layers[l].packsWeights {
                pack.panels = ready
                packed = ready + layers[l].prepackedCount
            }
            layers[l].forward(input, p, stride: S, keepZ: keepZ, z: z, a: a, derivative: training ? s + c.d[l] : nil,
                              pack: pack)
            if l == layerCount - 1 { output.activate(z, a, stride: S, outputs: outputWidth) }
            input = UnsafePointer(a)
        }
    }

    /// Loss (summed in NumPy's pairwise order over the real samples) and the
    /// output delta, zero on padded samples: the output kind's own (Output.swift).
    @inline(__always)
    func columnLossAndDelta(rows: Int, stride S: Int, _ s: UnsafeMutablePointer<Double>, _ c: ColumnLayout) -> Double {
        let L = layerCount
        let terms = s + c.transposeScratch
        let count = output.lossTerms(out: s + c.a[L - 1], z: s + c.z[L - 1], targets: s + c.targets, rows: rows,
                                     stride: S, outputs: outputWidth, terms: terms, scratch: s + c.terms,
                                     delta: s + c.d[L - 1])
        return output.loss(termSum: pairwiseSum(UnsafePointer(terms), count, 1), count: count)
    }

    /// Every parameter's gradient into `g` for a batch (row-major x and y);
    /// returns the loss. Nothing is updated.
    func columnGradients(_ x: UnsafePointer<Double>?, _ y: UnsafePointer<Double>?, rows: Int,
                         _ p: UnsafePointer<Double>, _ g: UnsafeMutablePointer<Double>,
                         _ s: UnsafeMutablePointer<Double>, _ c: ColumnLayout) -> Double {
        let S = ColumnLayout.stride(rows: rows)
        // Full batches of 64 (the article's and the usual size) get their own
        // copy of the kernels, compiled with the stride a constant: row
        // offsets then fold into the load instructions.
        if S == 64 { return columnGradients(x, y, rows: rows, stride: 64, p, g, s, c) }
        return columnGradients(x, y, rows: rows, stride: S, p, g, s, c)
    }

    @inline(__always)
    private func columnGradients(_ x: UnsafePointer<Double>?, _ y: UnsafePointer<Double>?, rows: Int, stride S: Int,
                                 _ p: UnsafePointer<Double>, _ g: UnsafeMutablePointer<Double>,
                                 _ s: UnsafeMutablePointer<Double>, _ c: ColumnLayout) -> Double {
        let L = layerCount
        // nil: the caller already wrote the batch into the input and target columns.
        if let x { toColumns(x, rows: rows, width: inputWidth, stride: S, s + c.input) }
        if let y { toColumns(y, rows: rows, width: targetWidth, stride: S, s + c.targets) }
        columnForward(rows: rows, stride: S, through: L, p, s, c)
        let loss = columnLossAndDelta(rows: rows, stride: S, s, c)
        columnBackward(stride: S, p, g, s, c)
        return loss
    }

    /// The backward pass from the output layer's delta (in `c.d[L - 1]`,
    /// zero on padded rows) to every layer's gradient in `g`, after a
    /// forward pass over the same columns: the one loop that training's
    /// gradients and scikit-learn's loss-and-gradient share.
    @inline(__always)
    func columnBackward(stride S: Int, _ p: UnsafePointer<Double>, _ g: UnsafeMutablePointer<Double>,
                        _ s: UnsafeMutablePointer<Double>, _ c: ColumnLayout) {
        let pack = c.packScratch(s)
        for l in stride(from: layerCount - 1, through: 0, by: -1) {
            let input = UnsafePointer(l == 0 ? s + c.input : s + c.a[l - 1])
            let below = l == 0 ? nil : BelowLayer(layer: layers[l - 1], z: s + c.z[l - 1], a: s + c.a[l - 1],
                                                  dz: s + c.d[l - 1], scratch: s + c.da)
            layers[l].backward(s + c.d[l], input: input, p, g, stride: S, below: below, pack: pack)
        }
    }
}
