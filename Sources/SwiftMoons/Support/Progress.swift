#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A long call's line to whoever waits for it: the waiter may ask the call
/// to stop (`cancel`), and the call reports how many units of its work are
/// done (epochs for training, seeds for a sweep, rows for a forward pass).
///
/// Long calls look at `isCancelled` between pieces of work of at most a few
/// milliseconds (a mini-batch, a block of rows, an epoch of a sweep's small
/// network) and then throw `SwiftMoonsError.cancelled`, leaving their
/// objects as their documentation says. Nothing here allocates or locks on
/// the hot path: a check is one relaxed atomic load.
public final class Progress: Sendable {
    private let stop = Atomic<Bool>(false)
    private let done = Atomic<Int>(0)
    private let planned = Atomic<Int>(0)

    public init() {}

    /// Asks the call using this object to stop as soon as it can.
    public func cancel() { stop.store(true, ordering: .relaxed) }

    /// Whether `cancel` was called.
    public var isCancelled: Bool { stop.load(ordering: .relaxed) }

    /// Units of work completed so far.
    public var completed: Int { done.load(ordering: .acquiring) }

    /// Units of work the call will do in all (0 before it starts).
    public var total: Int { planned.load(ordering: .relaxed) }

    /// Starts a new count of `total` units; the stop request stays.
    func begin(total: Int) {
        done.store(0, ordering: .releasing)
        planned.store(total, ordering: .relaxed)
    }

    /// Marks `n` more units done.
    func advance(by n: Int = 1) { done.add(n, ordering: .releasing) }

    /// Sets the units done (for counts that are a minimum over workers).
    func setCompleted(_ n: Int) { done.store(n, ordering: .releasing) }

    /// Throws `cancelled` if a stop was asked for.
    func check(_ what: @autoclosure () -> String) throws {
        if isCancelled { throw SwiftMoonsError.cancelled("\(what()) was interrupted") }
    }
}

/// Seconds by the monotonic clock (for durations only).
func monotonicSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}
