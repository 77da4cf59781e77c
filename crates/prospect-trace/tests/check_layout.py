#!/usr/bin/env python3
"""Opens a prospect trace file the way users do (h5py) and checks the documented layout.

Usage: check_layout.py FILE MIN_ROWS
Exits non-zero with a message on the first deviation; prints a one-line summary otherwise.
"""
import sys

import h5py
import numpy as np


def main():
    path, min_rows = sys.argv[1], int(sys.argv[2])
    with h5py.File(path, "r") as f:
        assert f.attrs["format"] == "prospect-trace", f.attrs["format"]
        assert int(f.attrs["format_version"]) == 1
        for key in ["software", "created", "seed", "model", "command_line", "status"]:
            assert key in f.attrs, f"missing root attribute {key}"
        assert "T" in f.attrs["created"] and f.attrs["created"].endswith("Z")
        rows = 0
        for pop in f["traces"]:
            for var, ds in f["traces"][pop].items():
                if var.endswith("_timestamps"):
                    continue
                assert ds.dtype == np.float32, (pop, var, ds.dtype)
                assert ds.ndim == 2 and ds.maxshape[0] is None, (pop, var, ds.maxshape)
                # Growing datasets carry no filter: a rewritten compressed chunk is what a kill
                # mid-flush left unreadable (docs/trace-format.md, "Kill safety").
                assert ds.chunks is not None and ds.compression is None, (pop, var, ds.compression)
                assert "unit" in ds.attrs
                if "rate" in ds.attrs:
                    assert "starting_time" in ds.attrs
                else:
                    ts = f["traces"][pop][var + "_timestamps"]
                    assert ts.shape[0] >= ds.shape[0] and ts.dtype == np.float64
                    assert np.all(np.diff(ts[: ds.shape[0]]) >= 0), "timestamps not ascending"
                rows = max(rows, ds.shape[0])
        for name, g in f["metrics"].items():
            x_name = g.attrs["x_name"]
            assert g[x_name].shape == g["value"].shape, name
        assert rows >= min_rows, f"{rows} rows < {min_rows}"
        print(f"ok: {path}: {rows} rows, status {f.attrs['status']}")


if __name__ == "__main__":
    main()
