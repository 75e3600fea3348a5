#!/usr/bin/env bash
# Prove the offline bundle (bin/bundle) installs Lianban with every package index unreachable.
#
#   checks/bundle_offline.sh [BUNDLE_DIR]     default: the newest var/bundle/lianban-bundle-*/
#
# Everything runs in a network namespace of its own with only `lo` up and no route, as root:
#   1. no network: pip (with no configuration, i.e. the default index) and apt (the machine's own sources,
#      into a private list folder) both fail to fetch anything;
#   2. the bundle's install.sh --production installs the Debian packages from the bundle (a no-op where they
#      are installed at the bundle's versions already, as here) and builds a fresh venv from the bundle's
#      wheels and fonts in a temporary folder, then `manage.py check` passes and a document
#      renders to PDF in FandolFang loaded from the bundle's fonts, not the machine's, and the README's
#      `make setup-demo` (migrate, the 623 units, demo accounts, cases, meetings) runs on the result;
#   3. apt, with the bundle's debs/ as its only source and a private state: `update` reads it; an install of
#      every runtime and production package simulated on an empty machine (empty dpkg status) resolves from
#      the bundle alone; a reinstall simulated on this machine resolves; one small package already installed
#      at the bundle's version (libharfbuzz-subset0) is really reinstalled from the bundle.
# Prints PASS or FAIL per step and overall; exits 1 on any failure. The machine's apt configuration, lists,
# auto-installed marks and fonts are left as they were; the namespace and temporary folder go on exit.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

bundle=${1:-$(find "$here/var/bundle" -maxdepth 1 -type d -name 'lianban-bundle-*' 2>/dev/null | sort | tail -n1)}
if [ -z "$bundle" ] || [ ! -f "$bundle/SHA256SUMS" ]; then
    echo "No bundle found: run 'make bundle' first or name its folder." >&2
    exit 2
fi
bundle=$(realpath "$bundle")
[ "$(id -u)" -eq 0 ] || {
    echo "Run as root: network namespaces and apt need it." >&2
    exit 2
}

ns=lianban-offline-$$
work=$(mktemp -d /tmp/lianban-bundle-check.XXXXXX)
chmod 0755 "$work"
# shellcheck disable=SC2317  # called by the trap
cleanup() {
    ip netns delete "$ns" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

failures=0
started=$SECONDS
verdict() { # verdict NAME STATUS DETAIL
    if [ "$2" -eq 0 ]; then
        printf 'PASS  %s: %s\n' "$1" "$3"
    else
        printf 'FAIL  %s: %s\n' "$1" "$3"
        failures=$((failures + 1))
    fi
}
# A clean environment inside the namespace: no PIP_*, no proxy, no fontconfig or pip configuration of ours.
offline() {
    ip netns exec "$ns" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME="$work/home" LANG=C.UTF-8 "$@"
}

echo "Bundle: $bundle ($(du -sh "$bundle" | cut -f1))"
sed -n 's/^/  /p' "$bundle/BUNDLE-INFO.txt"
mkdir -p "$work/home"
ip netns add "$ns" || {
    echo "FAIL  could not create the network namespace $ns" >&2
    exit 1
}
ip netns exec "$ns" ip link set lo up
routes=$(ip netns exec "$ns" ip route show; ip netns exec "$ns" ip -6 route show | grep -v '^::1 \|^fe80')
links=$(ip netns exec "$ns" ip -brief link show | awk '{print $1}' | tr '\n' ' ')
[ -z "$routes" ] && [ "$links" = "lo " ]
verdict "namespace" $? "$ns has the links: ${links}and no route"

# --- 1. No network ------------------------------------------------------------------------------------
pip_wheel=$(find "$bundle/wheels" -maxdepth 1 -name 'pip-*.whl' | head -n1)
# pip runs straight from its wheel; PIP_CONFIG_FILE=/dev/null drops this machine's indexes and find-links.
probe=$(offline PIP_CONFIG_FILE=/dev/null /usr/bin/python3 "$pip_wheel/pip" download --no-deps --retries 1 \
    --timeout 5 --disable-pip-version-check -d "$work/probe" six 2>&1)
probe_status=$?
[ $probe_status -ne 0 ] && [ -z "$(ls -A "$work/probe" 2>/dev/null)" ]
verdict "pip offline" $? "'pip download six' exits $probe_status: \
$(grep -m1 -o "Failed to resolve '[^']*'\|Network is unreachable\|ERROR: .*" <<<"$probe" | head -n1)"

mkdir -p "$work/system-lists/partial" "$work/system-cache/archives/partial"
apt_probe=$(offline apt-get -o "Dir::State::Lists=$work/system-lists" -o "Dir::Cache=$work/system-cache" \
    -o APT::Sandbox::User=root -o Acquire::Retries=0 update 2>&1)
fetched=$(find "$work/system-lists" -name '*Packages*' | wc -l)
[ "$fetched" -eq 0 ]
verdict "apt offline" $? "'apt-get update' on the machine's own sources fetched $fetched indexes: \
$(grep -m1 -o 'Temporary failure[^]]*\|Could not[^]]*\|unreachable[^]]*' <<<"$apt_probe" | head -n1)"

# --- 2. The Python side from the bundle ---------------------------------------------------------------
prefix=$work/lianban
mkdir -p "$work/fonts" "$work/fontcache"
# fontconfig sees Debian's fonts (Noto CJK) and the bundle's Fandol only, not /usr/local/share/fonts, so the
# render below proves the bundled fonts.
cat >"$work/fonts.conf" <<EOF
<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <dir>/usr/share/fonts</dir>
  <dir>$work/fonts</dir>
  <cachedir>$work/fontcache</cachedir>
  <include ignore_missing="yes">/etc/fonts/conf.d</include>
</fontconfig>
EOF
fc=(FONTCONFIG_FILE="$work/fonts.conf" LIANBAN_VAR_DIR="$work/var")
mapfile -t runtime <"$bundle/debs/runtime.txt"
mapfile -t production <"$bundle/debs/production.txt"
# apt marks the packages install.sh names as installed by hand; put this machine's marks back afterwards.
mapfile -t auto_before < <(apt-mark showauto "${runtime[@]}" "${production[@]}")
step_started=$SECONDS
offline "${fc[@]}" PYTHON=/usr/bin/python3 bash "$bundle/install.sh" --production --prefix "$prefix" \
    --font-dir "$work/fonts/fandol" >"$work/install.log" 2>&1
install_status=$?
[ ${#auto_before[@]} -eq 0 ] || apt-mark auto "${auto_before[@]}" >/dev/null
verdict "install.sh" $install_status "Debian packages from the bundle, fresh venv from $(find "$bundle/wheels" -name '*.whl' | wc -l) wheels \
in $((SECONDS - step_started)) s, pip $(offline "$prefix/.venv/bin/pip" --version 2>/dev/null | cut -d' ' -f2), \
$(offline "$prefix/.venv/bin/pip" list --format=freeze 2>/dev/null | wc -l) distributions"
[ $install_status -eq 0 ] || tail -n 20 "$work/install.log" | sed 's/^/    /'

check_output=$(cd "$prefix" 2>/dev/null && offline "${fc[@]}" DEBUG=true .venv/bin/python manage.py check 2>&1)
verdict "manage.py check" $? "$(tail -n1 <<<"$check_output")"

render=$(cd "$prefix" 2>/dev/null && offline "${fc[@]}" DEBUG=true .venv/bin/python - "$work/render.pdf" 2>&1 <<'EOF'
import os
import sys

import django

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from documents import fonts, kinds  # noqa: E402
from documents.rendering import render_pdf  # noqa: E402
from documents.samples import sample_snapshot  # noqa: E402

spec = kinds.ASSISTANCE_LETTER
pdf = render_pdf(
    template_name=spec.template_for(),
    context=sample_snapshot(spec.code),
    verification_code="LB7K-3QX9-M2PD",
    title=spec.title,
)
with open(sys.argv[1], "wb") as out:
    out.write(pdf.content)
body = fonts.resolve_stack(fonts.document_fonts()["body"])[0]
print(f"{pdf.pages} {len(pdf.content)} {body.family} {body.path}")
EOF
)
render_status=$?
pages=0 size=0 family=none font_path=none
[ $render_status -ne 0 ] || read -r pages size family font_path <<<"$(tail -n1 <<<"$render")"
embedded=unknown
if command -v pdffonts >/dev/null && [ -f "$work/render.pdf" ]; then
    embedded=$(pdffonts "$work/render.pdf" | awk 'NR > 2 && $1 ~ /\+Fandol/ { sub(/^[A-Z]+\+/, "", $1); print $1 }' \
        | sort -u | paste -sd, -)
fi
[ $render_status -eq 0 ] && [ "$(head -c 5 "$work/render.pdf" 2>/dev/null)" = "%PDF-" ] \
    && [ "$family" = FandolFang ] && [[ "$font_path" == "$work/fonts/"* ]] && [ -n "$embedded" ]
verdict "render" $? "办案协作函 $pages page(s), $size bytes, body in $family from $font_path; \
embedded: ${embedded:-no Fandol face}"
[ $render_status -eq 0 ] || tail -n 5 <<<"$render" | sed 's/^/    /'

# The README's demo set-up, offline: its make targets must find the venv installed and fetch nothing.
step_started=$SECONDS
demo=$(cd "$prefix" 2>/dev/null && offline "${fc[@]}" make -s setup-demo 2>&1)
demo_status=$?
counts=$(cd "$prefix" 2>/dev/null && offline "${fc[@]}" DEBUG=true .venv/bin/python manage.py shell -c \
    "from cases.models import Case; from organisation.models import Membership, Unit; \
print(Unit.objects.count(), Membership.objects.count(), Case.objects.count())" 2>/dev/null | tail -n1)
read -r units members cases <<<"$counts"
[ $demo_status -eq 0 ] && [ "${units:-0}" -gt 0 ] && [ "${cases:-0}" -gt 0 ]
verdict "make setup-demo" $? "${units:-0} units, ${members:-0} memberships, ${cases:-0} cases in the embedded \
database in $((SECONDS - step_started)) s"
[ $demo_status -eq 0 ] || tail -n 8 <<<"$demo" | sed 's/^/    /'

# --- 3. The Debian side from the bundle ---------------------------------------------------------------
apt_state=$work/apt
mkdir -p "$apt_state/lists/partial" "$apt_state/cache/archives/partial"
echo "deb [trusted=yes] file:$bundle/debs ./" >"$apt_state/sources.list"
: >"$apt_state/empty-status"
apt_bundle=(apt-get -o "Dir::Etc::sourcelist=$apt_state/sources.list" -o Dir::Etc::sourceparts=-
    -o "Dir::State::Lists=$apt_state/lists" -o "Dir::Cache=$apt_state/cache" -o APT::Get::List-Cleanup=0
    -o "Dir::State::extended_states=$apt_state/extended_states" -o APT::Sandbox::User=root
    -o DPkg::Lock::Timeout=120)

update_output=$(offline "${apt_bundle[@]}" update 2>&1)
update_status=$?
# apt may keep lists compressed (lz4 here): read them back through apt-cache with the same options.
apt_cache=(apt-cache "${apt_bundle[@]:1}")
indexed=$(offline "${apt_cache[@]}" -o "Dir::State::status=$apt_state/empty-status" dumpavail 2>/dev/null \
    | grep -c '^Package: ')
[ $update_status -eq 0 ] && [ "${indexed:-0}" -gt 0 ] && ! grep -q '^Err' <<<"$update_output"
verdict "apt update" $? "the bundle's source lists ${indexed:-0} packages, no fetch error"
grep -A1 '^Err\|^E:' <<<"$update_output" | head -n 6 | sed 's/^/    /'

empty=$(offline "${apt_bundle[@]}" -o "Dir::State::status=$apt_state/empty-status" install -s --no-install-recommends \
    "${runtime[@]}" "${production[@]}" 2>&1)
empty_status=$?
verdict "apt on an empty machine" $empty_status "install -s of ${runtime[*]} ${production[*]}: \
$(grep -c '^Inst ' <<<"$empty") packages, all from the bundle"
[ $empty_status -eq 0 ] || grep -m5 'E:\|Depends:' <<<"$empty" | sed 's/^/    /'

here_sim=$(offline "${apt_bundle[@]}" install -s --reinstall --no-install-recommends "${runtime[@]}" 2>&1)
here_status=$?
verdict "apt on this machine" $here_status "install -s --reinstall of the runtime set: \
$(grep -c '^Inst ' <<<"$here_sim") packages"
[ $here_status -eq 0 ] || grep -m5 'E:' <<<"$here_sim" | sed 's/^/    /'

package=libharfbuzz-subset0
installed=$(dpkg-query -W -f='${Version}' "$package" 2>/dev/null)
shipped=$(offline "${apt_cache[@]}" madison "$package" 2>/dev/null | awk -F' *[|] *' 'NR == 1 { print $2 }')
if [ -n "$installed" ] && [ "$installed" = "$shipped" ]; then
    real=$(offline DEBIAN_FRONTEND=noninteractive "${apt_bundle[@]}" install -y --reinstall \
        --no-install-recommends "$package" 2>&1)
    real_status=$?
    [ $real_status -eq 0 ] && grep -q "Setting up $package" <<<"$real" \
        && [ "$(dpkg-query -W -f='${Status} ${Version}' "$package")" = "install ok installed $shipped" ]
    verdict "apt reinstall" $? "$package $shipped unpacked and set up from the bundle's .deb"
    [ $real_status -eq 0 ] || grep -m5 'E:' <<<"$real" | sed 's/^/    /'
else
    verdict "apt reinstall" 1 "$package is at '${installed:-not installed}' here, the bundle has '${shipped:-none}'"
fi

echo
if [ $failures -eq 0 ]; then
    echo "PASS: the bundle installs offline ($((SECONDS - started)) s)"
    exit 0
fi
echo "FAIL: $failures step(s) failed ($((SECONDS - started)) s)"
exit 1
