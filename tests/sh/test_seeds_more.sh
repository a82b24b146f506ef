#!/usr/bin/env bash
# Seeds 002 and 004 as written, libgost alone (the interop suite runs the same script with stock
# GOST 3.2.6 too, which is where its expectations come from): tests/interop/seeds.sh.
exec bash "$(dirname "$0")/../interop/seeds.sh" lib
