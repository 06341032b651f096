#!/usr/bin/env bash
# Debian's Chromium and the Noto CJK fonts, for the rendering tests (tests/test_rendering.py)
# and for looking at reports as their readers do. `make test` runs this; it installs only
# what is missing. Without root (or passwordless sudo) it says so and the rendering tests
# skip with that reason.
set -uo pipefail
have_browser() { command -v chromium >/dev/null 2>&1; }
have_fonts() { fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; }
if have_browser && have_fonts; then exit 0; fi
if [ "$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "install_browser: not root and no passwordless sudo: install Debian's chromium and fonts-noto-cjk to run the rendering tests" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk fontconfig >/dev/null; }; then
    echo "install_browser: apt-get could not install chromium and fonts-noto-cjk: the rendering tests will skip" >&2
fi
exit 0
