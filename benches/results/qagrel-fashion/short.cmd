# Shortened runs (30 epochs), seeds 0–4, through the command line (issue 11), same protocol.
prospect sweep models/qagrel-fashion-mnist.toml --set training.epochs=30 --set network.feedback=symmetric,learned --seeds 0..5 --jobs 1 --quiet --out-dir /tmp/qsweep/qagrel
prospect sweep models/backprop-fashion-mnist.toml --set training.epochs=30 --seeds 0..5 --jobs 1 --quiet --out-dir /tmp/qsweep/backprop
python3 summary.py --collect /tmp/qsweep/qagrel /tmp/qsweep/backprop   # → short-*.jsonl
python3 summary.py
# Fig. 6 (class discovery), seed 0, Q-AGREL symmetric against backprop:
prospect plot "/tmp/qsweep/qagrel/network.feedback=symmetric_seed=0.h5" /tmp/qsweep/backprop/seed=0.h5 --kind classes --out fig6-classes.png
