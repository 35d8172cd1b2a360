#!/usr/bin/env bash
# Labels CSV for `enrol-kiosk bench-eyes` from a folder of WebMorph templates (.tem beside
# each .jpg, as in the Face Research Lab London Set): points 0 and 1 are the pupil centres.
set -euo pipefail
dir=${1:?usage: london-labels.sh DIR}
echo "file,left_x,left_y,right_x,right_y"
for tem in "$dir"/*.tem; do
  img=$(basename "${tem%.tem}").jpg
  [ -f "$dir/$img" ] || continue
  awk -v f="$img" 'NR==2{ax=$1; ay=$2} NR==3{bx=$1; by=$2}
    END{ if (ax>bx) {t=ax; ax=bx; bx=t; t=ay; ay=by; by=t}
         printf "%s,%.1f,%.1f,%.1f,%.1f\n", f, ax, ay, bx, by }' "$tem"
done
