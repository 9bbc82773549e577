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
# the process opens this pipe between stages; one that died will never open it, so the
# write is watched rather than only bounded (30 s still ends a process that lives but hangs)
sh -c 'echo start >"$1"' - "$share/$stage.go" &
writer=$!
i=0
while alive "$writer"; do
  if ! alive "$pid" || [ $i -ge 6000 ]; then
    kill "$writer" 2>/dev/null
    standalone "process $pid did not answer" "$@"
  fi
  i=$((i + 1))
  sleep 0.005
done
wait "$writer" || standalone "process $pid did not answer" "$@"
# it opens the result pipe once it took "start"; should it die before that, the watcher opens
# the pipe in its place, so the read ends without a result instead of waiting forever
(
  while alive "$pid"; do sleep 0.05; done
  : >"$share/$stage.result"
) &
watcher=$!
rc=
read -r rc <"$share/$stage.result"
kill "$watcher" 2>/dev/null
if [ -z "$rc" ]; then
  echo "cloud-agent: the boot process exited during stage $stage; see 'cloud-init status --long'" >&2
  exit 1
fi
exit "$rc"
