#!/bin/sh
# systemd generator: pulls cloud-agent.target into the boot unless cloud-init is disabled
# or no datasource can be present (as cloud-init's generator + ds-identify decide).
# Plain POSIX sh with builtins on the common path: generators block the whole boot, and a
# JavaScript runtime alone starts in more than the 20 ms this step may cost.
# `install` writes this file with the datasource checks filled in from the declarations.
# GENERATOR_ROOT is for tests only: a fake root holding /proc, /sys, /etc, /var and /run.
R=${GENERATOR_ROOT:-}
early=${2:-/run/systemd/generator.early}
run=$R/run/cloud-init
log=$run/cloud-init-generator.log
target=/lib/systemd/system/cloud-agent.target
link=$early/multi-user.target.wants/cloud-agent.target

cmdline=
read -r cmdline 2>/dev/null <"$R/proc/cmdline"
mkdir -p "$run"

say() { echo "$*" >>"$log"; }

disabled_reason() {
  reason=
  [ -e "$R/etc/cloud/cloud-init.disabled" ] && { reason="marker file /etc/cloud/cloud-init.disabled"; return; }
  case " $cmdline " in *" cloud-init=disabled "*) reason="kernel command line cloud-init=disabled"; return ;; esac
  case " ${KERNEL_CMDLINE:-} " in *" cloud-init=disabled "*) reason="environment KERNEL_CMDLINE" ;; esac
}

first_line() { line=; read -r line 2>/dev/null <"$R$1"; }
container=

is_x86() {
  first_line /proc/sys/kernel/arch
  [ -n "$line" ] || line=$(uname -m)
  case $line in i?86 | x86_64) return 0 ;; esac
  return 1
}

# As systemd records it; asked only when firmware evidence matched, the one fork cached.
in_container() {
  [ -n "$container" ] || { container=no; [ -s "$R/run/systemd/container" ] || grep -qsz '^container=' "$R/proc/1/environ" && container=yes; }
  [ "$container" = yes ]
}

# datasource_list as ds-identify reads it: a one-line flow sequence, the last file's wins.
configured_list() {
  list= have_list=
  for f in "$R/etc/cloud/cloud.cfg" "$R"/etc/cloud/cloud.cfg.d/*.cfg; do
    [ -f "$f" ] || continue
    while IFS= read -r l || [ -n "$l" ]; do
      case $l in "datasource_list:"*"["*"]"*) l=${l#*\[}; list=${l%%\]*}; have_list=1 ;; esac
    done <"$f"
  done
}

# @datasource-checks@

# Sets evidence to why a datasource may be present; leaves it empty when none can be.
find_evidence() {
  evidence=
  case " $cmdline " in *" ds="*|*" ci.ds="*|*" ci.datasource="*) evidence="datasource forced on the kernel command line"; return ;; esac
  configured_list
  [ -n "$have_list" ] || list=$default_list
  keys= named=0
  set -f
  oldifs=$IFS
  IFS=" ,'\"	"
  for name in $list; do
    ds_key "$name"
    [ "$key" = none ] && continue
    named=$((named + 1))
    [ -n "$key" ] && keys="$keys $key"
  done
  IFS=$oldifs
  # the only datasource asked for is tried without evidence, as cloud-init does
  [ "$named" = 1 ] && [ -n "$keys" ] && { evidence="datasource_list names only$keys"; return; }
  for key in $keys; do cheap_evidence "$key" && return; done
  for key in $keys; do costly_evidence "$key" && return; done
  # only now pay for a look at filesystem labels (udev has not run yet, so ask blkid)
  labels=
  for key in $keys; do wanted_labels "$key"; done
  [ -n "$labels" ] && command -v blkid >/dev/null 2>&1 || return
  for label in $(blkid -c /dev/null -o value -s LABEL 2>/dev/null); do
    case " $labels " in *" $label "*) evidence="filesystem labelled $label"; return ;; esac
  done
}

disabled_reason
if [ -z "$reason" ]; then
  find_evidence
  [ -n "$evidence" ] || reason="no datasource found"
fi
if [ -n "$reason" ]; then
  rm -f "$link" "$run/enabled"
  : >"$run/disabled"
  say "disabled: $reason"
else
  mkdir -p "${link%/*}"
  ln -sf "$target" "$link"
  rm -f "$run/disabled"
  : >"$run/enabled"
  say "enabled: $evidence"
fi
exit 0
