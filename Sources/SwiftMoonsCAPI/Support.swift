// The plumbing every export shares: status codes, the thread-local last
// error, the handle registry and checked views of caller buffers. Nothing
// here traps on a caller's input: every check becomes a status and a message.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import SwiftMoons

/// The status codes of include/swiftmoons.h.
enum Status: Int32 {
    case ok = 0
    case badArgument = 1
    case badShape = 2
    case invalidHandle = 3
    case outOfMemory = 4
    case internalError = 5
    case cancelled = 6
}

/// A failure detected in the export layer itself.
struct APIError: Error {
    let status: Status
    let message: String
}

// MARK: - Last error (thread-local)

private let errorKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key) { free($0) }
    return key
}()

func setLastError(_ message: String) {
    let old = pthread_getspecific(errorKey)
    let copy = strdup(message)
    pthread_setspecific(errorKey, copy)
    free(old)
}

func lastErrorPointer() -> UnsafePointer<CChar> {
    if let p = pthread_getspecific(errorKey) {
        return UnsafePointer(p.assumingMemoryBound(to: CChar.self))
    }
    return cString("")
}

/// A pointer to a NUL-terminated literal in the binary: valid forever.
func cString(_ s: StaticString) -> UnsafePointer<CChar> {
    UnsafeRawPointer(s.utf8Start).assumingMemoryBound(to: CChar.self)
}

/// Runs `body`, turning any thrown error into a status and a last-error message.
@inline(__always)
func guarded(_ body: () throws -> Void) -> Int32 {
    do {
        try body()
        return Status.ok.rawValue
    } catch let e as SwiftMoonsError {
        setLastError(e.message)
        switch e {
        case .badArgument: return Status.badArgument.rawValue
        case .badShape: return Status.badShape.rawValue
        case .outOfMemory: return Status.outOfMemory.rawValue
        case .cancelled: return Status.cancelled.rawValue
        }
    } catch let e as TrainingInterrupted {
        let epochs = e.epochsCompleted.map(String.init).joined(separator: ", ")
        setLastError("Training was interrupted after \(epochs) epoch(s)")
        return Status.cancelled.rawValue
    } catch let e as APIError {
        setLastError(e.message)
        return e.status.rawValue
    } catch {
        setLastError("internal error: \(error)")
        return Status.internalError.rawValue
    }
}

// MARK: - Handles

/// A random stream behind an `sm_rng *`; its lock serializes callers.
final class RNGHandle: Sendable {
    let state: Mutex<RandomState>
    init(_ rng: RandomState) { state = Mutex(rng) }
}

/// A cancel flag and progress count behind an `sm_progress *`.
final class ProgressHandle: Sendable {
    let progress = Progress()
}

/// The progress object of a long call, or nil for a NULL handle.
func progressOf(_ handle: OpaquePointer?) throws -> Progress? {
    guard handle != nil else { return nil }
    return try lookup(handle, as: ProgressHandle.self, "sm_progress").progress
}

/// A core object behind a handle (an `sm_net *`, an `sm_cnn *`). Python
/// releases the GIL during ctypes calls, so two threads may share a handle:
/// the lock keeps them apart.
final class LockedHandle<Object: AnyObject>: @unchecked Sendable {
    private let lock = Mutex<Void>(())
    private let object: Object
    init(_ object: Object) { self.object = object }
    func with<R>(_ body: (Object) throws -> R) throws -> R {
        try lock.withLock { _ in try body(object) }
    }
}

typealias NetHandle = LockedHandle<Network>

/// Every live handle, by number. A handle is not an address: it is a number
/// that the registry hands out once and never again, so a freed handle
/// cannot come back to name a newer object, and a pointer that was never
/// handed out (or was, for another type, or was freed) is reported, not
/// followed.
private struct Registry {
    var objects: [UInt: any AnyObject & Sendable] = [:]
    /// The next handle's number. Numbers step by 16 from an odd-looking
    /// start so that small integers, NULL and real addresses are never
    /// handles; 2^60 creates would be needed to wrap.
    var next: UInt = 0x5EED_0000_0000_1000
}
private let registry = Mutex(Registry())

func register(_ object: any AnyObject & Sendable) -> OpaquePointer {
    let key = registry.withLock { r -> UInt in
        let key = r.next
        r.next &+= 16
        r.objects[key] = object
        return key
    }
    // The number is never dereferenced: `lookup` maps it back to the object.
    return OpaquePointer(bitPattern: key)!
}

func lookup<T: AnyObject & Sendable>(_ handle: OpaquePointer?, as _: T.Type, _ what: String) throws -> T {
    guard let handle else { throw APIError(status: .invalidHandle, message: "\(what) handle is NULL") }
    let key = UInt(bitPattern: UnsafeRawPointer(handle))
    let object = registry.withLock { $0.objects[key] }
    guard let typed = object as? T else {
        throw APIError(status: .invalidHandle, message: "\(what) handle \(handle) is not a live \(what) (freed, never created, or of another type)")
    }
    return typed
}

/// Forgets a handle; `nil` is fine. Returns false for an unknown handle.
func unregister<T: AnyObject & Sendable>(_ handle: OpaquePointer?, as _: T.Type) -> Bool {
    guard let handle else { return true }
    let key = UInt(bitPattern: UnsafeRawPointer(handle))
    return registry.withLock { r -> Bool in
        guard r.objects[key] is T else { return false }
        r.objects[key] = nil
        return true
    }
}

/// A `*_create`: registers what `make` builds and stores its handle in
/// `out`, which stays NULL if anything fails.
func createHandle(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ make: () throws -> any AnyObject & Sendable) -> Int32 {
    guarded {
        guard let out else { throw APIError(status: .badArgument, message: "out is NULL") }
        out.pointee = nil
        out.pointee = register(try make())
    }
}

/// A `*_free`: NULL is fine, anything but a live handle of type `T` is reported.
func freeHandle<T: AnyObject & Sendable>(_ handle: OpaquePointer?, as type: T.Type, _ what: String) -> Int32 {
    guarded {
        guard unregister(handle, as: type) else {
            throw APIError(status: .invalidHandle, message: "\(what)_free: not a live \(what) handle")
        }
    }
}

/// The number of live handles (for the leak checks of the tests).
func liveHandleCount() -> Int { registry.withLock { $0.objects.count } }

// MARK: - Caller buffers

func count(_ n: Int64, _ name: String, allowZero: Bool = false) throws -> Int {
    guard n > 0 || (allowZero && n == 0) else {
        throw APIError(status: .badArgument, message: "\(name) must be \(allowZero ? ">= 0" : ">= 1"), got \(n)")
    }
    guard n <= Int64(Int32.max) * 8 else {
        throw APIError(status: .outOfMemory, message: "\(name) is too large: \(n)")
    }
    return Int(n)
}

func input<T>(_ p: UnsafePointer<T>?, _ n: Int, _ name: String) throws -> UnsafeBufferPointer<T> {
    guard let p else {
        if n == 0 { return UnsafeBufferPointer(start: nil, count: 0) }
        throw APIError(status: .badArgument, message: "\(name) is NULL")
    }
    return UnsafeBufferPointer(start: p, count: n)
}

func output<T>(_ p: UnsafeMutablePointer<T>?, _ n: Int, _ name: String) throws -> UnsafeMutableBufferPointer<T> {
    guard let p else {
        if n == 0 { return UnsafeMutableBufferPointer(start: nil, count: 0) }
        throw APIError(status: .badArgument, message: "\(name) is NULL")
    }
    return UnsafeMutableBufferPointer(start: p, count: n)
}

/// The product of two counts, or a bad-shape error if it overflows.
func product(_ a: Int, _ b: Int, _ name: String) throws -> Int {
    let (p, overflow) = a.multipliedReportingOverflow(by: b)
    guard !overflow, p <= Int(Int32.max) * 8 else {
        throw APIError(status: .outOfMemory, message: "\(name) is too large: \(a) x \(b)")
    }
    return p
}

func string(_ p: UnsafePointer<CChar>?, _ name: String) throws -> String {
    guard let p else { throw APIError(status: .badArgument, message: "\(name) is NULL") }
    return String(cString: p)
}
