scripts/kill_test.py 200 /tmp/kt200 --seed 7   # on the files branch before the aligned flush (commit 2a97830), 2 shared cores
