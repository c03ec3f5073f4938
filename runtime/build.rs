//! Builds the runtime to WebAssembly: the code that every node runs and that governance can
//! replace on chain. `SKIP_WASM_BUILD=1` skips it for unit tests that only need the native
//! runtime.

#[cfg(feature = "std")]
fn main() {
	substrate_wasm_builder::WasmBuilder::build_using_defaults();
}

#[cfg(not(feature = "std"))]
fn main() {}
