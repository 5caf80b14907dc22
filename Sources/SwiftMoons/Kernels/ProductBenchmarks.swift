// The layer products one at a time, for the benchmark executable
// (Sources/SwiftMoonsBench, `package` access: not part of the library's API).
// Each runs the kernels the networks run, with the plain store epilogue.

/// Single layer products on column-layout buffers (`stride` samples per row,
/// a multiple of four; see ColumnKernels.swift).
package enum ProductBenchmarks {
    /// Scratch values the products of a fanIn -> fanOut layer need.
    package static func scratchCount(fanIn: Int, fanOut: Int, stride: Int) -> Int {
        PackScratch.parts(for: [fanIn, fanOut]) * PackScratch.perPart
    }

    private static func pack(_ scratch: UnsafeMutablePointer<Double>, _ fanIn: Int, _ fanOut: Int) -> PackScratch {
        PackScratch(base: scratch, parts: PackScratch.parts(for: [fanIn, fanOut]))
    }

    /// out[j, :] = sum_k W[k, j] a[k, :] + b[j].
    package static func forward(_ a: UnsafePointer<Double>, fanIn: Int, fanOut: Int, stride: Int,
                                _ w: UnsafePointer<Double>, _ b: UnsafePointer<Double>,
                                _ out: UnsafeMutablePointer<Double>, scratch: UnsafeMutablePointer<Double>) {
        columnAffine(a, fanIn: fanIn, fanOut: fanOut, stride: stride, w, b, pack(scratch, fanIn, fanOut), StoreValues(out: out))
    }

    /// out[k, :] = sum_j W[k, j] dz[j, :].
    package static func dataGradient(_ dz: UnsafePointer<Double>, fanIn: Int, fanOut: Int, stride: Int,
                                     _ w: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>,
                                     scratch: UnsafeMutablePointer<Double>) {
        columnBackAffine(dz, fanIn: fanIn, fanOut: fanOut, stride: stride, w, pack(scratch, fanIn, fanOut), StoreValues(out: out))
    }

    /// gW[k, j] = sum_i a[k, i] dz[j, i], gB[j] = sum_i dz[j, i].
    package static func weightGradient(_ a: UnsafePointer<Double>, _ dz: UnsafePointer<Double>, fanIn: Int,
                                       fanOut: Int, stride: Int, _ gW: UnsafeMutablePointer<Double>,
                                       _ gB: UnsafeMutablePointer<Double>, scratch: UnsafeMutablePointer<Double>) {
        columnWeightGradients(a, dz, fanIn: fanIn, fanOut: fanOut, stride: stride, gW, gB, pack(scratch, fanIn, fanOut))
    }
}
