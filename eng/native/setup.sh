#!/usr/bin/env bash
# Makes the TorchSharp native runtime loadable on this machine, inside the repository only.
#
# TorchSharp 0.107's libLibTorchSharp.so needs libstdc++ with GLIBCXX_3.4.32 (GCC 13+).
# Where the host's libstdc++ has it, this script only records that and downloads nothing.
# Otherwise (Debian 12 ships GLIBCXX_3.4.30) it fetches Debian 13's libstdc++6 with apt
# into .native/, points its single GLIBC_2.38 requirement at a version glibc 2.36 has,
# and builds a shim for the one symbol behind it (__isoc23_strtoul). Nothing outside the
# repository changes. The runtime side (eng/native/README.md) preloads both before the
# .NET host starts, because the host itself loads libstdc++ first.
#
# usage: eng/native/setup.sh [--force]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/.native"
lib="$out/lib"
needed_version="GLIBCXX_3.4.32"
trixie_package="libstdc++6"
force="${1:-}"

fail() {
  # An empty settings file keeps 'dotnet test' running; the tests then report the load error.
  [ -f "$out/native.runsettings" ] || write_runsettings none
  cat >&2 <<MSG
native setup: $1
TorchSharp cannot load without a libstdc++ that provides $needed_version.
Fix: install GCC 13+'s libstdc++ on the host (Debian 13, Ubuntu 24.04 and newer have it), or
make 'apt-get download' reach Debian's trixie suite and rerun eng/native/setup.sh.
MSG
  exit 1
}

host_libstdcxx() {
  local path
  path="$(/sbin/ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}')"
  [ -n "$path" ] || path="/usr/lib/x86_64-linux-gnu/libstdc++.so.6"
  echo "$path"
}

has_version() { grep -qa "$needed_version" "$1" 2>/dev/null; }

write_runsettings() {
  # dotnet test starts its test host as a new process; this is how it gets the environment.
  local file="$out/native.runsettings"
  {
    echo '<?xml version="1.0" encoding="utf-8"?>'
    echo '<RunSettings><RunConfiguration><EnvironmentVariables>'
    if [ "$1" = compat ]; then
      echo "<LD_LIBRARY_PATH>$lib</LD_LIBRARY_PATH>"
      echo "<LD_PRELOAD>$lib/libglibc238-shim.so</LD_PRELOAD>"
    fi
    echo '</EnvironmentVariables></RunConfiguration></RunSettings>'
  } > "$file.tmp"
  mv "$file.tmp" "$file"
}

mkdir -p "$out"
# Parallel builds of several projects may all run this at once.
exec 9>"$out/.lock"
flock 9
host="$(host_libstdcxx)"
if has_version "$host"; then
  rm -rf "$lib"
  echo host > "$out/mode"
  write_runsettings host
  echo "native setup: host libstdc++ ($host) provides $needed_version; nothing to do."
  exit 0
fi

if [ "$force" != "--force" ] && [ -f "$lib/libstdc++.so.6" ] && [ -f "$lib/libglibc238-shim.so" ] \
   && [ "$(cat "$out/mode" 2>/dev/null)" = compat ]; then
  write_runsettings compat
  echo "native setup: compatibility libstdc++ already in $lib."
  exit 0
fi

command -v apt-get >/dev/null || fail "the host libstdc++ lacks $needed_version and apt-get is not available to fetch Debian 13's."
command -v cc >/dev/null || fail "a C compiler (cc) is needed to build the small glibc shim; install gcc."

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/sources"
cat > "$work/sources/trixie.sources" <<SRC
Types: deb
URIs: ${SINGANSEG_DEBIAN_MIRROR:-http://deb.debian.org/debian}
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
# A private apt state: the host's sources, lists and caches stay untouched.
apt_opts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$work/sources"
          -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache"
          -o "Debug::NoLocking=1" -o "APT::Sandbox::User=$(id -un)")
echo "native setup: host libstdc++ lacks $needed_version; fetching Debian 13's $trixie_package into $lib"
apt-get "${apt_opts[@]}" -qq update >"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; fail "apt-get update for the trixie suite failed."; }
(cd "$work" && apt-get "${apt_opts[@]}" -qq download "$trixie_package/trixie" >>"$work/apt.log" 2>&1) \
  || { cat "$work/apt.log" >&2; fail "apt-get download $trixie_package/trixie failed."; }
deb="$(ls "$work"/libstdc++6_*.deb)"
dpkg-deb -x "$deb" "$work/x"
real="$(ls "$work"/x/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.* | head -n 1)"
has_version "$real" || fail "the downloaded $(basename "$deb") does not provide $needed_version either."

rm -rf "$lib.tmp"; mkdir -p "$lib.tmp"
cp "$real" "$lib.tmp/libstdc++.so.6"
cc -O2 -Wall -Werror -o "$work/retarget-version" "$here/retarget-version.c"
# Exit 3 means a later Debian 13 build no longer needs GLIBC_2.38: nothing to patch.
"$work/retarget-version" "$lib.tmp/libstdc++.so.6" GLIBC_2.38 GLIBC_2.2.5 >/dev/null || [ $? -eq 3 ]
cc -O2 -Wall -Werror -shared -fPIC -o "$lib.tmp/libglibc238-shim.so" "$here/glibc238-shim.c"
cp "$work"/x/usr/share/doc/libstdc++6/copyright "$lib.tmp/libstdc++6.copyright" 2>/dev/null || true
basename "$deb" > "$lib.tmp/SOURCE"

# Prove it before installing it: a C++ program must start with it preloaded.
printf '#include <string>\nint main(){return std::stoul("7")==7?0:1;}\n' > "$work/probe.cpp"
if command -v c++ >/dev/null && c++ -o "$work/probe" "$work/probe.cpp" 2>/dev/null; then
  LD_PRELOAD="$lib.tmp/libglibc238-shim.so" LD_LIBRARY_PATH="$lib.tmp" "$work/probe" \
    || fail "the patched libstdc++ does not load on this host."
fi
rm -rf "$lib"; mv "$lib.tmp" "$lib"
echo compat > "$out/mode"
write_runsettings compat
echo "native setup: installed $(cat "$lib/SOURCE") (patched) and the glibc 2.38 shim in $lib"
