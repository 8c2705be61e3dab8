#!/bin/bash -e
# System settings of role cn00 (frontend). Runs INSIDE the image's chroot
# (pi-gen NN-run-chroot.sh), on Raspberry Pi OS (pi-gen) and on okome-image's Debian base alike.

# --- owners that only exist inside the image ---

# --- admin user: key-only login, sudo, no password ---
if ! id -u okome >/dev/null 2>&1; then
	useradd --create-home --shell /bin/bash okome
fi
usermod -a -G sudo okome
passwd -l okome >/dev/null
passwd -l root >/dev/null
home=$(getent passwd okome | cut -d: -f6)
install -d -m 700 -o okome -g okome "$home/.ssh"
install -m 600 -o okome -g okome /etc/okome/admin_authorized_keys "$home/.ssh/authorized_keys"

# --- network: NetworkManager on Raspberry Pi OS, systemd-networkd on the Debian base ---
if [ -x /usr/sbin/NetworkManager ]; then
	rm -f /etc/systemd/network/10-okome-wired.network
	chmod 600 /etc/NetworkManager/system-connections/okome-wired.nmconnection
else
	rm -rf /etc/NetworkManager
	systemctl enable systemd-networkd.service
fi

# --- boot configuration: raspi-config settings as files ---
if [ -x /etc/kernel/postinst.d/z50-raspi-firmware ]; then
	# Debian: config.txt and cmdline.txt are generated from /etc/default/raspi-firmware*;
	# regenerate them now (kernel updates will do the same later).
	for k in /boot/vmlinuz-*; do
		[ -e "$k" ] || continue
		DEB_MAINT_PARAMS=configure /etc/kernel/postinst.d/z50-raspi-firmware "${k#/boot/vmlinuz-}"
	done
	rm -f /etc/default/raspi-firmware.dpkg-*
elif [ -f /boot/firmware/config.txt ] && [ -f /etc/okome/config.txt.okome ]; then
	# Raspberry Pi OS: edit config.txt itself, between markers, idempotently.
	sed -i '/^# BEGIN okome$/,/^# END okome$/d' /boot/firmware/config.txt
	{ echo '# BEGIN okome'; cat /etc/okome/config.txt.okome; echo '# END okome'; } >> /boot/firmware/config.txt
fi

# --- time zone ---
ln -sf /usr/share/zoneinfo/Etc/UTC /etc/localtime

# --- nginx: our site replaces Debian's default ---
rm -f /etc/nginx/sites-enabled/default

# --- units (one systemctl call each: every call is a process under emulation) ---
systemctl enable systemd-timesyncd.service ssh.service nftables.service fail2ban.service prometheus-node-exporter.service nginx.service keepalived.service okome-health-probe.timer okome-hit-ratio.timer okome-prewarm.timer okome-firstboot.service okome-verify.service
systemctl mask bluetooth.service hciuart.service avahi-daemon.service avahi-daemon.socket ModemManager.service systemd-firstboot.service wpa_supplicant.service apt-daily.timer apt-daily-upgrade.timer man-db.timer e2scrub_all.timer fstrim.timer dphys-swapfile.service triggerhappy.service triggerhappy.socket systemd-resolved.service

# --- per-device identity is made at first boot, never baked in ---
rm -f /etc/ssh/ssh_host_*
echo uninitialized > /etc/machine-id
rm -f /var/lib/dbus/machine-id
