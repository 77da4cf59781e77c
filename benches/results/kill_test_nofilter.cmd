scripts/kill_test.py 200 /tmp/kt-files200 --seed 11   # files branch, no filter on growing datasets (commit a9440b2), 2 shared cores, 4 min 51 s
