EPOCHS=2 REPEATS=2 benches/scripts/qagrel_speed.sh   # = cargo run --release -p prospect-reward --example qagrel_speed -- 2 benches/qagrel_numpy.py, 2 times
