//! `uniffi-bindgen`: generates the Kotlin, Swift and Python sources of
//! `moa-mobile-bindings` from the compiled library ("library mode": the
//! interface is read from the metadata the proc-macros put in it), e.g.
//! `uniffi-bindgen generate --library libmoa_mobile_bindings.so --language swift --out-dir OUT`.
//! `mobile-bindings/scripts/generate.sh` runs it.

fn main() {
    uniffi::uniffi_bindgen_main()
}
