#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The inner loops of the network, on raw buffers whose sizes the callers
// checked. Vectorized over output units, four at a time, with a scalar tail;
// nothing here allocates.

/// z[i, :] = x[i, :] @ W + b for `rows` rows (the product summed first, then
/// the bias added, as `a @ W + b` does).
@inline(__always)
func affine(_ x: UnsafePointer<Double>, rows: Int, fanIn: Int, fanOut: Int,
            _ w: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ z: UnsafeMutablePointer<Double>) {
    let vecEnd = fanOut & ~3
    var i = 0
    // Two rows at a time: independent accumulator chains keep the FMA units busy.
    while i + 2 <= rows {
        let x0 = x + i * fanIn, x1 = x0 + fanIn, z0 = z + i * fanOut, z1 = z0 + fanOut
        var j = 0
        while j < vecEnd {
            var a0 = Vec4.zero, a1 = Vec4.zero
            for k in 0..<fanIn {
                let wk = load4(w + k * fanOut + j)
                a0 = a0.addingProduct(Vec4(repeating: x0[k]), wk)
                a1 = a1.addingProduct(Vec4(repeating: x1[k]), wk)
            }
            let bj = load4(b + j)
            store4(z0 + j, a0 + bj)
            store4(z1 + j, a1 + bj)
            j += 4
        }
        while j < fanOut {
            var a0 = 0.0, a1 = 0.0
            for k in 0..<fanIn {
                a0 = a0.addingProduct(x0[k], w[k * fanOut + j])
                a1 = a1.addingProduct(x1[k], w[k * fanOut + j])
            }
            z0[j] = a0 + b[j]
            z1[j] = a1 + b[j]
            j += 1
        }
        i += 2
    }
    if i < rows {
        let x0 = x + i * fanIn, z0 = z + i * fanOut
        var j = 0
        while j < vecEnd {
            var a0 = Vec4.zero
            for k in 0..<fanIn { a0 = a0.addingProduct(Vec4(repeating: x0[k]), load4(w + k * fanOut + j)) }
            store4(z0 + j, a0 + load4(b + j))
            j += 4
        }
        while j < fanOut {
            var a0 = 0.0
            for k in 0..<fanIn { a0 = a0.addingProduct(x0[k], w[k * fanOut + j]) }
            z0[j] = a0 + b[j]
            j += 1
        }
    }
}

/// The article's clipped sigmoid over `n` values.
@inline(__always)
func sigmoidBulk(_ z: UnsafePointer<Double>, _ a: UnsafeMutablePointer<Double>, _ n: Int) {
    let one = Vec4(repeating: 1)
    var i = 0
    while i + 4 <= n {
        let v = load4(z + i)
        var s = one / (one + exp(-clamp(v, -500, 500)))
        s.replace(with: v, where: v .!= v)  // NaN passes through
        store4(a + i, s)
        i += 4
    }
    while i < n { a[i] = sigmoid(z[i]); i += 1 }
}

/// ReLU over `n` values (NaN passes through, as np.maximum lets it).
@inline(__always)
func reluBulk(_ z: UnsafePointer<Double>, _ a: UnsafeMutablePointer<Double>, _ n: Int) {
    var i = 0
    while i + 4 <= n {
        var v = load4(z + i)
        v.replace(with: 0, where: .!(v .> 0) .& (v .== v))
        store4(a + i, v)
        i += 4
    }
    while i < n { a[i] = relu(z[i]); i += 1 }
}

/// dz = da * f'(z, a) over `n` values, vectorized for ReLU and sigmoid.
@inline(__always)
func activationBackward(_ act: Activation, _ da: UnsafePointer<Double>, _ z: UnsafePointer<Double>,
                        _ a: UnsafePointer<Double>, _ dz: UnsafeMutablePointer<Double>, _ n: Int) {
    var i = 0
    switch act.kind {
    case .relu:
        while i + 4 <= n {
            var g = load4(da + i)
            g.replace(with: 0, where: .!(load4(z + i) .> 0))
            store4(dz + i, g)
            i += 4
        }
    case .sigmoid:
        let one = Vec4(repeating: 1)
        while i + 4 <= n {
            let av = load4(a + i)
            store4(dz + i, load4(da + i) * (av * (one - av)))
            i += 4
        }
    default:
        break
    }
    while i < n { dz[i] = da[i] * act.derivative(z[i], a[i]); i += 1 }
}

/// gW = input^T @ dz (fanIn x fanOut) and gB = column sums of dz.
@inline(__always)
func weightGradients(_ input: UnsafePointer<Double>, _ dz: UnsafePointer<Double>, rows: Int, fanIn: Int, fanOut: Int,
                     _ gW: UnsafeMutablePointer<Double>, _ gB: UnsafeMutablePointer<Double>) {
    gW.update(repeating: 0, count: fanIn * fanOut)
    gB.update(repeating: 0, count: fanOut)
    let vecEnd = fanOut & ~3
    for i in 0..<rows {
        let xi = input + i * fanIn, di = dz + i * fanOut
        var j = 0
        while j < vecEnd {
            let d = load4(di + j)
            for k in 0..<fanIn {
                let p = gW + k * fanOut + j
                store4(p, load4(p).addingProduct(Vec4(repeating: xi[k]), d))
            }
            store4(gB + j, load4(gB + j) + d)
            j += 4
        }
        while j < fanOut {
            let d = di[j]
            for k in 0..<fanIn { gW[k * fanOut + j] = gW[k * fanOut + j].addingProduct(xi[k], d) }
            gB[j] += d
            j += 1
        }
    }
}

/// da = dz @ W^T, from `wT`, the transpose of W (fanOut x fanIn).
@inline(__always)
func inputGradients(_ dz: UnsafePointer<Double>, rows: Int, fanIn: Int, fanOut: Int,
                    _ wT: UnsafePointer<Double>, _ da: UnsafeMutablePointer<Double>) {
    let vecEnd = fanIn & ~3
    for i in 0..<rows {
        let di = dz + i * fanOut, ai = da + i * fanIn
        var k = 0
        while k < vecEnd {
            var acc = Vec4.zero
            for j in 0..<fanOut { acc = acc.addingProduct(Vec4(repeating: di[j]), load4(wT + j * fanIn + k)) }
            store4(ai + k, acc)
            k += 4
        }
        while k < fanIn {
            var acc = 0.0
            for j in 0..<fanOut { acc = acc.addingProduct(di[j], wT[j * fanIn + k]) }
            ai[k] = acc
            k += 1
        }
    }
}

/// The BCE terms y log(o + 1e-9) + (1 - y) log(1 - o + 1e-9) and the output
/// delta (o - y) / n, over `count` outputs.
@inline(__always)
func bceTerms(_ out: UnsafePointer<Double>, _ y: UnsafePointer<Double>, count: Int, rows: Int,
              _ terms: UnsafeMutablePointer<Double>, _ delta: UnsafeMutablePointer<Double>) {
    let eps = Vec4(repeating: 1e-9), one = Vec4(repeating: 1), n = Double(rows)
    var i = 0
    while i + 4 <= count {
        let o = load4(out + i), yi = load4(y + i)
        store4(terms + i, yi * log(o + eps) + (one - yi) * log(one - o + eps))
        store4(delta + i, (o - yi) / n)
        i += 4
    }
    while i < count {
        let yi = y[i], o = out[i]
        terms[i] = yi * log(o + 1e-9) + (1 - yi) * log(1 - o + 1e-9)
        delta[i] = (o - yi) / n
        i += 1
    }
}
