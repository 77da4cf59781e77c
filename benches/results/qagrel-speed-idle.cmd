OUT=benches/results/qagrel-speed-idle EPOCHS=2 REPEATS=3 benches/scripts/qagrel_speed.sh   # = cargo run --release -p prospect-reward --example qagrel_speed -- 2 benches/qagrel_numpy.py, 3 times
