// espeak-ng (compiled into piper-rs's espeak-rs-sys as a static library) uses
// libsonic for speed changes, but its build script does not say so: link it
// here (Debian: libsonic-dev). A lib crate's link line reaches every binary
// that uses the engine (the CLI, the tests, the desktop shell).
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-lib=sonic");
    }
}
