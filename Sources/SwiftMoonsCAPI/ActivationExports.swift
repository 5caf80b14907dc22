// What the library knows by name (activations, output kinds, initializers),
// listed for callers, and the activations evaluated on their own.

import SwiftMoons

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// NUL-terminated copies of names, made once and kept for the life of the
/// process: the static strings the name getters return. Immutable after
/// the (thread-safe) initialization of the globals below.
struct NameTable: @unchecked Sendable {
    let entries: [UnsafePointer<CChar>]
    var count: Int { entries.count }
    init(_ names: [String]) {
        entries = names.map { name in strdup(name).map { UnsafePointer($0) } ?? cString("?") }
    }
    subscript(_ i: Int) -> UnsafePointer<CChar> { entries[i] }
}

private let activationNames = NameTable(ActivationKind.allCases.map(\.rawValue))
private let outputNames = NameTable(OutputKind.allCases.map(\.rawValue))
private let initializerNames = NameTable(Initializer.allCases.map(\.rawValue))

/// The static C name of an activation kind (its raw value).
func name(of kind: ActivationKind) -> UnsafePointer<CChar> {
    activationNames[ActivationKind.allCases.firstIndex(of: kind) ?? 0]
}

/// The static C name of an output kind (its raw value).
func name(of output: OutputKind) -> UnsafePointer<CChar> {
    outputNames[OutputKind.allCases.firstIndex(of: output) ?? 0]
}

/// Entry `index` of a static name table, or an error naming the valid range.
private func entry(_ table: NameTable, _ index: Int32) throws -> UnsafePointer<CChar> {
    guard index >= 0, Int(index) < table.count else {
        throw APIError(status: .badArgument, message: "index must be in 0...\(table.count - 1), got \(index)")
    }
    return table[Int(index)]
}

/// Activations from parallel C arrays of names and parameters (NaN or a
/// NULL array: the default parameter).
func activations(_ names: UnsafePointer<UnsafePointer<CChar>?>?, _ alphas: UnsafePointer<Double>?,
                         _ n: Int64) throws -> [Activation] {
    let count = try count(n, "n_activations", allowZero: true)
    guard count <= 1024 else { throw APIError(status: .badArgument, message: "At most 1024 activations, got \(n)") }
    let list = try input(names, count, "activations")
    return try list.enumerated().map { i, p in
        let alpha = alphas.map { $0[i] }
        return try Activation(name: try string(p, "activations[\(i)]"), alpha: alpha.flatMap { $0.isNaN ? nil : $0 })
    }
}

@_cdecl("sm_activation_count")
public func sm_activation_count() -> Int32 { Int32(ActivationKind.allCases.count) }

@_cdecl("sm_activation_info")
public func sm_activation_info(_ index: Int32, _ nameOut: UnsafeMutablePointer<UnsafePointer<CChar>?>?,
                               _ defaultAlpha: UnsafeMutablePointer<Double>?) -> Int32 {
    guarded {
        let name = try entry(activationNames, index)
        guard let nameOut, let defaultAlpha else { throw APIError(status: .badArgument, message: "outputs must not be NULL") }
        nameOut.pointee = name
        defaultAlpha.pointee = ActivationKind.allCases[Int(index)].defaultAlpha ?? .nan
    }
}

@_cdecl("sm_activation_evaluate")
public func sm_activation_evaluate(_ nameIn: UnsafePointer<CChar>?, _ alpha: Double, _ derivative: Int32,
                                   _ x: UnsafePointer<Double>?, _ out: UnsafeMutablePointer<Double>?, _ n: Int64) -> Int32 {
    guarded {
        let act = try Activation(name: try string(nameIn, "name"), alpha: alpha.isNaN ? nil : alpha)
        let count = try count(n, "n", allowZero: true)
        let xs = try input(x, count, "x"), o = try output(out, count, "out")
        // The networks' own bulk path (the derivative from z and a = f(z), as
        // their backward pass takes it).
        if derivative != 0 {
            act.derivatives(of: xs, into: o)
        } else {
            act.values(of: xs, into: o)
        }
    }
}

// MARK: - Output kinds and initializers

@_cdecl("sm_output_count")
public func sm_output_count() -> Int32 { Int32(outputNames.count) }

@_cdecl("sm_output_name")
public func sm_output_name(_ index: Int32, _ nameOut: UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> Int32 {
    guarded {
        guard let nameOut else { throw APIError(status: .badArgument, message: "name must not be NULL") }
        nameOut.pointee = try entry(outputNames, index)
    }
}

@_cdecl("sm_initializer_count")
public func sm_initializer_count() -> Int32 { Int32(initializerNames.count) }

@_cdecl("sm_initializer_name")
public func sm_initializer_name(_ index: Int32, _ nameOut: UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> Int32 {
    guarded {
        guard let nameOut else { throw APIError(status: .badArgument, message: "name must not be NULL") }
        nameOut.pointee = try entry(initializerNames, index)
    }
}
