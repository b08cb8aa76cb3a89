//! `moa-loadgen`: placeholder, replaced by the load generator.
fn main() {}
