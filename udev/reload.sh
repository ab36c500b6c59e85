# Shell functions shared by scripts/install.sh, scripts/uninstall.sh and the
# Debian maintainer scripts (scripts/deb.sh copies this file into them).
# POSIX sh: dpkg runs maintainer scripts with /bin/sh. Nothing here fails:
# a chroot, a container or a build root has no udevd and no user managers,
# and installing there is still fine.

# handsetd_users prints the users that have a running service manager.
handsetd_users() {
	[ -d /run/systemd/system ] || return 0
	command -v loginctl >/dev/null 2>&1 || return 0
	loginctl list-users --no-legend 2>/dev/null | awk '{ print $2 }'
}

# handsetd_reload makes udevd read the rules again and the user managers
# read the unit again. With "trigger" it also replays change events for
# hidraw and USB devices, so that a handset plugged in before the install
# gets its ACL (and the service) without being plugged in again.
handsetd_reload() {
	if command -v udevadm >/dev/null 2>&1 && udevadm control --ping >/dev/null 2>&1; then
		udevadm control --reload || echo "handsetd: udevadm control --reload failed" >&2
		if [ "${1:-}" = trigger ]; then
			udevadm trigger --action=change --subsystem-match=hidraw || true
			udevadm trigger --action=change --subsystem-match=usb --property-match=DEVTYPE=usb_device || true
		fi
	else
		echo "handsetd: udevd is not running; rules take effect when it starts" >&2
	fi
	for u in $(handsetd_users); do
		systemctl --user -M "$u@" daemon-reload 2>/dev/null ||
			echo "handsetd: could not reload the service manager of $u" >&2
	done
	return 0
}

# handsetd_stop stops the user service of every user, before its files go.
handsetd_stop() {
	for u in $(handsetd_users); do
		systemctl --user -M "$u@" stop handsetd.service 2>/dev/null || true
	done
	return 0
}

# handsetd_restart restarts the user services that run, after an upgrade
# replaced the binary under them; stopped ones stay stopped.
handsetd_restart() {
	for u in $(handsetd_users); do
		systemctl --user -M "$u@" try-restart handsetd.service 2>/dev/null || true
	done
	return 0
}
