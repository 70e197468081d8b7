#!/bin/sh
# sigref-unit: the reference implementation's and the generator's own unit
# tests (tests/ref/test_sigref.py), the quick set: the slow cases that run
# the regress scripts against a stand-in daemon are covered by the real
# daemon in replay-ref.sh and replay-otrf.sh.
: "${PYTHON3:=python3}"
: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
cd "$TOP" || exit 99
SIGREF_QUICK=1 PYTHONDONTWRITEBYTECODE=1 exec "$PYTHON3" -m unittest discover \
    -s tests/ref -p 'test_*.py'
