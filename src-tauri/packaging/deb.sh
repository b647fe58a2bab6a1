#!/usr/bin/env bash
# Packs the binaries a workspace build made into a Debian package:
#
#   src-tauri/packaging/deb.sh PROFILE OUT_DIR     (PROFILE: release or debug)
#
# Prints the package's path last. Layout:
#   /usr/lib/tofu/{tofu,tofu-desktop,tofu-llm}   the programs, side by side: the
#                                                app and the CLI find the worker
#                                                and the espeak-ng data beside
#                                                themselves (symlinks resolve)
#   /usr/lib/tofu/espeak-ng-data/                the phoneme data the voice's
#                                                compiled-in espeak-ng reads
#   /usr/bin/tofu, /usr/bin/tofu-desktop         links to them
#   /usr/share/applications, icons/hicolor       the desktop entry and icons
# Depends: the Debian packages that own every shared library the programs
# load (their ELF NEEDED entries), so the list follows the code.
#
# Why not the Tauri bundler: it builds the app again with another feature
# set (a second 10-minute compile) and puts helper programs in /usr/bin;
# dpkg-deb packs what the build already made. No AppImage: its tools
# (linuxdeploy, appimagetool) come only from GitHub, not from a registry.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
profile=${1:?usage: deb.sh release|debug OUT_DIR}
out=${2:?usage: deb.sh release|debug OUT_DIR}
bin="${CARGO_TARGET_DIR:-$ROOT/target}/$profile"
for b in tofu tofu-desktop tofu-llm; do
  [ -x "$bin/$b" ] || { echo "deb.sh: $bin/$b is missing: build the workspace ($profile) first" >&2; exit 1; }
done
# The newest espeak-ng build is the one linked into this build's programs.
# (No `| head` under pipefail: the writer's SIGPIPE would end the script.)
espeak=$(ls -td "$bin"/build/espeak-rs-sys-*/out/share/espeak-ng-data 2>/dev/null || true)
espeak=${espeak%%$'\n'*}
[ -n "$espeak" ] && [ -f "$espeak/phontab" ] || { echo "deb.sh: no espeak-ng-data in $bin/build" >&2; exit 1; }

version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)
arch=$(dpkg --print-architecture)
name="tofu_${version}_${arch}"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root="$stage/$name"
lib="$root/usr/lib/tofu"
mkdir -p "$lib" "$root/usr/bin" "$root/usr/share/applications" "$root/usr/share/doc/tofu" "$root/DEBIAN"
for b in tofu tofu-desktop tofu-llm; do
  # Line tables are for debugging here, not for the people who install it.
  strip --strip-debug -o "$lib/$b" "$bin/$b"
  chmod 0755 "$lib/$b"
done
cp -r "$espeak" "$lib/espeak-ng-data"
ln -s ../lib/tofu/tofu "$root/usr/bin/tofu"
ln -s ../lib/tofu/tofu-desktop "$root/usr/bin/tofu-desktop"
install -m 0644 src-tauri/packaging/tofu.desktop "$root/usr/share/applications/tofu.desktop"
for size in 32x32 128x128; do
  install -D -m 0644 "src-tauri/icons/$size.png" "$root/usr/share/icons/hicolor/$size/apps/tofu.png"
done
install -D -m 0644 src-tauri/icons/icon.png "$root/usr/share/icons/hicolor/256x256/apps/tofu.png"
{
  echo "Tofu $version, MIT licence (see the project's repository)."
  echo "Built with whisper.cpp, llama.cpp and espeak-ng (GPL-3.0-or-later); models are not included."
} > "$root/usr/share/doc/tofu/copyright"

# Every shared library the programs load, and the package that owns it.
deps=()
for so in $(for b in "$lib"/tofu "$lib"/tofu-desktop "$lib"/tofu-llm; do
              objdump -p "$b" | awk '$1 == "NEEDED" { print $2 }'; done | sort -u); do
  path=$(ldconfig -p | awk -v s="$so" '$1 == s && !found { print $NF; found = 1 }')
  [ -n "$path" ] || { echo "deb.sh: $so is not installed here" >&2; exit 1; }
  owner=""
  for p in "$path" "$(readlink -f "$path")" "${path/#\/lib/\/usr\/lib}" "${path/#\/usr\/lib/\/lib}"; do
    owner=$(dpkg -S "$p" 2>/dev/null | awk -F: 'NR == 1 { print $1 }') && [ -n "$owner" ] && break
  done
  [ -n "$owner" ] || { echo "deb.sh: no Debian package owns $path ($so)" >&2; exit 1; }
  deps+=("$owner")
done
# The tray icon's library is opened at run time (dlopen), not linked.
deps+=(libayatana-appindicator3-1)
depends=$(printf '%s\n' "${deps[@]}" | sort -u | paste -sd, | sed 's/,/, /g')

cat > "$root/DEBIAN/control" <<CONTROL
Package: tofu
Version: $version
Architecture: $arch
Maintainer: Tofu developers <tofu@localhost>
Installed-Size: $(du -sk "$root/usr" | cut -f1)
Depends: $depends
Recommends: xdg-utils
Section: sound
Priority: optional
Description: local-first desktop voice companion
 Tofu listens, transcribes on the device, learns how you talk and answers
 in text and a spoken voice. Nothing leaves the machine unless you point it
 at a model server. The speech, reply and voice models are downloaded on
 first run (with checksums); they are not part of this package.
CONTROL
mkdir -p "$out"
# zstd: as small as xz here at a fraction of its time on two cores.
dpkg-deb --root-owner-group -Zzstd -z9 --build "$root" "$out/$name.deb" >/dev/null
echo "$(cd "$out" && pwd)/$name.deb"
