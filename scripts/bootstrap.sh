#!/usr/bin/env bash
# One set-up path for README, tests and CI: Debian's QGIS, a venv that sees it,
# LandSeg installed editable, ultralytics prepared to run offline.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(python3-qgis qgis-providers qgis python3-venv fonts-noto-cjk chromium xvfb xdotool)

missing_apt() {
    /usr/bin/python3 -c "import qgis.core" 2>/dev/null || return 0
    [ -x /usr/bin/qgis_process.bin ] || return 0
    fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || return 0
    command -v chromium >/dev/null || return 0
    command -v xvfb-run >/dev/null && command -v xdotool >/dev/null || return 0
    return 1
}

if missing_apt; then
    echo "landseg bootstrap: installing Debian packages: ${APT_PACKAGES[*]}"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        "${APT_PACKAGES[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
    echo "landseg bootstrap: creating .venv on /usr/bin/python3 (sees QGIS)"
    /usr/bin/python3 -m venv --system-site-packages .venv
fi

# Reinstall only when the project's requirements changed.
stamp=.venv/.landseg-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "landseg bootstrap: installing LandSeg and its pinned dependencies into .venv"
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e ".[dev]"
    touch "$stamp"
fi

.venv/bin/python -m landseg.offline
