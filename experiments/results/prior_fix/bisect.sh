#!/bin/bash
cd /tmp/wt
rm -rf /tmp/wt_out
out=$(timeout 900 /work/main/.venv/bin/python /tmp/wgtest.py /tmp/wt_out 500 2>&1 | grep RESULT)
echo "$(git log --oneline -1 | cut -c1-60) $out" >> /tmp/bisect.log
echo "$out" | grep -q "(500, 8" && exit 0
echo "$out" | grep -q "RESULT" && exit 1
exit 125
