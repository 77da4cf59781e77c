# The measurement (issue 11): continuous Q-AGREL on Yin-Yang, T = τ/10, look-ahead on and off, 5 seeds, 40 epochs (10 000 trials of 20 copies); 90 s on 2 shared cores.
prospect sweep models/qagrel-continuous-yinyang.toml --set network.lookahead=true,false --seeds 0..5 --jobs 2 --out-dir traces/sweep-qagrel-continuous-yinyang
python3 benches/results/qagrel-continuous-yinyang/summarize.py traces/sweep-qagrel-continuous-yinyang > benches/results/qagrel-continuous-yinyang/ablation.jsonl
prospect plot traces/sweep-qagrel-continuous-yinyang --kind ablation --by network.lookahead --metric test_accuracy --out benches/results/qagrel-continuous-yinyang/ablation.png
# Result: look-ahead 0.8974 ± 0.0446, no look-ahead 0.3378 ± 0.0171 (mean ± sd of the final greedy test accuracy over seeds 0–4; chance 1/3).
