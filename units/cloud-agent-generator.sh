#!/bin/sh
# systemd generator: pulls cloud-agent.target into the boot unless cloud-init is disabled
# or no datasource can be present (as cloud-init's generator + ds-identify decide).
# Plain POSIX sh with builtins on the common path: generators block the whole boot, and a
# JavaScript runtime alone starts in more than the 20 ms this step may cost.
early=${2:-/run/systemd/generator.early}
run=/run/cloud-init
log=$run/cloud-init-generator.log
target=/lib/systemd/system/cloud-agent.target
link=$early/multi-user.target.wants/cloud-agent.target

read -r cmdline 2>/dev/null </proc/cmdline || cmdline=
mkdir -p "$run"

say() { echo "$*" >>"$log"; }

disabled_reason() {
  [ -e /etc/cloud/cloud-init.disabled ] && { echo "marker file /etc/cloud/cloud-init.disabled"; return; }
  case " $cmdline " in *" cloud-init=disabled "*) echo "kernel command line cloud-init=disabled"; return ;; esac
  case " ${KERNEL_CMDLINE:-} " in *" cloud-init=disabled "*) echo "environment KERNEL_CMDLINE"; return ;; esac
}

dmi() { v=; read -r v 2>/dev/null <"/sys/class/dmi/id/$1"; echo "$v"; }

# Prints why a datasource may be present; prints nothing when none can be.
datasource_evidence() {
  case " $cmdline " in *" ds="*|*" ci.ds="*|*" ci.datasource="*) echo "kernel command line"; return ;; esac
  for seed in nocloud nocloud-net; do
    [ -e "/var/lib/cloud/seed/$seed/meta-data" ] && { echo "seed directory $seed"; return; }
  done
  [ -d /var/lib/cloud/seed/config_drive/openstack ] && { echo "seed directory config_drive"; return; }
  case "$(dmi product_serial)" in *ds=nocloud*) echo "DMI serial ds=nocloud"; return ;; esac
  uuid=$(dmi product_uuid)
  [ -n "$uuid" ] || { read -r uuid 2>/dev/null </sys/hypervisor/uuid || uuid=; }
  case "$uuid" in [eE][cC]2*|????2?[eE][cC]*) echo "EC2 uuid"; return ;; esac
  case "$(dmi sys_vendor)" in "Amazon EC2") echo "DMI sys_vendor Amazon EC2"; return ;; esac
  case "$(dmi product_name) $(dmi chassis_asset_tag)" in *"OpenStack Nova"*|*"OpenStack Compute"*) echo "DMI OpenStack"; return ;; esac
  if grep -qsE '^[[:space:]]*datasource_list:.*(NoCloud|ConfigDrive|Ec2|OpenStack)' /etc/cloud/cloud.cfg /etc/cloud/cloud.cfg.d/*.cfg; then
    echo "datasource_list in /etc/cloud"; return
  fi
  # Only now pay for a look at filesystem labels (udev has not run yet, so ask blkid).
  if command -v blkid >/dev/null 2>&1; then
    for label in $(blkid -c /dev/null -o value -s LABEL 2>/dev/null); do
      case "$label" in cidata|CIDATA|config-2|CONFIG-2) echo "filesystem labelled $label"; return ;; esac
    done
  fi
}

reason=$(disabled_reason)
if [ -z "$reason" ]; then
  evidence=$(datasource_evidence)
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
