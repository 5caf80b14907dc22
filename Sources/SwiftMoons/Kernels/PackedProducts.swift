// The wide layers' products (forward a W + b, data gradient dz W^T, weight
// gradient a^T dz) as one packed, blocked matrix product, in the manner of
// GotoBLAS: C[u, c] = sum_r P[r, u] X[r, c] (+ bias[u]), u the units (rows
// of the result, `ldc` apart), c the columns (contiguous: samples, or the
// weight gradient's output units), r the reduction.
//
// For each block of `packedReduction` terms and `packedColumns` columns,
// X's block is copied into strips of 16 columns (16 KB each: a strip stays
// in L1 while every panel passes over it), and for each block of
// `packedUnits` units, P's block into panels of tileUnits units (r-major:
// the tile reads it front to back, from L2). A copy of P costs one value per
// `packedColumns` multiply-adds (none when a forward pass packed its weights
// beforehand), a copy of X one per unit of the thread's share; in return
// every load of the hot loop is sequential, whatever the layer's strides:
// 4 KB apart, rows of W or of a batch of samples all fall in the same sets
// of the first-level cache and evict one another.
//
// Each result is one chain of fused multiply-adds over r in order, from
// zero, with the bias added last; between blocks of terms the running sums
// wait in the epilogue's `partial` buffer (stored and reloaded exactly), so
// the numbers depend neither on the blocks nor on the tiles nor on the
// threads, which take disjoint ranges of units.

/// Reduction terms per packed block (evened out, up to 1.5 times this): a
/// strip of X (this many rows of 16 columns) is 16 KB, half the first-level cache.
let packedReduction = 128

/// Units per packed block of P: packedReduction x packedUnits values (96 KB
/// with three-unit tiles) stay in the second-level cache.
let packedUnits = 32 * tileUnits

/// Columns per block: the running sums of a block's results (up to 64
/// columns of every unit) stay in L2 between blocks of terms.
let packedColumns = 64

/// Columns per strip: the register tile's width (four vectors).
let packedStrip = 16

/// Scratch for the packed copies: `parts` disjoint regions of `perPart` values,
/// one per thread a product may be split between.
struct PackScratch {
    let base: UnsafeMutablePointer<Double>
    let parts: Int
    /// P already in panels (`prepackPanels`), for a product repeated over
    /// many blocks of columns with the same P (a forward pass's weights):
    /// the product then reads them instead of packing its own.
    var panels: UnsafePointer<Double>? = nil

    static let perPart = (packedReduction * 3 / 2 + 4) * (packedUnits + packedColumns)

    /// The regions a layout holds for layers of `sizes`: none when every
    /// layer is narrow (they never pack), else one per thread a product of
    /// the widest layer may use (at most one per processor).
    static func parts(for sizes: [Int]) -> Int {
        let widest = sizes.max() ?? 0
        guard widest > narrowLayer else { return 0 }
        return max(1, min(Parallel.processorCount, widest / (4 * tileUnits)))
    }
}

/// A matrix M[r, c] at base + r * rowStep + c * colStep.
struct StridedMatrix {
    let base: UnsafePointer<Double>
    let rowStep: Int, colStep: Int
}

/// C = P^T X (+ bias): `reduction` terms for `units` x `columns` results
/// (columns a multiple of four), handed to `finish` at u * ldc + c.
@inline(__always)
func packedProduct(_ P: StridedMatrix, _ X: StridedMatrix, reduction R: Int, units U: Int, columns C: Int, ldc: Int,
                   bias: UnsafePointer<Double>?, _ scratch: PackScratch, _ finish: some Epilogue) {
    guard U > 0, C > 0, scratch.parts > 0 else { return }
    let parts = min(productParts(R, U, C), scratch.parts)
    Parallel.forEach(parts) { part in
        let units = unitRange(part, of: parts, U)
        let panels = scratch.base + part &* PackScratch.perPart
        let strips = panels + (packedReduction * 3 / 2 + 4) &* packedUnits
        // Blocks of about packedReduction terms (see packedBlockTerms).
        let size = packedBlockTerms(R)
        let padded = (U &+ tileUnits &- 1) / tileUnits &* tileUnits
        var n0 = 0
        repeat {
            // A block of columns at a time, so that the running sums of its
            // results stay in L2 from one block of terms to the next.
            let end = min(n0 &+ packedColumns, C)
            var r0 = 0
            repeat {
                let count = min(size, R &- r0)
                let first = r0 == 0, last = r0 &+ count >= R
                // The block's strips of X, once for every block of units
                // (each strip `count` rows of packedStrip values).
                var c0 = n0, strip = strips
                while c0 < end {
                    packStrip(X, r0, count, c0, min(packedStrip, end &- c0), strip)
                    c0 &+= packedStrip
                    strip += count &* packedStrip
                }
                var m0 = units.lowerBound
                while m0 < units.upperBound {
                    let mc = min(packedUnits, units.upperBound &- m0)
                    // This block's panels: packed once before the product, or now.
                    let block: UnsafePointer<Double>
                    if let ready = scratch.panels {
                        block = ready + (r0 &* padded &+ m0 &* count)
                    } else {
                        packPanels(P, r0, count, m0, mc, panels)
                        block = UnsafePointer(panels)
                    }
                    var c0 = n0, strip = UnsafePointer(strips)
                    while c0 < end {
                        let width = min(packedStrip, end &- c0)
                        var q = 0
                        while q < mc {
                            let u = m0 &+ q
                            let panel = block + q &* count
                            let valid = min(tileUnits, mc &- q)
                            if width == packedStrip {
                                packedTile(panel, strip, count: count, first: first, last: last,
                                           bias: bias.map { $0 + u }, at: u &* ldc &+ c0, ldc: ldc, valid: valid,
                                           finish)
                            } else {
                                var cc = 0
                                while cc < width {
                                    packedTile4(panel, strip + cc, count: count, first: first,
                                                last: last, bias: bias.map { $0 + u }, at: u &* ldc &+ c0 &+ cc,
                                                ldc: ldc, valid: valid, finish)
                                    cc &+= 4
                                }
                            }
                            q &+= tileUnits
                        }
                        c0 &+= packedStrip
                        strip += count &* packedStrip
                    }
                    m0 &+= mc
                }
                r0 &+= count
            } while r0 < R
            n0 = end
        } while n0 < C
    }
}

/// The terms per block of a reduction of R terms: about packedReduction,
/// evened out (784 terms: six of 132, not six of 128 and one of 16, whose
/// tiles would spend as long on their running sums as on their terms), and
/// a multiple of four.
@inline(__always)
func packedBlockTerms(_ R: Int) -> Int {
    let blocks = max(1, (R &+ packedReduction / 2) / packedReduction)
    return ((R &+ blocks &- 1) / blocks &+ 3) & ~3
}

/// The values `prepackPanels` writes for a P of R terms and U units.
func prepackedCount(reduction R: Int, units U: Int) -> Int {
    R &* ((U &+ tileUnits &- 1) / tileUnits &* tileUnits)
}

/// All of P (R terms, U units) in the panels `packedProduct` would pack block
/// by block: block b of terms (from r0, `count` long) at dst + r0 * U', its
/// panel of units from u at + u * count (U' is U rounded up to whole panels).
func prepackPanels(_ P: StridedMatrix, reduction R: Int, units U: Int, _ dst: UnsafeMutablePointer<Double>) {
    let size = packedBlockTerms(R)
    let padded = (U &+ tileUnits &- 1) / tileUnits &* tileUnits
    var r0 = 0
    while r0 < R {
        let count = min(size, R &- r0)
        packPanels(P, r0, count, 0, U, dst + r0 &* padded)
        r0 &+= count
    }
}

/// P[r0 ..< r0 + count, u0 ..< u0 + n] into panels of tileUnits units, each
/// `count` rows of tileUnits values; units past n are zero.
@inline(__always)
func packPanels(_ P: StridedMatrix, _ r0: Int, _ count: Int, _ u0: Int, _ n: Int, _ dst: UnsafeMutablePointer<Double>) {
    let whole = n / tileUnits &* tileUnits
    if P.colStep == 1 {
        // Forward: the units of a row of W lie side by side; read each row
        // once, front to back (rows 4 KB apart would evict one another if
        // read a panel at a time), and deal it out to the panels.
        var s = P.base + (r0 &* P.rowStep &+ u0)
        var d = dst
        for _ in 0..<count {
            var q = 0, dq = d
            while q < whole {
                dq[0] = s[q]; dq[1] = s[q &+ 1]; dq[2] = s[q &+ 2]
                if tileUnits == 4 { dq[3] = s[q &+ 3] }
                q &+= tileUnits
                dq += count &* tileUnits
            }
            s += P.rowStep
            d += tileUnits
        }
    } else if P.rowStep == 1 {
        // The backward products: each unit's terms lie in a row of their own.
        let c = P.colStep
        var q = 0
        while q < whole {
            let s0 = P.base + (r0 &+ (u0 &+ q) &* c), s1 = s0 + c, s2 = s1 + c, s3 = s2 + c
            var d = dst + q &* count
            for r in 0..<count {
                d[0] = s0[r]; d[1] = s1[r]; d[2] = s2[r]
                if tileUnits == 4 { d[3] = s3[r] }
                d += tileUnits
            }
            q &+= tileUnits
        }
    }
    var q = P.colStep == 1 || P.rowStep == 1 ? whole : 0
    while q < n {
        // A last, partial panel (and any other strides): units past n are zero.
        let valid = min(tileUnits, n &- q)
        let out = dst + q &* count
        let src = P.base + (r0 &* P.rowStep &+ (u0 &+ q) &* P.colStep)
        for r in 0..<count {
            for m in 0..<tileUnits {
                out[r &* tileUnits &+ m] = m < valid ? src[r &* P.rowStep &+ m &* P.colStep] : 0
            }
        }
        q &+= tileUnits
    }
}

/// X[r0 ..< r0 + count, c0 ..< c0 + width] into rows of packedStrip values.
@inline(__always)
func packStrip(_ X: StridedMatrix, _ r0: Int, _ count: Int, _ c0: Int, _ width: Int,
               _ dst: UnsafeMutablePointer<Double>) {
    let src = X.base + (r0 &* X.rowStep &+ c0 &* X.colStep)
    if X.colStep == 1 {
        // Rows of samples: a copy, a vector at a time.
        var s = src, d = dst
        if width == packedStrip {
            for _ in 0..<count {
                store4(d, load4(s)); store4(d + 4, load4(s + 4)); store4(d + 8, load4(s + 8)); store4(d + 12, load4(s + 12))
                s += X.rowStep
                d += packedStrip
            }
        } else {
            for _ in 0..<count {
                var c = 0
                while c < width { store4(d + c, load4(s + c)); c &+= 4 }
                s += X.rowStep
                d += packedStrip
            }
        }
        return
    }
    // The weight gradient's dz, transposed: column c is row c0 + c of dz;
    // four by four terms, rows 1 apart in X (X.rowStep == 1).
    var c = 0
    let S = X.colStep
    if X.rowStep == 1 {
        while c &+ 4 <= width {
            let s0 = src + c &* S, s1 = s0 + S, s2 = s1 + S, s3 = s2 + S
            var r = 0
            while r &+ 4 <= count {
                let a0 = load4(s0 + r), a1 = load4(s1 + r), a2 = load4(s2 + r), a3 = load4(s3 + r)
                let d = dst + (r &* packedStrip &+ c)
                store4(d, Vec4(a0[0], a1[0], a2[0], a3[0]))
                store4(d + packedStrip, Vec4(a0[1], a1[1], a2[1], a3[1]))
                store4(d + 2 &* packedStrip, Vec4(a0[2], a1[2], a2[2], a3[2]))
                store4(d + 3 &* packedStrip, Vec4(a0[3], a1[3], a2[3], a3[3]))
                r &+= 4
            }
            while r < count {
                let d = dst + (r &* packedStrip &+ c)
                d[0] = s0[r]; d[1] = s1[r]; d[2] = s2[r]; d[3] = s3[r]
                r &+= 1
            }
            c &+= 4
        }
    }
    while c < width {
        let s = src + c &* X.colStep
        var d = dst + c
        for r in 0..<count {
            d.pointee = s[r &* X.rowStep]
            d += packedStrip
        }
        c &+= 1
    }
}

@inline(__always)
func startSums(_ first: Bool, _ partial: UnsafeMutablePointer<Double>, _ at: Int) -> Vec4 {
    first ? .zero : load4(partial + at)
}

/// tileUnits units x 16 columns over `count` terms: `p` a packed panel, `x` a
/// packed strip. Units from `valid` on are padding: neither stored nor handed on.
@inline(__always)
func packedTile(_ p: UnsafePointer<Double>, _ x: UnsafePointer<Double>, count: Int, first: Bool, last: Bool,
                bias: UnsafePointer<Double>?, at: Int, ldc: Int, valid: Int, _ finish: some Epilogue) {
    let four = tileUnits == 4
    let out = finish.partial
    let at1 = at &+ ldc, at2 = at1 &+ ldc, at3 = at2 &+ ldc
    let full = valid == tileUnits
    var c00 = startSums(first, out, at), c01 = startSums(first, out, at &+ 4)
    var c02 = startSums(first, out, at &+ 8), c03 = startSums(first, out, at &+ 12)
    var c10 = Vec4.zero, c11 = Vec4.zero, c12 = Vec4.zero, c13 = Vec4.zero
    var c20 = Vec4.zero, c21 = Vec4.zero, c22 = Vec4.zero, c23 = Vec4.zero
    var c30 = Vec4.zero, c31 = Vec4.zero, c32 = Vec4.zero, c33 = Vec4.zero
    if !first {
        if valid > 1 {
            c10 = load4(out + at1); c11 = load4(out + (at1 &+ 4)); c12 = load4(out + (at1 &+ 8)); c13 = load4(out + (at1 &+ 12))
        }
        if valid > 2 {
            c20 = load4(out + at2); c21 = load4(out + (at2 &+ 4)); c22 = load4(out + (at2 &+ 8)); c23 = load4(out + (at2 &+ 12))
        }
        if four && valid > 3 {
            c30 = load4(out + at3); c31 = load4(out + (at3 &+ 4)); c32 = load4(out + (at3 &+ 8)); c33 = load4(out + (at3 &+ 12))
        }
    }
    var pk = p, xk = x
    for _ in 0..<count {
        let v0 = Vec4(repeating: pk[0]), v1 = Vec4(repeating: pk[1]), v2 = Vec4(repeating: pk[2])
        // One vector of X at a time: 12 (or 16) sums, 3 (or 4) weights and one vector in registers.
        let x0 = load4(xk)
        c00 = c00.addingProduct(v0, x0); c10 = c10.addingProduct(v1, x0); c20 = c20.addingProduct(v2, x0)
        let x1 = load4(xk + 4)
        c01 = c01.addingProduct(v0, x1); c11 = c11.addingProduct(v1, x1); c21 = c21.addingProduct(v2, x1)
        let x2 = load4(xk + 8)
        c02 = c02.addingProduct(v0, x2); c12 = c12.addingProduct(v1, x2); c22 = c22.addingProduct(v2, x2)
        let x3 = load4(xk + 12)
        c03 = c03.addingProduct(v0, x3); c13 = c13.addingProduct(v1, x3); c23 = c23.addingProduct(v2, x3)
        if four {
            let v3 = Vec4(repeating: pk[3])
            c30 = c30.addingProduct(v3, x0); c31 = c31.addingProduct(v3, x1)
            c32 = c32.addingProduct(v3, x2); c33 = c33.addingProduct(v3, x3)
        }
        pk += tileUnits
        xk += packedStrip
    }
    if last {
        if let bias {
            let b0 = Vec4(repeating: bias[0])
            finish.block(at, c00 + b0, c01 + b0, c02 + b0, c03 + b0)
            if full || valid > 1 {
                let b1 = Vec4(repeating: bias[1])
                finish.block(at1, c10 + b1, c11 + b1, c12 + b1, c13 + b1)
            }
            if full || valid > 2 {
                let b2 = Vec4(repeating: bias[2])
                finish.block(at2, c20 + b2, c21 + b2, c22 + b2, c23 + b2)
            }
            if four && (full || valid > 3) {
                let b3 = Vec4(repeating: bias[3])
                finish.block(at3, c30 + b3, c31 + b3, c32 + b3, c33 + b3)
            }
        } else {
            finish.block(at, c00, c01, c02, c03)
            if full || valid > 1 { finish.block(at1, c10, c11, c12, c13) }
            if full || valid > 2 { finish.block(at2, c20, c21, c22, c23) }
            if four && (full || valid > 3) { finish.block(at3, c30, c31, c32, c33) }
        }
    } else {
        store16(out + at, c00, c01, c02, c03)
        if full || valid > 1 { store16(out + at1, c10, c11, c12, c13) }
        if full || valid > 2 { store16(out + at2, c20, c21, c22, c23) }
        if four && (full || valid > 3) { store16(out + at3, c30, c31, c32, c33) }
    }
}

/// As packedTile, for four columns: `x` points into a packed strip (rows packedStrip apart).
@inline(__always)
func packedTile4(_ p: UnsafePointer<Double>, _ x: UnsafePointer<Double>, count: Int, first: Bool, last: Bool,
                 bias: UnsafePointer<Double>?, at: Int, ldc: Int, valid: Int, _ finish: some Epilogue) {
    let four = tileUnits == 4
    let out = finish.partial
    let at1 = at &+ ldc, at2 = at1 &+ ldc, at3 = at2 &+ ldc
    var c0 = startSums(first, out, at)
    var c1 = !first && valid > 1 ? load4(out + at1) : .zero
    var c2 = !first && valid > 2 ? load4(out + at2) : .zero
    var c3 = four && !first && valid > 3 ? load4(out + at3) : .zero
    var pk = p, xk = x
    for _ in 0..<count {
        let x0 = load4(xk)
        c0 = c0.addingProduct(Vec4(repeating: pk[0]), x0)
        c1 = c1.addingProduct(Vec4(repeating: pk[1]), x0)
        c2 = c2.addingProduct(Vec4(repeating: pk[2]), x0)
        if four { c3 = c3.addingProduct(Vec4(repeating: pk[3]), x0) }
        pk += tileUnits
        xk += packedStrip
    }
    if last {
        if let bias {
            finish.single(at, c0 + Vec4(repeating: bias[0]))
            if valid > 1 { finish.single(at1, c1 + Vec4(repeating: bias[1])) }
            if valid > 2 { finish.single(at2, c2 + Vec4(repeating: bias[2])) }
            if four && valid > 3 { finish.single(at3, c3 + Vec4(repeating: bias[3])) }
        } else {
            finish.single(at, c0)
            if valid > 1 { finish.single(at1, c1) }
            if valid > 2 { finish.single(at2, c2) }
            if four && valid > 3 { finish.single(at3, c3) }
        }
    } else {
        store4(out + at, c0)
        if valid > 1 { store4(out + at1, c1) }
        if valid > 2 { store4(out + at2, c2) }
        if four && valid > 3 { store4(out + at3, c3) }
    }
}
