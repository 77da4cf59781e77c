scripts/kill_test.py 60 /tmp/kt60b --seed 7   # after the aligned flush; read failures (filter returned failure during read) remain
