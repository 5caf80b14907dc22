/// Sums like NumPy's `add.reduce` over a contiguous float64 array: pairwise
/// summation with eight partial sums per 128-element block. Matching the
/// order keeps means (losses, traces) equal to NumPy's to the last bit.
@inlinable
public func pairwiseSum<C: RandomAccessCollection>(_ values: C) -> Double where C.Element == Double, C.Index == Int {
    if let r = values.withContiguousStorageIfAvailable({ pairwiseSum($0.baseAddress, $0.count, 1) }) {
        return r
    }
    return Array(values).withUnsafeBufferPointer { pairwiseSum($0.baseAddress, $0.count, 1) }
}

@usableFromInline
func pairwiseSum(_ a: UnsafePointer<Double>?, _ n: Int, _ stride: Int) -> Double {
    guard let a, n > 0 else { return 0 }
    if n < 8 {
        var res = 0.0
        for i in 0..<n { res += a[i * stride] }
        return res
    }
    if n <= 128 {
        var r0 = a[0], r1 = a[stride], r2 = a[2 * stride], r3 = a[3 * stride]
        var r4 = a[4 * stride], r5 = a[5 * stride], r6 = a[6 * stride], r7 = a[7 * stride]
        var i = 8
        while i < n - (n % 8) {
            r0 += a[(i + 0) * stride]; r1 += a[(i + 1) * stride]
            r2 += a[(i + 2) * stride]; r3 += a[(i + 3) * stride]
            r4 += a[(i + 4) * stride]; r5 += a[(i + 5) * stride]
            r6 += a[(i + 6) * stride]; r7 += a[(i + 7) * stride]
            i += 8
        }
        var res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < n { res += a[i * stride]; i += 1 }
        return res
    }
    var n2 = n / 2
    n2 -= n2 % 8
    return pairwiseSum(a, n2, stride) + pairwiseSum(a + n2 * stride, n - n2, stride)
}
