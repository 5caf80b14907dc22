// swiftmoons-bench: the float64 FMA peak of this machine's cores and the
// layer products' speed against it (GFMA/s: fused multiply-adds per second,
// one per term of a product). benchmarks/sizes.py runs it; by hand:
//
//   python3 scripts/build_native.py --variants avx2   (or any variant: the flags below are its)
//   swift build -c release --product swiftmoons-bench --scratch-path .build-avx2 \
//       -Xswiftc -target-cpu -Xswiftc haswell -Xswiftc -DSWIFTMOONS_AVX2
//   .build-avx2/release/swiftmoons-bench [--json] [--quick] [--check]
//
// The products are the networks' own kernels (SwiftMoons' ProductBenchmarks):
// forward z = a W + b, the data gradient dz W^T and the weight gradient
// a^T dz (with the bias gradient), on column-layout buffers of `rows`
// samples. Times are medians (and bests) of several samples of repeated calls.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import SwiftMoons

typealias V = SIMD4<Double>

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// `n` iterations of 12 independent 4-lane FMA chains: registers only (48 FMAs per iteration).
@inline(never)
func fmaLoop(_ n: Int, _ seed: Double) -> Double {
    let x = V(repeating: 1 + 1e-12 * seed), y = V(repeating: 1e-9)
    var c0 = V(repeating: seed), c1 = c0 + 1, c2 = c0 + 2, c3 = c0 + 3, c4 = c0 + 4, c5 = c0 + 5
    var c6 = c0 + 6, c7 = c0 + 7, c8 = c0 + 8, c9 = c0 + 9, c10 = c0 + 10, c11 = c0 + 11
    for _ in 0..<n {
        c0 = c0.addingProduct(x, y); c1 = c1.addingProduct(x, y); c2 = c2.addingProduct(x, y)
        c3 = c3.addingProduct(x, y); c4 = c4.addingProduct(x, y); c5 = c5.addingProduct(x, y)
        c6 = c6.addingProduct(x, y); c7 = c7.addingProduct(x, y); c8 = c8.addingProduct(x, y)
        c9 = c9.addingProduct(x, y); c10 = c10.addingProduct(x, y); c11 = c11.addingProduct(x, y)
    }
    let s = ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11))
    return s.sum()
}

/// Sink for results, so that nothing is optimized away.
nonisolated(unsafe) var sink = 0.0

/// GFMA/s of the register-only loop on `threads` threads at once (best of `samples`).
func peak(threads: Int, samples: Int) -> Double {
    let n = 20_000_000 / 12
    var best = 0.0
    for _ in 0..<samples {
        let start = now()
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            let r = fmaLoop(n, Double(t + 1))
            if r == 42 { print("") }  // never: keeps r alive
        }
        let seconds = now() - start
        best = max(best, Double(threads * n * 48) / seconds / 1e9)
    }
    return best
}

/// A deterministic fill in [-1, 1).
func fill(_ p: UnsafeMutablePointer<Double>, _ n: Int, seed: UInt64) {
    var s = seed &* 6364136223846793005 &+ 1442695040888963407
    for i in 0..<n {
        s = s &* 6364136223846793005 &+ 1442695040888963407
        p[i] = Double(Int64(bitPattern: s >> 11) - (1 << 52)) / Double(1 << 52)
    }
}

/// x with `digits` decimals, right-aligned in `width` characters (no Foundation).
func fixed(_ x: Double, _ digits: Int, _ width: Int = 0) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let n = Int((abs(x) * scale).rounded())
    var text = String(n / Int(scale))
    if digits > 0 {
        let frac = String(n % Int(scale))
        text += "." + String(repeating: "0", count: digits - frac.count) + frac
    }
    if x < 0 { text = "-" + text }
    return String(repeating: " ", count: max(0, width - text.count)) + text
}

func pad(_ s: String, _ width: Int) -> String { s + String(repeating: " ", count: max(0, width - s.count)) }

struct Timing { let median: Double; let best: Double }

/// Seconds per call of `body`: each sample repeats it for about `target` seconds.
func time(samples: Int, target: Double, _ body: () -> Void) -> Timing {
    body()
    var start = now()
    body()
    let once = max(now() - start, 1e-7)
    let calls = max(1, Int(target / once))
    var times: [Double] = []
    for _ in 0..<samples {
        start = now()
        for _ in 0..<calls { body() }
        times.append((now() - start) / Double(calls))
    }
    times.sort()
    return Timing(median: times[times.count / 2], best: times[0])
}

enum Kind: String, CaseIterable { case forward, dataGradient = "data gradient", weightGradient = "weight gradient" }

struct Result {
    let fanIn: Int, fanOut: Int, rows: Int, kind: Kind, threads: Int
    let timing: Timing
    var fmas: Double { Double(fanIn * fanOut * rows) }
}

func run(fanIn: Int, fanOut: Int, rows: Int, kind: Kind, threads: Int, samples: Int, target: Double,
         check: Bool) throws -> (Result, [Double]) {
    try Parallel.setThreadCount(threads)
    let S = (rows + 3) & ~3
    let inCount = fanIn * S, outCount = fanOut * S
    let a = UnsafeMutablePointer<Double>.allocate(capacity: inCount)
    let dz = UnsafeMutablePointer<Double>.allocate(capacity: outCount)
    let w = UnsafeMutablePointer<Double>.allocate(capacity: fanIn * fanOut)
    let b = UnsafeMutablePointer<Double>.allocate(capacity: fanOut)
    let resultCount = kind == .forward ? outCount : kind == .dataGradient ? inCount : fanIn * fanOut + fanOut
    let out = UnsafeMutablePointer<Double>.allocate(capacity: resultCount)
    let scratch = UnsafeMutablePointer<Double>.allocate(
        capacity: max(1, ProductBenchmarks.scratchCount(fanIn: fanIn, fanOut: fanOut, stride: S)))
    defer { for p in [a, dz, w, b, out, scratch] { p.deallocate() } }
    fill(a, inCount, seed: 1); fill(dz, outCount, seed: 2); fill(w, fanIn * fanOut, seed: 3); fill(b, fanOut, seed: 4)
    for k in 0..<fanIn { for i in rows..<S { a[k * S + i] = 0 } }
    for j in 0..<fanOut { for i in rows..<S { dz[j * S + i] = 0 } }
    let body: () -> Void
    switch kind {
    case .forward:
        body = { ProductBenchmarks.forward(a, fanIn: fanIn, fanOut: fanOut, stride: S, w, b, out, scratch: scratch) }
    case .dataGradient:
        body = { ProductBenchmarks.dataGradient(dz, fanIn: fanIn, fanOut: fanOut, stride: S, w, out, scratch: scratch) }
    case .weightGradient:
        body = {
            ProductBenchmarks.weightGradient(a, dz, fanIn: fanIn, fanOut: fanOut, stride: S, out, out + fanIn * fanOut,
                                             scratch: scratch)
        }
    }
    let timing = time(samples: samples, target: target, body)
    body()
    let values = Array(UnsafeBufferPointer(start: out, count: resultCount))
    if check {
        // Against a plain loop, in a relative tolerance.
        var worst = 0.0
        func compare(_ got: Double, _ want: Double, _ scale: Double) {
            worst = max(worst, abs(got - want) / max(scale, 1e-300))
        }
        switch kind {
        case .forward:
            for j in 0..<fanOut { for i in 0..<rows {
                var s = 0.0, m = 0.0
                for k in 0..<fanIn { s += w[k * fanOut + j] * a[k * S + i]; m += abs(w[k * fanOut + j] * a[k * S + i]) }
                compare(out[j * S + i], s + b[j], m + abs(b[j]))
            } }
        case .dataGradient:
            for k in 0..<fanIn { for i in 0..<rows {
                var s = 0.0, m = 0.0
                for j in 0..<fanOut { s += w[k * fanOut + j] * dz[j * S + i]; m += abs(w[k * fanOut + j] * dz[j * S + i]) }
                compare(out[k * S + i], s, m)
            } }
        case .weightGradient:
            for k in 0..<fanIn { for j in 0..<fanOut {
                var s = 0.0, m = 0.0
                for i in 0..<rows { s += a[k * S + i] * dz[j * S + i]; m += abs(a[k * S + i] * dz[j * S + i]) }
                compare(out[k * fanOut + j], s, m)
            } }
        }
        if worst > 1e-13 { print("CHECK FAILED: \(kind.rawValue) \(fanIn)->\(fanOut) x \(rows): \(worst)") }
    }
    return (Result(fanIn: fanIn, fanOut: fanOut, rows: rows, kind: kind, threads: threads, timing: timing), values)
}

// MARK: - Command line

var json = false, quick = false, check = false
var shapes = [(784, 512), (512, 512)]
var rowCounts = [2048, 64]
var threadCounts = [1, 2]
var kinds = Kind.allCases
var arguments = CommandLine.arguments.dropFirst().makeIterator()
func numbers(_ s: String?) -> [Int] { (s ?? "").split(separator: ",").compactMap { Int($0) } }
while let arg = arguments.next() {
    switch arg {
    case "--json": json = true
    case "--quick": quick = true
    case "--check": check = true
    case "--rows": rowCounts = numbers(arguments.next())
    case "--threads": threadCounts = numbers(arguments.next())
    case "--kinds":
        let names = (arguments.next() ?? "").split(separator: ",")
        kinds = Kind.allCases.filter { k in names.contains { k.rawValue.hasPrefix($0) } }
    case "--shapes":
        shapes = (arguments.next() ?? "").split(separator: ",").compactMap { s in
            let p = s.split(separator: "x").compactMap { Int($0) }
            return p.count == 2 ? (p[0], p[1]) : nil
        }
    default:
        print("usage: swiftmoons-bench [--json] [--quick] [--check] [--shapes 784x512,...] [--rows 2048,64] "
              + "[--threads 1,2] [--kinds forward,data,weight]")
        exit(2)
    }
}
let samples = quick ? 3 : 7
let target = quick ? 0.02 : 0.1
let peaks = threadCounts.map { (threads: $0, gfma: peak(threads: $0, samples: samples)) }
let perCore = peaks.first { $0.threads == 1 }?.gfma ?? (peaks.first.map { $0.gfma / Double($0.threads) } ?? 1)
var results: [Result] = []
var identical = true
for (fanIn, fanOut) in shapes {
    for rows in rowCounts {
        for kind in kinds {
            var first: [Double]? = nil
            for threads in threadCounts {
                let (r, values) = try run(fanIn: fanIn, fanOut: fanOut, rows: rows, kind: kind, threads: threads,
                                          samples: samples, target: target, check: check && first == nil)
                if let first, first != values {
                    identical = false
                    if !json { print("DIFFERENT across thread counts: \(kind.rawValue) \(fanIn)->\(fanOut) x \(rows)") }
                }
                first = first ?? values
                results.append(r)
                if !json {
                    let g = r.fmas / r.timing.median / 1e9, gb = r.fmas / r.timing.best / 1e9
                    let share = 100 * g / (perCore * Double(threads))
                    let name = pad("\(fanIn)->\(fanOut) x \(rows)", 18)
                    let what = pad(kind.rawValue, 16)
                    var line = name + " " + what + " \(threads) thr  " + fixed(r.timing.median * 1e3, 3, 8) + " ms  "
                    line += fixed(g, 2, 6) + " GFMA/s (best " + fixed(gb, 2, 6) + ")  " + fixed(share, 1, 5) + "% of peak"
                    print(line)
                }
            }
        }
    }
}
if json {
    var items: [String] = []
    for r in results {
        items.append("{\"fan_in\": \(r.fanIn), \"fan_out\": \(r.fanOut), \"rows\": \(r.rows), "
                     + "\"kind\": \"\(r.kind.rawValue)\", \"threads\": \(r.threads), "
                     + "\"median_s\": \(r.timing.median), \"best_s\": \(r.timing.best)}")
    }
    let peakItems = peaks.map { "\"\($0.threads)\": \($0.gfma)" }.joined(separator: ", ")
    print("{\"peak_gfma\": {\(peakItems)}, \"identical_across_threads\": \(identical), "
          + "\"results\": [\(items.joined(separator: ", "))]}")
} else {
    for p in peaks {
        print("peak (register-only FMA loop): " + fixed(p.gfma, 2) + " GFMA/s on \(p.threads) thread(s), "
              + fixed(p.gfma / Double(p.threads), 2) + " per core")
    }
    print("results \(identical ? "identical" : "DIFFER") across thread counts")
}
