#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// NumPy's legacy random stream (`numpy.random.RandomState`), bit for bit.
///
/// MT19937 seeded like the reference `init_genrand`, 53-bit doubles from two
/// 32-bit draws, Gaussians by Marsaglia's polar method with the second value
/// cached, and permutations by Fisher–Yates from the end with masked
/// rejection sampling. The same seed gives the same numbers as NumPy.
public struct RandomState: Sendable, Equatable {
    /// The number of 32-bit words in the MT19937 state.
    public static let stateLength = 624

    @usableFromInline var key: [UInt32]
    @usableFromInline var pos: Int
    /// key's words tempered, made for the whole state at each twist (a loop
    /// that vectorizes) so that a draw is one load; valid while pos < 624.
    @usableFromInline var tempered: [UInt32]
    /// Whether a Gaussian from the last polar pair is waiting to be returned.
    public private(set) var hasGauss: Bool
    /// The cached Gaussian (meaningful when `hasGauss`).
    public private(set) var cachedGaussian: Double

    /// Seeds like `numpy.random.RandomState(seed)`; seeds outside 0...2^32-1
    /// are rejected, as NumPy rejects them.
    public init(seed: Int) throws {
        key = [UInt32](repeating: 0, count: RandomState.stateLength)
        tempered = key
        pos = RandomState.stateLength
        hasGauss = false
        cachedGaussian = 0
        try self.seed(seed)
    }

    /// Reseeds like `RandomState.seed(seed)`: the cached Gaussian is dropped.
    public mutating func seed(_ seed: Int) throws {
        guard seed >= 0, seed <= Int(UInt32.max) else {
            throw SwiftMoonsError.badArgument("Seed must be between 0 and 2**32 - 1, got \(seed)")
        }
        var s = UInt32(seed)
        for i in 0..<RandomState.stateLength {
            key[i] = s
            s = 1_812_433_253 &* (s ^ (s >> 30)) &+ UInt32(i + 1)
        }
        pos = RandomState.stateLength
        hasGauss = false
        cachedGaussian = 0
    }

    /// The raw state in NumPy's `get_state()` layout: 624 words, position,
    /// cached-Gaussian flag and value.
    public var state: (key: [UInt32], pos: Int, hasGauss: Bool, cachedGaussian: Double) {
        (key, pos, hasGauss, cachedGaussian)
    }

    /// Restores a state in NumPy's `set_state()` layout.
    public mutating func setState(key newKey: [UInt32], pos newPos: Int, hasGauss newHas: Bool, cachedGaussian g: Double) throws {
        guard newKey.count == RandomState.stateLength else {
            throw SwiftMoonsError.badShape("state must have \(RandomState.stateLength) words, got \(newKey.count)")
        }
        guard newPos >= 0, newPos <= RandomState.stateLength else {
            throw SwiftMoonsError.badArgument("state position must be in 0...\(RandomState.stateLength), got \(newPos)")
        }
        // MT19937 reads only the top bit of the first word; with it and every
        // other word zero the generator outputs zeros forever (and a normal
        // draw, which rejects them, would never return). NumPy accepts such
        // a key; it is refused here.
        if newKey[0] & 0x8000_0000 == 0, newKey.dropFirst().allSatisfy({ $0 == 0 }) {
            throw SwiftMoonsError.badArgument("The state's key is all zero (in the bits MT19937 uses): such a stream draws only zeros")
        }
        key = newKey
        pos = newPos
        hasGauss = newHas
        cachedGaussian = newHas ? g : 0
        temperAll()
    }

    /// Equal states give equal streams (the tempered words follow from the key).
    public static func == (a: RandomState, b: RandomState) -> Bool {
        a.key == b.key && a.pos == b.pos && a.hasGauss == b.hasGauss && a.cachedGaussian == b.cachedGaussian
    }

    // MARK: - Draws

    /// The next tempered 32-bit output of MT19937.
    @inlinable
    public mutating func nextUInt32() -> UInt32 {
        if pos >= RandomState.stateLength { twist() }
        let y = tempered[pos]
        pos += 1
        return y
    }

    /// MT19937's tempering of every word of the key into `tempered`.
    @usableFromInline
    mutating func temperAll() {
        key.withUnsafeBufferPointer { k in
            tempered.withUnsafeMutableBufferPointer { t in
                for i in 0..<RandomState.stateLength {
                    var y = k[i]
                    y ^= y >> 11
                    y ^= (y << 7) & 0x9d2c_5680
                    y ^= (y << 15) & 0xefc6_0000
                    y ^= y >> 18
                    t[i] = y
                }
            }
        }
    }

    @usableFromInline
    mutating func twist() {
        let n = RandomState.stateLength, m = 397
        let upper: UInt32 = 0x8000_0000, lower: UInt32 = 0x7fff_ffff, matrixA: UInt32 = 0x9908_b0df
        key.withUnsafeMutableBufferPointer { k in
            // The reference generator's three loops, without a modulo per word.
            @inline(__always) func mix(_ i: Int, _ next: Int, _ far: Int) {
                let y = (k[i] & upper) | (k[next] & lower)
                k[i] = k[far] ^ (y >> 1) ^ ((y & 1) == 0 ? 0 : matrixA)
            }
            for i in 0..<(n - m) { mix(i, i + 1, i + m) }
            for i in (n - m)..<(n - 1) { mix(i, i + 1, i + m - n) }
            mix(n - 1, 0, m - 1)
        }
        temperAll()
        pos = 0
    }

    /// A double in [0, 1) with 53 random bits, as `random_sample()`.
    @inlinable
    public mutating func randomSample() -> Double {
        let a = nextUInt32() >> 5, b = nextUInt32() >> 6
        return (Double(a) * 67_108_864.0 + Double(b)) / 9_007_199_254_740_992.0
    }

    /// A standard normal value, as `randn()` / `standard_normal()`.
    public mutating func gaussian() -> Double {
        if hasGauss {
            hasGauss = false
            let g = cachedGaussian
            cachedGaussian = 0
            return g
        }
        var x1 = 0.0, x2 = 0.0, r2 = 0.0
        repeat {
            x1 = 2.0 * randomSample() - 1.0
            x2 = 2.0 * randomSample() - 1.0
            r2 = x1 * x1 + x2 * x2
        } while r2 >= 1.0 || r2 == 0.0
        // Polar method: both f*x1 and f*x2 are normal; NumPy returns the
        // second and keeps the first for the next call.
        let f = sqrt(-2.0 * log(r2) / r2)
        cachedGaussian = f * x1
        hasGauss = true
        return f * x2
    }

    /// `loc + scale * gaussian()`, as the legacy `normal(loc, scale)`.
    public mutating func normal(loc: Double = 0, scale: Double = 1) -> Double {
        loc + scale * gaussian()
    }

    /// A uniform integer in 0...max by masked rejection, as NumPy's
    /// `random_interval`.
    @inlinable
    public mutating func interval(_ max: UInt64) -> UInt64 {
        if max == 0 { return 0 }
        // The smallest all-ones mask >= max (NumPy builds it by shifting and or-ing).
        let mask = UInt64.max >> UInt64(max.leadingZeroBitCount)
        var value: UInt64
        if max <= UInt64(UInt32.max) {
            repeat { value = UInt64(nextUInt32()) & mask } while value > max
        } else {
            repeat {
                let hi = UInt64(nextUInt32()), lo = UInt64(nextUInt32())
                value = ((hi << 32) | lo) & mask
            } while value > max
        }
        return value
    }

    /// Shuffles in place, as `shuffle(x)` for the first axis.
    public mutating func shuffle<C: MutableCollection & RandomAccessCollection>(_ items: inout C) where C.Index == Int {
        let n = items.count
        guard n > 1 else { return }
        let base = items.startIndex
        for i in stride(from: n - 1, to: 0, by: -1) {
            let j = Int(interval(UInt64(i)))
            items.swapAt(base + i, base + j)
        }
    }

    /// Shuffles `n` values in place (the same draws as `shuffle`), on raw
    /// memory: the hot path of whole-run training, which permutes every epoch.
    @inlinable
    mutating func shuffle(_ items: UnsafeMutablePointer<Int>, count n: Int) {
        var buffer = UnsafeMutableBufferPointer(start: items, count: n)
        shuffle(&buffer)
    }

    /// A permutation of 0..<n, as `permutation(n)`.
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<max(n, 0))
        shuffle(&p)
        return p
    }
}
