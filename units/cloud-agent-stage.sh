#!/bin/sh
# Run by each stage unit: hands the stage to the boot process (cloud-agent-main.service)
# and exits with that stage's result. When that process is not there (it failed to start,
# or died) the stage runs on its own, as one process per unit.
# Usage: cloud-agent-stage STAGE COMMAND... (COMMAND: the standalone agent arguments)
stage=$1
shift
root=${CLOUD_AGENT_ROOT:-}
share=$root/run/cloud-init/share
agent=${CLOUD_AGENT:-/usr/bin/cloud-agent}

standalone() {
  echo "cloud-agent: no boot process to hand stage $stage to ($1); running it on its own" >&2
  shift
  exec 3>&-
  if [ -n "$root" ]; then exec $agent --root "$root" "$@"; else exec $agent "$@"; fi
}

i=0
while [ ! -e "$share/main.pid" ]; do
  i=$((i + 1))
  [ $i -gt 500 ] && standalone "not started after 10 s" "$@"
  sleep 0.02
done
# whether process $1 runs: one that died and is not yet reaped (a zombie) still answers kill -0
alive() {
  line=
  read -r line 2>/dev/null <"/proc/$1/stat" || return 1
  state=${line##*) }
  case ${state%% *} in Z | X | x) return 1 ;; esac
}

read -r pid <"$share/main.pid"
alive "$pid" || standalone "process $pid is gone" "$@"
# "start" goes into the pipe through a read-write descriptor, which never blocks and keeps
# the pipe (and a "start" not yet taken) alive until this shim exits; the process takes it
# when it is between stages, then opens the result pipe
exec 3<>"$share/$stage.go"
echo start >&3
# the result pipe opens once the process took "start". Should the process die first, or
# live on for 30 s without taking it, the watcher opens the pipe in its place, so the read
# ends without a result instead of waiting forever
# (this shim's own marker: one an earlier run of the unit left must not lift the bound)
taken=$share/$stage.taken.$$
(
  i=0
  while alive "$pid" && { [ -e "$taken" ] || [ $i -lt 600 ]; }; do
    i=$((i + 1))
    sleep 0.05
  done
  : >"$share/$stage.result"
) &
watcher=$!
rc=
{
  : >"$taken"
  read -r rc
} <"$share/$stage.result"
kill "$watcher" 2>/dev/null
if [ -z "$rc" ]; then
  # the first line in the go pipe says whether the process took this stage
  echo end >&3
  read -r first <&3
  [ "$first" = start ] && standalone "process $pid did not answer" "$@"
  echo "cloud-agent: the boot process exited during stage $stage; see 'cloud-init status --long'" >&2
  exit 1
fi
exit "$rc"
