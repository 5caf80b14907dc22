#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// How many threads the library's parallel loops use.
public enum Parallel {
    private static let requested = Atomic<Int>(0)

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
    /// (uneven tasks balance out). The calling thread takes part; the others
    /// come from the library's own pool (`WorkerPool`).
    public static func forEach(_ count: Int, maxThreads: Int = .max, _ body: (Int) -> Void) {
        guard count > 1 else {
            if count == 1 { body(0) }
            return
        }
        let workers = min(count, threadCount, maxThreads)
        // A loop inside another's body (a layer product inside a sweep's
        // networks or a forward pass's blocks), or one started while another
        // thread's loop holds the pool, runs on its caller's thread: the
        // other loop already has every thread busy.
        guard workers > 1, let pool = WorkerPool.shared.acquire(helpers: workers - 1) else {
            for i in 0..<count { body(i) }
            return
        }
        defer { WorkerPool.shared.release() }
        let next = Atomic<Int>(0)
        withoutActuallyEscaping(body) { body in
            withUnsafePointer(to: next) { counter in
                var job = Job(count: count, next: counter, body: body)
                withUnsafeMutablePointer(to: &job) { pool.run($0) }
            }
        }
    }
}

/// One parallel loop: its indices, the counter its threads take them from,
/// and its body. It lives on the stack of the thread that runs `forEach`,
/// which does not return before every helper that took the job is done.
struct Job {
    let count: Int
    let next: UnsafePointer<Atomic<Int>>
    let body: (Int) -> Void

    /// Takes indices until none is left.
    func work() {
        while true {
            let i = next.pointee.wrappingAdd(1, ordering: .relaxed).oldValue
            if i >= count { return }
            body(i)
        }
    }
}

/// The library's helper threads: one loop at a time, the caller's thread
/// plus up to `threadCount - 1` helpers started on first need.
///
/// Each helper has a mailbox word: 0 (idle), the address of a posted job, or
/// `accepted` while it runs one. The caller posts the job to the helpers it
/// wants, works on it itself, then takes back every post not yet accepted
/// and waits only for helpers that did accept: a helper that wakes late
/// costs the loop nothing. After a job a helper watches its mailbox for a
/// while (a forward pass or a training step called in a loop from Python
/// comes back within microseconds; waking a sleeping thread costs more than
/// a small product), yielding its processor to any thread that wants it,
/// then sleeps on a condition variable.
///
/// If a thread cannot be started the loop runs on fewer threads. After
/// `fork` the child has none of the parent's helpers; it starts its own.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()

    /// How long a helper watches its mailbox after a job before sleeping.
    static let spinSeconds = 0.001
    static let accepted = 1

    /// Set while a loop holds the pool.
    private let busy = Atomic<Bool>(false)
    /// Helpers started (guarded by `busy`: only the holder adds helpers).
    private var helpers: [Helper] = []
    /// Helpers the current loop posts to.
    private var posted = 0

    private init() {
        pthread_atfork(nil, nil, { WorkerPool.shared.afterFork() })
    }

    /// The pool with up to `helpers` helpers ready, or nil if another loop
    /// holds it. Pair with `release()`.
    func acquire(helpers wanted: Int) -> WorkerPool? {
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return nil }
        while helpers.count < wanted, helpers.count < 1023, let helper = Helper.start() {
            helpers.append(helper)
        }
        posted = min(wanted, helpers.count)
        return self
    }

    func release() {
        busy.store(false, ordering: .releasing)
    }

    /// Runs the job on this thread and the posted helpers.
    func run(_ job: UnsafeMutablePointer<Job>) {
        let address = Int(bitPattern: UnsafeRawPointer(job))
        // Helpers spin only while each can have a processor of its own.
        let spin = posted < Parallel.processorCount
        for h in 0..<posted { helpers[h].post(address, spin: spin) }
        job.pointee.work()
        for h in 0..<posted { helpers[h].retract(address) }
    }

    /// In a child after `fork`: the helpers were not copied; forget them.
    private func afterFork() {
        helpers = []
        posted = 0
        busy.store(false, ordering: .sequentiallyConsistent)
    }
}

/// One helper thread and its mailbox.
final class Helper: @unchecked Sendable {
    let mailbox = Atomic<Int>(0)
    let sleeping = Atomic<Bool>(false)
    let spins = Atomic<Bool>(true)
    private let lock: UnsafeMutablePointer<pthread_mutex_t>
    private let wake: UnsafeMutablePointer<pthread_cond_t>

    private init() {
        lock = .allocate(capacity: 1)
        wake = .allocate(capacity: 1)
        pthread_mutex_init(lock, nil)
        pthread_cond_init(wake, nil)
    }

    /// A new helper with its thread running, or nil if no thread could be started.
    static func start() -> Helper? {
        let helper = Helper()
        let context = Unmanaged.passRetained(helper).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        #if canImport(Glibc)
        var thread = pthread_t()
        #else
        var thread: pthread_t? = nil
        #endif
        let status = pthread_create(&thread, &attributes, { context in
            #if canImport(Glibc)
            let helper = Unmanaged<Helper>.fromOpaque(context!).takeRetainedValue()
            #else
            let helper = Unmanaged<Helper>.fromOpaque(context).takeRetainedValue()
            #endif
            helper.serve()
            return nil
        }, context)
        guard status == 0 else {
            Unmanaged<Helper>.fromOpaque(context).release()
            return nil
        }
        return helper
    }

    /// Hands the job at `address` to this helper.
    func post(_ address: Int, spin: Bool) {
        spins.store(spin, ordering: .relaxed)
        mailbox.store(address, ordering: .sequentiallyConsistent)
        if sleeping.load(ordering: .sequentiallyConsistent) {
            pthread_mutex_lock(lock)
            pthread_cond_signal(wake)
            pthread_mutex_unlock(lock)
        }
    }

    /// Takes the job back if the helper has not accepted it, else waits
    /// until the helper is done with it.
    func retract(_ address: Int) {
        if mailbox.compareExchange(expected: address, desired: 0, ordering: .acquiringAndReleasing).exchanged { return }
        var rounds = 0
        while mailbox.load(ordering: .acquiring) != 0 {
            rounds &+= 1
            // Only a helper sharing a processor with this thread takes long.
            if rounds & 1023 == 0 { sched_yield() }
        }
    }

    /// The helper's thread: accept posted jobs for ever.
    private func serve() {
        while true {
            let address = waitForPost()
            guard mailbox.compareExchange(expected: address, desired: WorkerPool.accepted,
                                          ordering: .acquiringAndReleasing).exchanged else { continue }
            Helper.work(at: address)
            mailbox.store(0, ordering: .releasing)
        }
    }

    /// The job's work, its copy of the job (and of the caller's closure)
    /// released before returning: the caller's `withoutActuallyEscaping`
    /// checks that no copy outlives the loop.
    @inline(never)
    private static func work(at address: Int) {
        UnsafeMutablePointer<Job>(bitPattern: address)?.pointee.work()
    }

    /// A posted job's address: watched for `spinSeconds`, then slept for.
    private func waitForPost() -> Int {
        if spins.load(ordering: .relaxed) {
            let deadline = monotonicSeconds() + WorkerPool.spinSeconds
            while true {
                for _ in 0..<64 {
                    let address = mailbox.load(ordering: .relaxed)
                    if address > WorkerPool.accepted { return address }
                }
                if monotonicSeconds() > deadline { break }
                // A thread waiting for this processor (a new thread the
                // caller started, another process) gets it at once.
                sched_yield()
            }
        }
        pthread_mutex_lock(lock)
        sleeping.store(true, ordering: .sequentiallyConsistent)
        var address = mailbox.load(ordering: .sequentiallyConsistent)
        while address <= WorkerPool.accepted {
            pthread_cond_wait(wake, lock)
            address = mailbox.load(ordering: .sequentiallyConsistent)
        }
        sleeping.store(false, ordering: .relaxed)
        pthread_mutex_unlock(lock)
        return address
    }
}
