scripts/kill_test.py 200 /tmp/kt-files200b --seed 7   # files branch after merging main (commit 0eb5c86), 2 shared cores, 4 min 34 s; seed 7 as in kill_test_after_align
