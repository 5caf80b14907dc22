import Synchronization
import Testing
@testable import SwiftMoons

/// The library's helper threads: every index of a parallel loop runs once,
/// whatever the thread count, nesting, or other loops running at once.
@Suite struct ParallelTests {
    /// How often `body` ran each of `count` indices in `Parallel.forEach`.
    func hits(_ count: Int, maxThreads: Int = .max, inner: Int = 0) -> [Int] {
        let tally = UnsafeMutablePointer<Int>.allocate(capacity: max(count, 1))
        tally.initialize(repeating: 0, count: max(count, 1))
        defer { tally.deallocate() }
        let nested = Atomic<Int>(0)
        Parallel.forEach(count, maxThreads: maxThreads) { i in
            tally[i] += 1  // each index is one task's alone: a repeat would show as 2
            // A loop inside a loop's body runs on that body's thread.
            Parallel.forEach(inner) { _ in nested.add(1, ordering: .relaxed) }
        }
        #expect(nested.load(ordering: .relaxed) == count * inner)
        return Array(UnsafeBufferPointer(start: tally, count: count))
    }

    @Test(arguments: [0, 1, 2, 3, 7, 100, 10_000])
    func everyIndexRunsOnce(count: Int) {
        #expect(hits(count) == Array(repeating: 1, count: count))
        #expect(hits(count, maxThreads: 1) == Array(repeating: 1, count: count))
        #expect(hits(count, inner: 3) == Array(repeating: 1, count: count))
    }

    @Test func loopsStartedAtOnceFromManyThreadsEachRunEveryIndexOnce() async {
        // One loop holds the helpers; the others run on their callers' threads.
        let counts = [5_000, 3, 20_000, 64, 1_000, 9_999, 2, 50_000]
        let results = await withTaskGroup(of: (Int, Bool).self) { group in
            for (k, count) in counts.enumerated() {
                group.addTask { (k, self.hits(count, inner: k % 2) == Array(repeating: 1, count: count)) }
            }
            var all = [Int: Bool]()
            for await (k, ok) in group { all[k] = ok }
            return all
        }
        #expect(results.count == counts.count)
        #expect(results.values.allSatisfy { $0 })
    }

    @Test func unevenTasksEachRunOnce() {
        // Tasks of very different lengths: threads take the next index as they free up.
        let seen = Mutex<Set<Int>>([])
        Parallel.forEach(64) { i in
            var x = Double(i)
            for _ in 0..<(i % 8) * 10_000 { x = x * 0.999_999 + 1e-9 }
            if x.isNaN { return }
            seen.withLock { _ = $0.insert(i) }
        }
        #expect(seen.withLock { $0 } == Set(0..<64))
    }
}
