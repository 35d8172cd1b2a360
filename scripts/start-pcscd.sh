#!/usr/bin/env bash
# Starts pcscd (with the vpcd virtual readers) unless one is already running, and waits until
# vpcd listens. pcsc-lite runs one pcscd per machine: reuse the running one.
set -euo pipefail

listening() { (exec 3<>/dev/tcp/127.0.0.1/35963) 2>/dev/null; }
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"

for _ in $(seq 1 100); do
  if [ -S /run/pcscd/pcscd.comm ] && pgrep -x pcscd >/dev/null 2>&1 && listening; then
    exit 0
  fi
  # None running (or one that was just stopped has gone): start one.
  if ! pgrep -x pcscd >/dev/null 2>&1; then
    echo "pcscd: starting"
    $sudo sh -c 'nohup pcscd -f >/var/tmp/enrol-kiosk-pcscd.log 2>&1 &'
  fi
  sleep 0.1
done
echo "pcscd: not ready (is the vsmartcard-vpcd package installed?); see /var/tmp/enrol-kiosk-pcscd.log" >&2
exit 1
