#!/usr/bin/env bash
# micro-ceph.sh — a throw-away single-host Ceph cluster (1 mon, 1 memstore OSD, optional mgr)
# plus a RADOS Gateway (S3 API) on loopback, for tests. Debian 12 packages (Ceph 16.2 "pacific"):
#   apt-get install -y --no-install-recommends ceph-mon ceph-osd ceph-mgr radosgw ceph-common
# (the project's test support: libs/testing/src/micro-ceph.ts runs it for the s3 and rados suites)
#
# Usage:
#   micro-ceph.sh start DIR    start (or re-use, if already healthy) a cluster whose state lives in DIR;
#                              prints S3_ENDPOINT / S3_ACCESS_KEY / S3_SECRET_KEY / CEPH_CONF lines on stdout
#                              (also written to DIR/s3.env, for `source`). Progress goes to stderr.
#   micro-ceph.sh stop DIR     stop the daemons started from DIR (by their pid files) and remove DIR
#   micro-ceph.sh status DIR   exit 0 when the cluster in DIR answers S3, 1 otherwise
#
# Environment (all optional):
#   MICRO_CEPH_RGW_PORT   first port to try for the S3 endpoint (default 27480; the next free one is used)
#   MICRO_CEPH_MON_PORT   first port to try for the mon's msgr v2 (default 23300; v1 = the next free one)
#   MICRO_CEPH_MS_PORTS   port range for OSD/mgr messengers, "min-max" (default 26800-26999)
#   MICRO_CEPH_MGR=1      also start a ceph-mgr (not needed for RADOS or S3; costs ~100+ MiB and a few seconds)
#   MICRO_CEPH_STORE      memstore (default: objects live in the OSD's RAM) or bluestore (on a sparse file)
#   MICRO_CEPH_OSD_BYTES  OSD capacity in bytes (default 4 GiB; memstore: RAM, bluestore: sparse file size)
#   MICRO_CEPH_ACCESS_KEY / MICRO_CEPH_SECRET_KEY   fixed S3 keys (default: random per start)
#   MICRO_CEPH_TIMEOUT    seconds to wait for RGW to answer (default 120)
#   MICRO_CEPH_KEEP=1     `stop` keeps DIR (logs) instead of removing it
set -euo pipefail

MARKER=.micro-ceph
log() { printf '[micro-ceph %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

usage() { sed -n '2,/^set -euo/{/^#/p}' "$0" >&2; exit 2; }

[ $# -eq 2 ] || usage
CMD=$1
DIR=$2
case "$DIR" in /*) ;; *) DIR="$(pwd)/$DIR" ;; esac
DIR=${DIR%/}
[ -n "$DIR" ] && [ "$DIR" != "/" ] || die "refusing DIR=/"
# unix admin sockets must fit in 107 bytes: DIR/run/ceph-client.rgw.a.<pid>.<cookie>.asok
[ ${#DIR} -le 60 ] || die "DIR path too long (${#DIR} > 60 chars): admin sockets would not fit"

export CEPH_CONF="$DIR/ceph.conf"
CEPH=(ceph -c "$CEPH_CONF" --connect-timeout 30)

# --- helpers ---------------------------------------------------------------------------------
port_free() { ! ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
pick_port() { # pick_port START [EXCLUDE]
  local p=$1
  while ! port_free "$p" || [ "$p" = "${2:-}" ]; do p=$((p + 1)); done
  echo "$p"
}

# pid of a daemon from DIR, only if that process is alive AND was started with DIR's ceph.conf
daemon_pid() {
  local f="$DIR/run/$1.pid" pid
  [ -s "$f" ] || return 1
  pid=$(cat "$f")
  [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$CEPH_CONF" || return 1
  echo "$pid"
}

randstr() { # randstr CHARSET LEN (no pipe into head: SIGPIPE would trip pipefail)
  local out=""
  while [ ${#out} -lt "$2" ]; do out+=$(head -c 256 /dev/urandom | LC_ALL=C tr -dc "$1"); done
  echo "${out:0:$2}"
}

s3_answers() { # anonymous ListBuckets: RGW answers 200 once it is serving
  local url=$1 code
  code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$url/" 2>/dev/null || true)
  [ "$code" = 200 ]
}

print_env() { cat "$DIR/s3.env"; }

# alive PID: running and not a zombie (an orphan stays a zombie until PID 1 reaps it, which can
# take ~2 s on some container inits)
alive() { local st; st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) && [ -n "$st" ] && [ "$st" != Z ]; }

wait_gone() { # wait_gone SECONDS PID...: wait for the pids to exit, SIGKILL those left
  local secs=$1 pid i left
  shift
  for i in $(seq 1 $((secs * 20))); do
    left=()
    for pid in "$@"; do alive "$pid" && left+=("$pid"); done
    [ ${#left[@]} -eq 0 ] && return 0
    set -- "${left[@]}"
    sleep 0.05
  done
  for pid in "$@"; do
    log "pid $pid did not exit in time; SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  done
}

# stop_daemons [graceful]: by default SIGKILL everything (memstore data is thrown away anyway, and a
# SIGTERMed OSD waits up to 5 s for a mon that is going down too); graceful = SIGTERM one tier at a
# time (rgw+mgr, then osd, then mon), ~0.5 s in all, for when the logs are kept.
stop_daemons() {
  local tier n pid pids
  if [ "${1:-}" = graceful ]; then
    for tier in "client.rgw.a mgr.x" "osd.0" "mon.a"; do
      pids=()
      for n in $tier; do
        if pid=$(daemon_pid "$n"); then kill -TERM "$pid" 2>/dev/null || true; pids+=("$pid"); fi
      done
      [ ${#pids[@]} -gt 0 ] && wait_gone 10 "${pids[@]}"
    done
  else
    pids=()
    for n in client.rgw.a mgr.x osd.0 mon.a; do
      if pid=$(daemon_pid "$n"); then kill -KILL "$pid" 2>/dev/null || true; pids+=("$pid"); fi
    done
    [ ${#pids[@]} -gt 0 ] && wait_gone 5 "${pids[@]}"
  fi
  return 0
}

dump_logs() {
  local f
  for f in "$DIR"/log/*.log; do
    [ -f "$f" ] || continue
    log "---- tail of ${f#$DIR/} ----"
    tail -n 15 "$f" >&2 || true
  done
}

# --- stop ------------------------------------------------------------------------------------
cmd_stop() {
  if [ ! -e "$DIR" ]; then log "$DIR does not exist; nothing to stop"; return 0; fi
  [ -e "$DIR/$MARKER" ] || die "$DIR was not made by micro-ceph.sh (no $MARKER); not touching it"
  if [ "${MICRO_CEPH_KEEP:-0}" = 1 ]; then
    stop_daemons graceful
    log "stopped; kept $DIR"
  else
    stop_daemons
    rm -rf -- "$DIR"
    log "stopped; removed $DIR"
  fi
}

# --- status ----------------------------------------------------------------------------------
cmd_status() {
  [ -s "$DIR/s3.env" ] || return 1
  local ep
  ep=$(sed -n 's/^S3_ENDPOINT=//p' "$DIR/s3.env")
  daemon_pid mon.a >/dev/null && daemon_pid osd.0 >/dev/null && daemon_pid client.rgw.a >/dev/null &&
    s3_answers "$ep"
}

# --- start -----------------------------------------------------------------------------------
cmd_start() {
  local t0 t_now
  t0=$(date +%s.%N)
  for b in ceph ceph-mon ceph-osd radosgw radosgw-admin monmaptool curl ss; do
    command -v "$b" >/dev/null || die "$b not found; apt-get install -y --no-install-recommends ceph-mon ceph-osd ceph-mgr radosgw ceph-common curl iproute2"
  done

  if [ -e "$DIR" ]; then
    [ -e "$DIR/$MARKER" ] || die "$DIR exists and was not made by micro-ceph.sh; pick another DIR"
    if cmd_status; then
      log "already running in $DIR"
      print_env
      return 0
    fi
    log "stale state in $DIR: cleaning it"
    stop_daemons
    rm -rf -- "$DIR"
  fi

  mkdir -p "$DIR"/{mon,osd/ceph-0,mgr/ceph-x,rgw,log,run,crash}
  touch "$DIR/$MARKER"

  local mon2 mon1 rgwp msmin msmax fsid osd_uuid ak sk
  mon2=$(pick_port "${MICRO_CEPH_MON_PORT:-23300}")
  mon1=$(pick_port $((mon2 + 1)) "$mon2")
  rgwp=$(pick_port "${MICRO_CEPH_RGW_PORT:-27480}")
  IFS=- read -r msmin msmax <<<"${MICRO_CEPH_MS_PORTS:-26800-26999}"
  fsid=$(cat /proc/sys/kernel/random/uuid)
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  ak=${MICRO_CEPH_ACCESS_KEY:-$(randstr 'A-Z0-9' 20)}
  sk=${MICRO_CEPH_SECRET_KEY:-$(randstr 'A-Za-z0-9' 40)}

  osd_store_conf() {
    if [ "${MICRO_CEPH_STORE:-memstore}" = bluestore ]; then
      cat <<EOS
osd objectstore = bluestore
bluestore block path = $DIR/osd/block.0
bluestore block create = true
bluestore block size = ${MICRO_CEPH_OSD_BYTES:-4294967296}
bluestore fsck on mkfs = false
bluestore fsck on mount = false
osd memory target = 939524096
EOS
    else
      cat <<EOS
osd objectstore = memstore
memstore device bytes = ${MICRO_CEPH_OSD_BYTES:-4294967296}
EOS
    fi
  }
  cat >"$CEPH_CONF" <<EOF
# written by micro-ceph.sh — test-only cluster, no auth, one memstore OSD, everything on 127.0.0.1
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$mon2,v1:127.0.0.1:$mon1]
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind port min = $msmin
ms bind port max = $msmax
auth cluster required = none
auth service required = none
auth client required = none
# radosgw defaults to "secure" mon sessions, which cannot be set up without cephx
ms mon client mode = crc
keyring = $DIR/keyring
run dir = $DIR/run
admin socket = \$run_dir/\$cluster-\$name.\$pid.\$cctid.asok
pid file = \$run_dir/\$name.pid
log file = $DIR/log/\$name.log
crash dir = $DIR/crash
log to stderr = false
err to stderr = true
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
mon data avail warn = 1
mon data avail crit = 0
mon warn on insecure global id reclaim allowed = false
# each map change (pool create, application enable, OSD boot) otherwise waits for the 1 s paxos
# propose interval; radosgw's first start makes ~8 pools in a row, so this saves ~10 s
paxos propose interval = 0.01
paxos min wait = 0.001

[mon]
mon data = $DIR/mon/\$cluster-\$id
mon cluster log file = $DIR/log/cluster.log

[osd]
osd data = $DIR/osd/\$cluster-\$id
$(osd_store_conf)
osd class load list = *
osd class default list = *

[mgr]
mgr data = $DIR/mgr/\$cluster-\$id

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$rgwp
rgw data = $DIR/rgw
rgw thread pool size = 64
EOF
  : >"$DIR/keyring"

  # failure from here on: kill what was started, keep DIR for the logs
  trap 'log "start failed"; dump_logs; stop_daemons; exit 1' ERR

  log "mon: v2 127.0.0.1:$mon2, v1 127.0.0.1:$mon1"
  monmaptool --create --clobber --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon2,v1:127.0.0.1:$mon1]" \
    "$DIR/monmap" >/dev/null
  ceph-mon -c "$CEPH_CONF" -i a --mkfs --monmap "$DIR/monmap" --keyring "$DIR/keyring"
  ceph-mon -c "$CEPH_CONF" -i a 2>>"$DIR/log/mon.stderr"

  log "osd.0 (${MICRO_CEPH_STORE:-memstore})"
  local osd_id
  osd_id=$("${CEPH[@]}" osd new "$osd_uuid")
  [ "$osd_id" = 0 ] || die "expected osd id 0, got '$osd_id'"
  ceph-osd -c "$CEPH_CONF" -i 0 --mkfs --osd-uuid "$osd_uuid" 2>>"$DIR/log/osd-mkfs.err" >/dev/null
  ceph-osd -c "$CEPH_CONF" -i 0 2>>"$DIR/log/osd.stderr"

  if [ "${MICRO_CEPH_MGR:-0}" = 1 ]; then
    log "mgr.x"
    ceph-mgr -c "$CEPH_CONF" -i x 2>>"$DIR/log/mgr.stderr"
  fi

  log "rgw: http://127.0.0.1:$rgwp"
  # -f + &: a daemonizing radosgw blocks its caller until it has reached the cluster (up to 300 s)
  radosgw -c "$CEPH_CONF" -n client.rgw.a -f --rgw-init-timeout "${MICRO_CEPH_TIMEOUT:-120}" \
    </dev/null >>"$DIR/log/rgw.stdout" 2>&1 &
  echo $! >"$DIR/run/client.rgw.a.pid" # radosgw rewrites the same pid later
  disown
  local deadline
  deadline=$(( $(date +%s) + ${MICRO_CEPH_TIMEOUT:-120} ))
  until s3_answers "http://127.0.0.1:$rgwp"; do
    [ "$(date +%s)" -lt "$deadline" ] || { log "RGW did not answer in time"; false; }
    daemon_pid client.rgw.a >/dev/null || { log "radosgw died"; false; }
    sleep 0.2
  done

  radosgw-admin -c "$CEPH_CONF" user create --uid=test --display-name="micro-ceph test user" \
    --access-key="$ak" --secret-key="$sk" >"$DIR/log/user-create.json" 2>>"$DIR/log/radosgw-admin.err"
  trap - ERR

  cat >"$DIR/s3.env" <<EOF
S3_ENDPOINT=http://127.0.0.1:$rgwp
S3_ACCESS_KEY=$ak
S3_SECRET_KEY=$sk
S3_REGION=us-east-1
CEPH_CONF=$CEPH_CONF
EOF
  t_now=$(date +%s.%N)
  log "ready in $(awk -v a="$t0" -v b="$t_now" 'BEGIN{printf "%.1f", b-a}') s"
  print_env
}

case "$CMD" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) usage ;;
esac
