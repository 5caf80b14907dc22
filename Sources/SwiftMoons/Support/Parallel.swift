#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Synchronization

/// How many threads the library's parallel loops use.
public enum Parallel {
    private static let requested = Atomic<Int>(0)
    /// Parallel loops running now (their bodies run nested loops serially).
    private static let running = Atomic<Int>(0)

    /// The processors online when the library was first asked (sysconf reads
    /// sysfs on every call: far too slow for a question asked per product).
    public static let processorCount: Int = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))

    /// The threads parallel loops use: the number set, or every processor.
    public static var threadCount: Int {
        let n = requested.load(ordering: .relaxed)
        return n > 0 ? n : processorCount
    }

    /// Sets the thread count; 0 means one per processor.
    public static func setThreadCount(_ n: Int) throws {
        guard n >= 0, n <= 1024 else { throw SwiftMoonsError.badArgument("The thread count must be in 0...1024, got \(n)") }
        requested.store(n, ordering: .relaxed)
    }

    /// Runs `body(i)` for i in 0..<count on up to `threadCount` threads (or
    /// `maxThreads`, if fewer), each taking the next index when it is free
    /// (uneven tasks balance out).
    public static func forEach(_ count: Int, maxThreads: Int = .max, _ body: (Int) -> Void) {
        guard count > 1 else {
            if count == 1 { body(0) }
            return
        }
        let workers = min(count, threadCount, maxThreads)
        // A loop inside another's body (a layer product inside a sweep's
        // networks or a forward pass's blocks) runs on its caller's thread:
        // the outer loop already has every thread busy.
        if workers <= 1 || running.load(ordering: .relaxed) > 0 {
            for i in 0..<count { body(i) }
            return
        }
        running.add(1, ordering: .relaxed)
        defer { running.subtract(1, ordering: .relaxed) }
        let next = Atomic<Int>(0)
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBox(body)
            withUnsafePointer(to: next) { counter in
                let shared = UncheckedBox(counter)
                DispatchQueue.concurrentPerform(iterations: workers) { _ in
                    while true {
                        let i = shared.value.pointee.wrappingAdd(1, ordering: .relaxed).oldValue
                        if i >= count { break }
                        box.value(i)
                    }
                }
            }
        }
    }
}

/// Lets a closure that only touches disjoint memory cross into Dispatch's threads.
private struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
