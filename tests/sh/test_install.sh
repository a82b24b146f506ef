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
