// swift-tools-version:6.0
import PackageDescription

// MARK: - Package

let package = Package(
    name: "swiftmoons",
    // Synchronization's Mutex and Atomic need macOS 15 (Linux has no floor).
    platforms: [.macOS(.v15)],
    products: [
        // libswiftmoons.so: the C ABI that the Python package loads with ctypes.
        // Build it with `-Xswiftc -static-stdlib` (see Makefile) so it loads
        // without a Swift toolchain on the library path.
        .library(name: "swiftmoons", type: .dynamic, targets: ["SwiftMoonsCAPI"]),
        .library(name: "SwiftMoons", targets: ["SwiftMoons"]),
    ],
    targets: [
        // MARK: - Core (pure Swift: no pointers or C types in its API)
        // No CPU flags here, so that the package can be used as a dependency
        // by version: scripts/build_native.py builds the tuned variants
        // (baseline, AVX2 with FMA, AVX-512) by passing -target-cpu itself.
        .target(
            name: "SwiftMoons"
        ),

        // MARK: - C ABI (`@_cdecl` exports only)
        .target(
            name: "SwiftMoonsCAPI",
            dependencies: ["SwiftMoons"]
        ),

        // MARK: - Benchmark (the FMA peak and the layer products; benchmarks/sizes.py runs it)
        .executableTarget(
            name: "swiftmoons-bench",
            dependencies: ["SwiftMoons"],
            path: "Sources/SwiftMoonsBench"
        ),

        // MARK: - Tests
        .testTarget(
            name: "SwiftMoonsTests",
            dependencies: ["SwiftMoons"]
        ),
    ]
)
