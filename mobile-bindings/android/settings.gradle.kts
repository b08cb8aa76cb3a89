// The Gradle build scripts/build-android.sh assembles: one Android library
// module, :moa-bindings (generated Kotlin in src/main/kotlin, the Rust
// library per ABI in src/main/jniLibs). An app can include the module from
// here (see mobile-bindings/README.md) or build an AAR:
//   gradle :moa-bindings:assembleRelease
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "moa-bindings"
include(":moa-bindings")
