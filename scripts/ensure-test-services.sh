#!/usr/bin/env bash
# Make sure the native services the test suite starts for itself are installed:
#
#   * PostgreSQL 15 server binaries   /usr/lib/postgresql/15/bin/{initdb,postgres,pg_ctl}
#   * pgbouncer                       /usr/sbin/pgbouncer
#   * pgvector for PostgreSQL 15      /usr/lib/postgresql/15/lib/vector.so + vector.control
#   * Chromium (browser tests)        /usr/bin/chromium, driven by playwright-core
#   * HAProxy (the replicas test)     /usr/sbin/haproxy, a real load balancer in front of several `folio serve`
#
# Nothing is started here: the tests start throwaway servers on free loopback
# ports themselves (test/services/*.ts).
#
# Idempotent, and fast (no apt, no network) when everything is already present.
# Installing needs root (Debian/apt); without root it prints what to install and
# exits 1.
#
# Notes:
#   * Debian's postgresql packages create and start a `main` cluster on :5432
#     by default. Before installing we drop a createcluster.d snippet with
#     `create_main_cluster = false` and, if no /usr/sbin/policy-rc.d exists,
#     install a temporary one so package scripts start no services (pgbouncer).
#   * bookworm has no pgvector binary package for PostgreSQL 15, so it is built
#     from Debian trixie's *source* package. The apt entry added for that is
#     `Types: deb-src` only, so no binary package can ever come from trixie.
#     The unpacked and built tree is cached in
#     ${FOLIO_CACHE_DIR:-$HOME/.cache/folio}/pgvector (a rerun only does
#     `make install`).
set -euo pipefail

PG_MAJOR=15
PG_BIN="/usr/lib/postgresql/$PG_MAJOR/bin"
PG_CONFIG="$PG_BIN/pg_config"
PGBOUNCER=/usr/sbin/pgbouncer
CHROMIUM=/usr/bin/chromium
HAPROXY=/usr/sbin/haproxy
VECTOR_SO="/usr/lib/postgresql/$PG_MAJOR/lib/vector.so"
VECTOR_CONTROL="/usr/share/postgresql/$PG_MAJOR/extension/vector.control"
PG_SERVER_HEADER="/usr/include/postgresql/$PG_MAJOR/server/postgres.h"
PGXS_MK="/usr/lib/postgresql/$PG_MAJOR/lib/pgxs/src/makefiles/pgxs.mk"
CACHE_DIR="${FOLIO_CACHE_DIR:-${HOME:-/root}/.cache/folio}"
PGVECTOR_CACHE="$CACHE_DIR/pgvector"
TRIXIE_SRC_LIST=/etc/apt/sources.list.d/folio-trixie-src.sources
# The Debian archive this machine already uses (its own apt sources), for the trixie source entry: no
# archive address is written into this repository.
debian_archive() {
  local uri
  uri="$( { grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v folio-trixie-src | sed -E 's/^URIs:[[:space:]]*//' | tr ' ' '\n'
            grep -hE '^deb[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{print $2}'; } \
          | grep -E '/debian/?$' | head -n1)"
  if [ -z "$uri" ]; then
    echo "ensure-test-services: no Debian archive in this machine's apt sources (/etc/apt/sources.list*); add one, then re-run" >&2
    return 1
  fi
  printf '%s\n' "${uri%/}"
}
NO_MAIN_CLUSTER_CONF=/etc/postgresql-common/createcluster.d/folio-no-main-cluster.conf

step() { printf '==> ensure-test-services: %s\n' "$*"; }
die() { printf 'ensure-test-services: ERROR: %s\n' "$*" >&2; exit 1; }

have_pg() { [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/postgres" ] && [ -x "$PG_BIN/pg_ctl" ]; }
have_pgbouncer() { [ -x "$PGBOUNCER" ]; }
have_chromium() { [ -x "$CHROMIUM" ]; }
have_haproxy() { [ -x "$HAPROXY" ]; }
have_vector() { [ -f "$VECTOR_SO" ] && [ -f "$VECTOR_CONTROL" ]; }
have_pg_dev() { [ -f "$PG_SERVER_HEADER" ] && [ -f "$PGXS_MK" ] && [ -x "$PG_CONFIG" ]; }
have_build_tools() { command -v make >/dev/null && command -v gcc >/dev/null && command -v dpkg-source >/dev/null; }

# Newest unpacked pgvector source tree in the cache ('' if none).
cached_pgvector_tree() {
  [ -d "$PGVECTOR_CACHE" ] || return 0
  find "$PGVECTOR_CACHE" -mindepth 1 -maxdepth 1 -type d -name 'pgvector-*' -print 2>/dev/null | sort -V | tail -n 1
}

versions() {
  local pgv bouncerv vecv
  pgv="$("$PG_BIN/postgres" --version 2>/dev/null || echo '?')"
  bouncerv="$("$PGBOUNCER" --version 2>/dev/null | head -n 1 || echo '?')"
  vecv="$(sed -n "s/^default_version *= *'\\(.*\\)'.*/\\1/p" "$VECTOR_CONTROL" 2>/dev/null || true)"
  printf '%s; %s; pgvector %s; %s; %s\n' "$pgv" "$bouncerv" "${vecv:-?}" "$("$CHROMIUM" --version 2>/dev/null || echo 'chromium ?')" \
    "$("$HAPROXY" -v 2>/dev/null | awk 'NR == 1 { print $1, $2, $3 }')"
}

# ---------------------------------------------------------------- fast path --
if have_pg && have_pgbouncer && have_vector && have_chromium && have_haproxy; then
  step "all present ($(versions))"
  exit 0
fi

# ------------------------------------------------------------- not root ------
if [ "$(id -u)" -ne 0 ]; then
  missing=()
  have_pg || missing+=("PostgreSQL $PG_MAJOR server ($PG_BIN/{initdb,postgres,pg_ctl})")
  have_pgbouncer || missing+=("pgbouncer ($PGBOUNCER)")
  have_vector || missing+=("pgvector for PostgreSQL $PG_MAJOR ($VECTOR_SO, $VECTOR_CONTROL)")
  have_chromium || missing+=("chromium ($CHROMIUM)")
  have_haproxy || missing+=("haproxy ($HAPROXY)")
  {
    echo "ensure-test-services: missing test services and not running as root:"
    for m in "${missing[@]}"; do echo "  - $m"; done
    echo
    echo "Install them (Debian 12 / bookworm) with either:"
    echo "  sudo bash scripts/ensure-test-services.sh"
    echo "or by hand:"
    echo "  sudo mkdir -p /etc/postgresql-common/createcluster.d"
    echo "  echo 'create_main_cluster = false' | sudo tee $NO_MAIN_CLUSTER_CONF"
    echo "  sudo apt-get update"
    echo "  sudo apt-get install -y --no-install-recommends postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR pgbouncer chromium haproxy build-essential dpkg-dev"
    echo "  # pgvector (no bookworm binary package): build trixie's source package"
    echo "  printf 'Types: deb-src\\nURIs: $(debian_archive 2>/dev/null || echo '<your Debian archive>')\\nSuites: trixie\\nComponents: main\\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\\n' | sudo tee $TRIXIE_SRC_LIST"
    echo "  sudo apt-get update && cd \"\$(mktemp -d)\" && apt-get source pgvector/trixie && cd pgvector-*/"
    echo "  make OPTFLAGS='' with_llvm=no PG_CONFIG=$PG_CONFIG && sudo make install with_llvm=no PG_CONFIG=$PG_CONFIG"
  } >&2
  exit 1
fi

command -v apt-get >/dev/null || die "apt-get not found: this script supports Debian/Ubuntu only"
export DEBIAN_FRONTEND=noninteractive

# One installer at a time (several checkouts / test runs may race on one machine).
mkdir -p "$CACHE_DIR"
exec 9>"$CACHE_DIR/.ensure-test-services.lock"
if ! flock -n 9; then
  step "waiting for another ensure-test-services run to finish"
  flock -w 1800 9 || die "timed out waiting for $CACHE_DIR/.ensure-test-services.lock"
fi
if have_pg && have_pgbouncer && have_vector && have_chromium && have_haproxy; then
  step "all present ($(versions))"
  exit 0
fi

APT_OPTS=(-o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
APT_UPDATED=0
apt_update() {
  if [ "$APT_UPDATED" -eq 0 ]; then
    step "apt-get update"
    apt-get "${APT_OPTS[@]}" update -qq || die "apt-get update failed"
    APT_UPDATED=1
  fi
}

write_trixie_src_list() {
  local content archive
  archive="$(debian_archive)" || return 1
  content="$(printf '%s\n' \
    '# Added by folio scripts/ensure-test-services.sh: SOURCE packages only (deb-src),' \
    '# used to build pgvector for PostgreSQL 15. No binary package can come from here.' \
    'Types: deb-src' \
    "URIs: $archive" \
    'Suites: trixie' \
    'Components: main' \
    'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg')"
  if [ ! -f "$TRIXIE_SRC_LIST" ] || [ "$(cat "$TRIXIE_SRC_LIST")" != "$content" ]; then
    step "adding deb-src (source-only) apt entry for trixie: $TRIXIE_SRC_LIST"
    printf '%s\n' "$content" >"$TRIXIE_SRC_LIST"
    APT_UPDATED=0 # the new entry needs an index download
  fi
}

# ----------------------------------------------------- work out what to do --
pkgs=()
have_pg || pkgs+=("postgresql-$PG_MAJOR")
have_pgbouncer || pkgs+=(pgbouncer)
have_chromium || pkgs+=(chromium)
have_haproxy || pkgs+=(haproxy)
need_vector=0
vector_tree=""
if ! have_vector; then
  need_vector=1
  vector_tree="$(cached_pgvector_tree)"
  have_pg_dev || pkgs+=("postgresql-server-dev-$PG_MAJOR")
  have_build_tools || pkgs+=(build-essential dpkg-dev)
  # Only a missing source tree needs the trixie deb-src index.
  [ -n "$vector_tree" ] || write_trixie_src_list
fi

# ------------------------------------------------------------- apt install --
if [ "${#pkgs[@]}" -gt 0 ]; then
  main_cluster_existed=0
  [ -d "/etc/postgresql/$PG_MAJOR/main" ] && main_cluster_existed=1

  # Never let the packages create/start a `main` cluster on :5432.
  mkdir -p "$(dirname "$NO_MAIN_CLUSTER_CONF")"
  if [ ! -f "$NO_MAIN_CLUSTER_CONF" ]; then
    printf '%s\n' '# Added by folio scripts/ensure-test-services.sh: tests run their own throwaway clusters.' \
      'create_main_cluster = false' >"$NO_MAIN_CLUSTER_CONF"
  fi

  # Keep package maintainer scripts from starting services (pgbouncer, postgresql, haproxy).
  temp_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# temporary, from folio scripts/ensure-test-services.sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    temp_policy=1
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi

  apt_update
  step "apt-get install ${pkgs[*]}"
  apt-get "${APT_OPTS[@]}" install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null \
    || die "apt-get install ${pkgs[*]} failed"

  if [ "$temp_policy" -eq 1 ]; then
    rm -f /usr/sbin/policy-rc.d
    trap - EXIT
  fi

  if [ "$main_cluster_existed" -eq 0 ] && [ -d "/etc/postgresql/$PG_MAJOR/main" ] && command -v pg_dropcluster >/dev/null; then
    step "dropping the auto-created $PG_MAJOR/main cluster (tests use throwaway clusters)"
    pg_dropcluster --stop "$PG_MAJOR" main || true
  fi
fi

# ---------------------------------------------------------------- pgvector --
if [ "$need_vector" -eq 1 ]; then
  have_pg_dev || die "PostgreSQL $PG_MAJOR server headers/PGXS missing ($PG_SERVER_HEADER, $PGXS_MK)"
  have_build_tools || die "make/gcc/dpkg-source missing (install build-essential dpkg-dev)"
  mkdir -p "$PGVECTOR_CACHE"

  if [ -z "$vector_tree" ]; then
    write_trixie_src_list
    apt_update
    step "fetching pgvector source package from trixie (deb-src) into $PGVECTOR_CACHE"
    fetch_dir="$(mktemp -d "$PGVECTOR_CACHE/.fetch.XXXXXX")"
    # apt-get source may warn about downloading unsandboxed as root; harmless.
    if ! (cd "$fetch_dir" && apt-get "${APT_OPTS[@]}" source -qq --only-source pgvector/trixie) >"$fetch_dir.log" 2>&1; then
      cat "$fetch_dir.log" >&2
      rm -rf "$fetch_dir" "$fetch_dir.log"
      die "apt-get source pgvector/trixie failed"
    fi
    fetched="$(find "$fetch_dir" -mindepth 1 -maxdepth 1 -type d -name 'pgvector-*' -print | head -n 1)"
    [ -n "$fetched" ] || { rm -rf "$fetch_dir" "$fetch_dir.log"; die "apt-get source produced no pgvector-* directory"; }
    rm -rf "$PGVECTOR_CACHE/$(basename "$fetched")"
    mv "$fetched" "$PGVECTOR_CACHE/"
    rm -rf "$fetch_dir" "$fetch_dir.log"
    vector_tree="$PGVECTOR_CACHE/$(basename "$fetched")"
  fi

  # OPTFLAGS="": no -march=native (the cache may move between machines).
  # with_llvm=no: skip JIT bitcode (needs clang; not needed for tests).
  make_args=(OPTFLAGS="" with_llvm=no PG_CONFIG="$PG_CONFIG")
  if [ ! -f "$vector_tree/.folio-built" ]; then
    step "building $(basename "$vector_tree") for PostgreSQL $PG_MAJOR"
    make -C "$vector_tree" -s -j"$(nproc 2>/dev/null || echo 2)" "${make_args[@]}" >"$vector_tree/.folio-build.log" 2>&1 \
      || { tail -n 40 "$vector_tree/.folio-build.log" >&2; die "pgvector build failed (log: $vector_tree/.folio-build.log)"; }
    touch "$vector_tree/.folio-built"
  else
    step "reusing cached build $vector_tree"
  fi
  step "installing $(basename "$vector_tree")"
  make -C "$vector_tree" -s install "${make_args[@]}" >"$vector_tree/.folio-install.log" 2>&1 \
    || { tail -n 40 "$vector_tree/.folio-install.log" >&2; die "pgvector make install failed (log: $vector_tree/.folio-install.log)"; }
fi

# ------------------------------------------------------------------ verify --
have_pg || die "PostgreSQL $PG_MAJOR server binaries still missing in $PG_BIN"
have_pgbouncer || die "pgbouncer still missing ($PGBOUNCER)"
have_vector || die "pgvector still missing ($VECTOR_SO / $VECTOR_CONTROL)"
have_chromium || die "chromium still missing ($CHROMIUM)"
have_haproxy || die "haproxy still missing ($HAPROXY)"
step "ok ($(versions))"
