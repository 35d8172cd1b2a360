#!/usr/bin/env bash
# Installs the udev rules and the modprobe blacklist for USB NFC readers (run as root).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
getent group pcscd >/dev/null || groupadd --system pcscd
install -m 644 "$here/92-enrol-kiosk-nfc-readers.rules" /etc/udev/rules.d/
install -m 644 "$here/enrol-kiosk-blacklist-nfc.conf" /etc/modprobe.d/
modprobe -r pn533_usb pn533 nfc 2>/dev/null || true
udevadm control --reload && udevadm trigger --subsystem-match=usb
echo "Installed. Unplug and replug the reader, then: enrol-kiosk readers"
