// swift-tools-version:6.0
import PackageDescription

// MARK: - Package

let package = Package(
    name: "swiftmoons",
    products: [
        // libswiftmoons.so: the C ABI that the Python package loads with ctypes.
        // Build it with `-Xswiftc -static-stdlib` (see Makefile) so it loads
        // without a Swift toolchain on the library path.
        .library(name: "swiftmoons", type: .dynamic, targets: ["SwiftMoonsCAPI"]),
        .library(name: "SwiftMoons", targets: ["SwiftMoons"]),
    ],
    targets: [
        // MARK: - Core (pure Swift: no pointers or C types in its API)
        // AVX2 with FMA (every machine this project runs on has both): the
        // SIMD4<Double> kernels then compile to 256-bit vector code.
        .target(
            name: "SwiftMoons",
            swiftSettings: [.unsafeFlags(["-target-cpu", "haswell"])]
        ),

        // MARK: - C ABI (`@_cdecl` exports only)
        .target(
            name: "SwiftMoonsCAPI",
            dependencies: ["SwiftMoons"]
        ),

        // MARK: - Tests
        .testTarget(
            name: "SwiftMoonsTests",
            dependencies: ["SwiftMoons"]
        ),
    ]
)
