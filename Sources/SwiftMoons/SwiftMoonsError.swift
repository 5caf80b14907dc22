/// The errors the core reports. Every failure carries a message meant for the
/// user; the C layer maps each case to a status code.
public enum SwiftMoonsError: Error, Equatable, CustomStringConvertible {
    /// An argument has a value the operation cannot accept.
    case badArgument(String)
    /// An array has the wrong number of rows, columns or elements.
    case badShape(String)
    /// The requested sizes are too large to allocate.
    case outOfMemory(String)

    /// The message for the user.
    public var message: String {
        switch self {
        case .badArgument(let m), .badShape(let m), .outOfMemory(let m): return m
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
            throw SwiftMoonsError.outOfMemory("\(what) needs too many elements (\(factors.map(String.init).joined(separator: " x ")))")
        }
        total = p
    }
    return total
}

/// The largest number of float64 elements one buffer may hold (16 GiB).
let maxElements = 1 << 31
