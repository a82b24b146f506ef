#!/usr/bin/env bash
# `make install` into a prefix gives a usable package: headers, libgost.so.0 (SONAME), pkg-config
# and CMake package files; a program built against the installed copy runs.
source "$(dirname "$0")/lib.sh"
B=$(cd "$(dirname "$GOST")" && pwd)
cmake --install "$B" --prefix "$WORK/prefix" >/dev/null
libdir=$(ls -d "$WORK"/prefix/lib*/ | head -n 1)
[ -f "$WORK/prefix/include/gost/gost.h" ] && [ -f "$WORK/prefix/include/gost/version.h" ] || fail "headers not installed"
soname=$(objdump -p "$libdir/libgost.so" | awk '/SONAME/ {print $2}')
[ "$soname" = "libgost.so.0" ] || fail "SONAME is '$soname'"
pass "installed with SONAME $soname"
nm -D --defined-only "$libdir/libgost.so.0" | awk '$2 ~ /^[TDBR]$/ {print $3}' | grep -v '^gost_' && fail "non-gost exports" || true
pass "only gost_* symbols exported"

cat > "$WORK/app.c" <<'C'
#include <gost/gost.h>
#include <stdio.h>
#include <string.h>
int main(void) {
  gost_ctx_t *ctx;
  if (gost_ctx_new(&ctx) != GOST_OK) return 1;
  const char *doc = "{\"services\":[{\"handler\":{\"type\":\"nope\"}}]}";
  int rc = gost_ctx_load_json(ctx, doc, strlen(doc));
  printf("%s %s %s\n", gost_version_string(), gost_error_name(rc), gost_last_error());
  gost_ctx_free(ctx);
  return rc == GOST_ECONFIG ? 0 : 1;
}
C
export PKG_CONFIG_PATH="$libdir/pkgconfig"
cc -std=c11 -Wall -Werror "$WORK/app.c" -o "$WORK/app" $(pkg-config --cflags --libs libgost) || fail "pkg-config build"
out=$(LD_LIBRARY_PATH="$libdir" "$WORK/app") || fail "app: $out"
echo "$out" | grep -q 'GOST_ECONFIG services\[0\]' || fail "app output: $out"
pass "pkg-config build against the installed library: $out"

mkdir -p "$WORK/cm"
cat > "$WORK/cm/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.20)
project(app C)
find_package(libgost REQUIRED)
add_executable(app ../app.c)
target_link_libraries(app PRIVATE libgost::gost)
CM
cmake -S "$WORK/cm" -B "$WORK/cm/b" -DCMAKE_PREFIX_PATH="$WORK/prefix" >/dev/null || fail "find_package(libgost)"
cmake --build "$WORK/cm/b" >/dev/null || fail "CMake build against libgost::gost"
LD_LIBRARY_PATH="$libdir" "$WORK/cm/b/app" >/dev/null || fail "CMake-built app"
pass "CMake find_package(libgost) build"

# The installed binary runs from any prefix without LD_LIBRARY_PATH ($ORIGIN-relative RPATH).
out=$(env -u LD_LIBRARY_PATH "$WORK/prefix/bin/gost" -V 2>&1) || fail "installed gost -V: $out"
echo "$out" | grep -q '^gost .* (libgost)$' || fail "installed gost -V printed: $out"
pass "installed gost runs without LD_LIBRARY_PATH: $out"

# gost(1) is installed and lists every option that --help lists (one table prints both).
man1="$WORK/prefix/share/man/man1/gost.1"
[ -f "$man1" ] || fail "gost.1 not installed"
head -n 1 "$man1" | grep -q '^\.TH GOST 1 ' || fail "gost.1 has no .TH header"
for flag in $("$WORK/prefix/bin/gost" --help | awk '$1 ~ /^-/ {print $1}'); do
  grep -q "^\.B.* \\\\$flag" "$man1" || fail "gost.1 does not document $flag"
done
pass "gost(1) documents every --help option"
[ -f "$WORK/prefix/lib/systemd/system/gost@.service" ] || fail "systemd unit not installed"
if command -v systemd-analyze >/dev/null; then
  # verify needs the ExecStart binary to exist: point a copy of the unit at the installed one.
  sed "s|/usr/bin/gost|$WORK/prefix/bin/gost|" "$WORK/prefix/lib/systemd/system/gost@.service" > "$WORK/gost@.service"
  msg=$(systemd-analyze verify --man=no "$WORK/gost@.service" 2>&1) || fail "systemd-analyze verify: $msg"
  [ -z "$msg" ] || fail "systemd-analyze verify complained: $msg"
  pass "systemd unit installed and verified"
else
  pass "systemd unit installed (systemd-analyze not available to verify it)"
fi

# The Python bindings install from the source tree with no network (Debian's setuptools + wheel).
if /usr/bin/python3 -m pip --version >/dev/null 2>&1; then
  # From a copy: setuptools writes build/ and *.egg-info next to the sources it builds.
  cp -r "$SRC/bindings/python" "$WORK/pysrc" && rm -rf "$WORK/pysrc/build" "$WORK"/pysrc/*.egg-info
  /usr/bin/python3 -m pip install -q --no-index --no-build-isolation --target "$WORK/py" "$WORK/pysrc" \
    >"$WORK/pip.log" 2>&1 || fail "offline pip install of bindings/python: $(tail -5 "$WORK/pip.log")"
  [ ! -e "$WORK/py/tests" ] || fail "the bindings' tests were installed as a package"
  out=$(cd "$WORK" && GOST_LIBRARY="$libdir/libgost.so.0" PYTHONPATH="$WORK/py" /usr/bin/python3 -c 'import gost; print(gost.version())') \
    || fail "installed bindings do not import: $out"
  pass "Python bindings installed offline and loaded the installed library: $out"
else
  pass "skipped the offline Python install: Debian's python3-pip is not installed"
fi
