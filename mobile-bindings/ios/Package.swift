// swift-tools-version:5.9
// The Moa bindings as a Swift package, assembled by
// mobile-bindings/scripts/build-ios.sh: the Swift sources uniffi generates
// (Sources/MoaBindings) over the Rust library as an XCFramework of static
// libraries for devices and the simulator (MoaBindingsFFI.xcframework, with
// the C header and module map).
import PackageDescription

let package = Package(
    name: "MoaBindings",
    platforms: [.iOS(.v15)],
    products: [
        .library(name: "MoaBindings", targets: ["MoaBindings"]),
    ],
    targets: [
        .binaryTarget(name: "MoaBindingsFFI", path: "MoaBindingsFFI.xcframework"),
        .target(
            name: "MoaBindings",
            dependencies: ["MoaBindingsFFI"],
            path: "Sources/MoaBindings",
            // The static Rust library checks server certificates with the
            // system's trust store (rustls-platform-verifier, through
            // Security.framework); a static archive does not bring its
            // frameworks along, so they are named here.
            linkerSettings: [
                .linkedFramework("Security"),
                .linkedFramework("CoreFoundation"),
            ]
        ),
    ]
)
