#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The errors the core reports. Every failure carries a message meant for the
/// user; the C layer maps each case to a status code.
public enum SwiftMoonsError: Error, Equatable, CustomStringConvertible {
    /// An argument has a value the operation cannot accept.
    case badArgument(String)
    /// An array has the wrong number of rows, columns or elements.
    case badShape(String)
    /// The requested sizes are too large to allocate.
    case outOfMemory(String)
    /// The caller asked the call to stop (see `Progress.cancel`).
    case cancelled(String)

    /// The message for the user.
    public var message: String {
        switch self {
        case .badArgument(let m), .badShape(let m), .outOfMemory(let m), .cancelled(let m): return m
        }
    }

    public var description: String { message }
}

/// Multiplies sizes, reporting overflow or absurd totals as `outOfMemory`
/// instead of trapping.
@usableFromInline
func checkedCount(_ factors: Int..., what: String) throws -> Int {
    var total = 1
    for f in factors {
        let (p, overflow) = total.multipliedReportingOverflow(by: f)
        if overflow || p > maxElements {
            let bytes = factors.reduce(8.0) { $0 * Double($1) }
            throw SwiftMoonsError.outOfMemory("\(what) needs too many elements (\(factors.map(String.init).joined(separator: " x ")) values, \(bytes) bytes; one buffer may hold at most \(maxElements))")
        }
        total = p
    }
    return total
}

/// The largest number of float64 elements one buffer may hold (16 GiB).
let maxElements = 1 << 31

/// Makes sure `elements` values of `T` can be allocated before a Swift array
/// or temporary buffer of that size is made: Swift stops the process when an
/// allocation fails, so every buffer whose size a caller controls is first
/// asked of the allocator here, and a refusal becomes `outOfMemory` (a
/// Python MemoryError) naming the bytes asked for. Several buffers made
/// together are checked as one total, so that they fit side by side.
public func checkAllocation<T>(_ elements: Int, of _: T.Type = Double.self, _ what: @autoclosure () -> String) throws {
    let (bytes, overflow) = elements.multipliedReportingOverflow(by: MemoryLayout<T>.stride)
    guard !overflow, elements >= 0 else {
        throw SwiftMoonsError.outOfMemory("\(what()) needs more memory than can be addressed (\(elements) values)")
    }
    // Small buffers need no check; the probe costs two system calls for large ones.
    guard bytes > 1 << 20 else { return }
    // The allocator serves sizes like these with a fresh mapping, so asking
    // the kernel for one answers the same question (under `ulimit -v`, or
    // beyond what overcommit allows). A malloc/free pair would not do: the
    // optimizer may remove it and assume success.
    let probe = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
    guard let probe, probe != MAP_FAILED else {
        throw SwiftMoonsError.outOfMemory("\(what()) needs \(bytes) bytes (\(describeBytes(bytes))), which could not be allocated")
    }
    munmap(probe, bytes)
}

/// `bytes` for people: "16.0 GiB".
func describeBytes(_ bytes: Int) -> String {
    let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
    var value = Double(bytes), unit = 0
    while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
    return unit == 0 ? "\(bytes) bytes" : "\((value * 10).rounded() / 10) \(units[unit])"
}
