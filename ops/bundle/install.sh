#!/usr/bin/env bash
# Install Lianban from this offline bundle on Debian 12; nothing is fetched from any network.
# See INSTALL.md beside this file.
#
#   ./install.sh [--prefix DIR] [--production] [--skip-debs] [--font-dir DIR]
#
#   --prefix DIR     where the project goes (default /opt/lianban); its venv is DIR/.venv
#   --production     also install PostgreSQL, its client, Redis and logrotate from the bundle
#   --skip-debs      install no Debian packages (they are already installed)
#   --font-dir DIR   put the Fandol fonts here instead of /usr/local/share/fonts/fandol (root) or the
#                    user's font folder, e.g. when fontconfig is pointed at a folder of its own
set -euo pipefail
bundle=$(cd "$(dirname "$0")" && pwd)
prefix=/opt/lianban
production=false
skip_debs=false
font_dir=

say() { printf '==> %s\n' "$*"; }
die() {
    echo "install.sh: $*" >&2
    exit 1
}

while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix=${2:?--prefix needs a folder}; shift 2 ;;
        --production) production=true; shift ;;
        --skip-debs) skip_debs=true; shift ;;
        --font-dir) font_dir=${2:?--font-dir needs a folder}; shift 2 ;;
        -h | --help) sed -n '2,11p' "$0" | cut -c3-; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
done
prefix=$(realpath -m "$prefix")

say "Checking every file of the bundle against SHA256SUMS"
(cd "$bundle" && sha256sum --quiet --strict -c SHA256SUMS) || die "the bundle is damaged or incomplete"

if ! $skip_debs; then
    [ "$(id -u)" -eq 0 ] || die "run as root to install the Debian packages (or pass --skip-debs)"
    mapfile -t packages <"$bundle/debs/runtime.txt"
    if $production; then
        mapfile -t -O ${#packages[@]} packages <"$bundle/debs/production.txt"
    fi
    say "Installing Debian packages from the bundle: ${packages[*]}"
    # A private apt state that knows the bundle's folder as its only source, so the machine's own
    # sources.list (unreachable here) is neither read nor changed.
    apt_state=$(mktemp -d)
    trap 'rm -rf "$apt_state"' EXIT
    mkdir -p "$apt_state"/lists/partial "$apt_state"/cache/archives/partial
    echo "deb [trusted=yes] file:$bundle/debs ./" >"$apt_state/sources.list"
    apt_options=(-o "Dir::Etc::sourcelist=$apt_state/sources.list" -o Dir::Etc::sourceparts=-
        -o "Dir::State::Lists=$apt_state/lists" -o "Dir::Cache=$apt_state/cache"
        -o APT::Get::List-Cleanup=0 -o APT::Sandbox::User=root -o DPkg::Lock::Timeout=300)
    apt-get "${apt_options[@]}" update -qq
    DEBIAN_FRONTEND=noninteractive apt-get "${apt_options[@]}" install -y -qq --no-install-recommends \
        "${packages[@]}" >/dev/null
fi

if [ -z "$font_dir" ]; then
    if [ "$(id -u)" -eq 0 ]; then
        font_dir=/usr/local/share/fonts/fandol
    else
        font_dir=${XDG_DATA_HOME:-$HOME/.local/share}/fonts/fandol
    fi
fi
say "Installing the Fandol fonts in $font_dir"
mkdir -p "$font_dir"
install -m 0644 "$bundle"/fonts/fandol/* "$font_dir/"
fc-cache -f "$font_dir" >/dev/null
if [ -z "$(fc-list FandolFang file)" ]; then
    echo "install.sh: warning: fontconfig does not see $font_dir; documents fall back to Noto CJK" >&2
fi

say "Unpacking the source in $prefix"
source_archive=$(find "$bundle" -maxdepth 1 -name 'lianban-*.tar.gz' | head -n1)
[ -n "$source_archive" ] || die "the bundle holds no lianban-<commit>.tar.gz"
mkdir -p "$prefix"
tar -xzf "$source_archive" -C "$prefix" --strip-components=1

python=${PYTHON:-python3}
command -v "$python" >/dev/null || die "no $python: install python3-venv from the bundle first (drop --skip-debs)"
"$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
    || die "the bundle's wheels are for Python 3.11; $python is $("$python" --version 2>&1)"
cd "$prefix"
if [ ! -x .venv/bin/python ]; then
    say "Creating the virtual environment $prefix/.venv"
    "$python" -m venv .venv
fi
# Only the bundle's wheels: no index, and no pip configuration or PIP_* variable of this machine.
while IFS= read -r variable; do unset "$variable"; done < <(compgen -e | grep '^PIP_' || true)
export PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1
pip_wheel=$(find "$bundle/wheels" -maxdepth 1 -name 'pip-*.whl' | head -n1)
pip_version=$(basename "$pip_wheel" | cut -d- -f2)
say "Installing pip $pip_version and the locked dependencies from the bundle's wheels"
.venv/bin/python -m pip install -q --no-index --find-links "$bundle/wheels" "pip==$pip_version"
.venv/bin/python -m pip install -q --no-index --find-links "$bundle/wheels" --require-hashes --no-deps \
    -r "$bundle/wheels/requirements.lock"
# The Makefile's marker: `make demo`, `make messages`… then see the venv as installed and fetch nothing.
touch .venv/.runtime-installed

say "Compiling the message catalogues and checking the project"
DEBUG=true .venv/bin/python manage.py compilemessages -v0 --ignore=.venv
DEBUG=true .venv/bin/python manage.py check
say "Lianban is installed in $prefix. Next: INSTALL.md, 'After the install'."
