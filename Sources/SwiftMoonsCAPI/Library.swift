// The library itself: version, status codes and the last error, threads,
// live objects, and the progress objects that long calls report to and are
// cancelled through.

import SwiftMoons

// MARK: - Version and errors

@_cdecl("sm_version_number")
public func sm_version_number() -> Int32 { 100 }

@_cdecl("sm_version_string")
public func sm_version_string() -> UnsafePointer<CChar> { cString("0.1.0") }

@_cdecl("sm_build_variant")
public func sm_build_variant() -> UnsafePointer<CChar> {
    // scripts/build_native.py defines SWIFTMOONS_<VARIANT> as it sets the target CPU.
    #if SWIFTMOONS_AVX512
    cString("avx512")
    #elseif SWIFTMOONS_AVX2
    cString("avx2")
    #elseif SWIFTMOONS_BASELINE
    cString("baseline")
    #else
    cString("unspecified")  // a plain `swift build`: whatever the toolchain targets by default
    #endif
}

@_cdecl("sm_last_error")
public func sm_last_error() -> UnsafePointer<CChar> { lastErrorPointer() }

@_cdecl("sm_status_name")
public func sm_status_name(_ status: Int32) -> UnsafePointer<CChar> {
    switch Status(rawValue: status) {
    case .ok: return cString("SM_OK")
    case .badArgument: return cString("SM_ERR_BAD_ARGUMENT")
    case .badShape: return cString("SM_ERR_BAD_SHAPE")
    case .invalidHandle: return cString("SM_ERR_INVALID_HANDLE")
    case .outOfMemory: return cString("SM_ERR_OUT_OF_MEMORY")
    case .internalError: return cString("SM_ERR_INTERNAL")
    case .cancelled: return cString("SM_ERR_CANCELLED")
    case nil: return cString("SM_ERR_UNKNOWN")
    }
}

// MARK: - Threads and objects

@_cdecl("sm_set_thread_count")
public func sm_set_thread_count(_ n: Int32) -> Int32 {
    guarded { try Parallel.setThreadCount(Int(n)) }
}

@_cdecl("sm_thread_count")
public func sm_thread_count() -> Int32 { Int32(Parallel.threadCount) }

@_cdecl("sm_live_object_count")
public func sm_live_object_count() -> Int64 { Int64(liveHandleCount()) }

// MARK: - Progress and cancellation

@_cdecl("sm_progress_create")
public func sm_progress_create(_ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    createHandle(out) { ProgressHandle() }
}

@_cdecl("sm_progress_free")
public func sm_progress_free(_ progress: OpaquePointer?) -> Int32 {
    freeHandle(progress, as: ProgressHandle.self, "sm_progress")
}

@_cdecl("sm_progress_cancel")
public func sm_progress_cancel(_ progress: OpaquePointer?) -> Int32 {
    guarded { try lookup(progress, as: ProgressHandle.self, "sm_progress").progress.cancel() }
}

@_cdecl("sm_progress_get")
public func sm_progress_get(_ progress: OpaquePointer?, _ completed: UnsafeMutablePointer<Int64>?,
                            _ total: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let p = try lookup(progress, as: ProgressHandle.self, "sm_progress").progress
        guard let completed, let total else {
            throw APIError(status: .badArgument, message: "completed and total must not be NULL")
        }
        total.pointee = Int64(p.total)
        completed.pointee = Int64(p.completed)
    }
}
