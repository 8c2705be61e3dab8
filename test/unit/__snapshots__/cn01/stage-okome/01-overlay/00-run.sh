#!/bin/bash -e
# Installs the rendered overlay of role cn01 into the root filesystem, with exact modes.
# Runs on the build host (pi-gen NN-run.sh), CWD = this directory.
: "${ROOTFS_DIR:?ROOTFS_DIR must be set (pi-gen sets it)}"

put() {
	# Replace whatever is there (a symlink would otherwise be written through).
	rm -f "${ROOTFS_DIR}$2"
	install -D -m "$1" -o 0 -g 0 "files$2" "${ROOTFS_DIR}$2"
}

put 0644 /etc/NetworkManager/conf.d/90-okome.conf
put 0600 /etc/NetworkManager/system-connections/okome-wired.nmconnection
put 0644 /etc/default/prometheus-node-exporter
put 0644 /etc/default/raspi-firmware
put 0644 /etc/default/raspi-firmware-custom
put 0644 /etc/fail2ban/fail2ban.d/okome.local
put 0644 /etc/fail2ban/jail.d/okome.local
put 0644 /etc/fstab
put 0644 /etc/hostname
put 0644 /etc/hosts
put 0644 /etc/modprobe.d/okome-radios.conf
put 0755 /etc/nftables.conf
put 0644 /etc/okome/admin_authorized_keys
put 0644 /etc/okome/backend.env
put 0644 /etc/okome/config.txt.okome
put 0644 /etc/okome/okome.env
put 0600 /etc/okome/secrets/redis-health.pass
put 0640 /etc/redis/redis.conf
put 0640 /etc/redis/users.acl
put 0644 /etc/resolv.conf
put 0644 /etc/ssh/sshd_config.d/10-okome-hardening.conf
put 0440 /etc/sudoers.d/okome-admin
put 0644 /etc/sysctl.d/90-okome.conf
put 0644 /etc/systemd/journald.conf.d/90-okome.conf
put 0644 /etc/systemd/network/10-okome-wired.network
put 0644 /etc/systemd/networkd.conf.d/okome.conf
put 0644 /etc/systemd/system/okome-firstboot.service
put 0644 /etc/systemd/system/okome-thp.service
put 0644 /etc/systemd/system/okome-verify.service
put 0644 /etc/systemd/system/redis-server.service.d/okome.conf
put 0644 /etc/systemd/timesyncd.conf.d/okome.conf
put 0644 /etc/timezone
put 0644 /etc/tmpfiles.d/okome.conf
put 0755 /usr/local/sbin/okome-backend-check
put 0755 /usr/local/sbin/okome-chaos
put 0755 /usr/local/sbin/okome-firstboot
put 0755 /usr/local/sbin/okome-validate
put 0755 /usr/local/sbin/okome-verify
