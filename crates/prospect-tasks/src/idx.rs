//! MNIST-format IDX files, gzipped or not (detected by content, not by name).
//!
//! Layout (LeCun's MNIST page): two zero bytes, a type byte (`0x08` = unsigned byte), the number
//! of dimensions, then each dimension as a big-endian `u32`, then the data in row-major order.

use crate::{Dataset, Split, TaskError};
use flate2::read::GzDecoder;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Where Debian's `dataset-fashion-mnist` installs Fashion-MNIST.
pub const FASHION_MNIST_DIR: &str = "/usr/share/datasets/fashion-mnist";

/// An IDX array of unsigned bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxArray {
    /// Dimensions, outermost first (e.g. `[60000, 28, 28]`).
    pub dims: Vec<usize>,
    /// Row-major values.
    pub data: Vec<u8>,
}

fn format_error(path: &Path, reason: impl Into<String>) -> TaskError {
    TaskError::Format {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// Reads an IDX file of unsigned bytes with `expected_dims` dimensions.
pub fn read_idx(path: &Path, expected_dims: usize) -> Result<IdxArray, TaskError> {
    let io = |source| TaskError::Io {
        path: path.to_path_buf(),
        source,
    };
    let raw = std::fs::read(path).map_err(io)?;
    let bytes = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        GzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(|e| format_error(path, format!("corrupt or truncated gzip stream: {e}")))?;
        out
    } else {
        raw
    };
    parse_idx(path, &bytes, expected_dims)
}

fn parse_idx(path: &Path, bytes: &[u8], expected_dims: usize) -> Result<IdxArray, TaskError> {
    if bytes.len() < 4 {
        return Err(format_error(
            path,
            format!("{} bytes: too short for an IDX header", bytes.len()),
        ));
    }
    if bytes[0] != 0 || bytes[1] != 0 {
        return Err(format_error(
            path,
            "not an IDX file: the magic number must start with two zero bytes",
        ));
    }
    if bytes[2] != 0x08 {
        return Err(format_error(
            path,
            format!(
                "data type 0x{:02x} is not supported; only unsigned bytes (0x08)",
                bytes[2]
            ),
        ));
    }
    let n_dims = usize::from(bytes[3]);
    if n_dims != expected_dims {
        return Err(format_error(
            path,
            format!("{n_dims} dimensions, expected {expected_dims}"),
        ));
    }
    let header = 4 + 4 * n_dims;
    if bytes.len() < header {
        return Err(format_error(path, "truncated header"));
    }
    let dims: Vec<usize> = (0..n_dims)
        .map(|d| {
            let b = &bytes[4 + 4 * d..8 + 4 * d];
            u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize
        })
        .collect();
    let expected: usize = dims.iter().product();
    let have = bytes.len() - header;
    if have < expected {
        return Err(format_error(
            path,
            format!("truncated: dimensions {dims:?} need {expected} data bytes, file has {have}"),
        ));
    }
    if have > expected {
        return Err(format_error(
            path,
            format!("{} trailing bytes after the data", have - expected),
        ));
    }
    Ok(IdxArray {
        dims,
        data: bytes[header..].to_vec(),
    })
}

/// Loads an image file (`[n, rows, cols]`) and a label file (`[n]`) as a classification set with
/// pixels scaled to `[0, 1]` and `n_classes` classes.
pub fn load_pair(
    name: &str,
    images: &Path,
    labels: &Path,
    n_classes: usize,
) -> Result<Dataset, TaskError> {
    let img = read_idx(images, 3)?;
    let lab = read_idx(labels, 1)?;
    let mismatch = |reason: String| TaskError::Mismatch {
        images: images.to_path_buf(),
        labels: labels.to_path_buf(),
        reason,
    };
    if img.dims[0] != lab.dims[0] {
        return Err(mismatch(format!(
            "{} images but {} labels",
            img.dims[0], lab.dims[0]
        )));
    }
    if let Some(pos) = lab.data.iter().position(|&l| usize::from(l) >= n_classes) {
        return Err(format_error(
            labels,
            format!(
                "label {} at index {pos} is not below {n_classes} classes",
                lab.data[pos]
            ),
        ));
    }
    let n_inputs = img.dims[1] * img.dims[2];
    let inputs = img.data.iter().map(|&p| f32::from(p) / 255.0).collect();
    let labels = lab.data.iter().map(|&l| usize::from(l)).collect();
    Ok(Dataset::classification(
        name, n_inputs, inputs, labels, n_classes,
    ))
}

/// Finds `stem` or `stem.gz` in `dir`.
fn find(dir: &Path, stem: &str) -> Result<PathBuf, TaskError> {
    for candidate in [dir.join(stem), dir.join(format!("{stem}.gz"))] {
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    Err(TaskError::Io {
        path: dir.join(stem),
        source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file (nor with .gz)"),
    })
}

/// Loads an MNIST-format folder (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
/// `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, each optionally `.gz`), ten classes.
/// Works for MNIST, Fashion-MNIST and any set in the same format.
pub fn load_mnist_dir(dir: &Path) -> Result<Split, TaskError> {
    let base = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let train = load_pair(
        &format!("{base}/train"),
        &find(dir, "train-images-idx3-ubyte")?,
        &find(dir, "train-labels-idx1-ubyte")?,
        10,
    )?;
    let test = load_pair(
        &format!("{base}/test"),
        &find(dir, "t10k-images-idx3-ubyte")?,
        &find(dir, "t10k-labels-idx1-ubyte")?,
        10,
    )?;
    Ok(Split { train, test })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idx_bytes(dims: &[u32], data: &[u8]) -> Vec<u8> {
        let mut b = vec![0, 0, 0x08, dims.len() as u8];
        for d in dims {
            b.extend(d.to_be_bytes());
        }
        b.extend(data);
        b
    }

    #[test]
    fn parses_headers_and_rejects_bad_files_with_reasons() {
        let p = Path::new("x.idx");
        let ok = parse_idx(p, &idx_bytes(&[2, 3], &[1, 2, 3, 4, 5, 6]), 2).unwrap();
        assert_eq!(ok.dims, vec![2, 3]);
        assert_eq!(ok.data, vec![1, 2, 3, 4, 5, 6]);
        let cases: [(Vec<u8>, usize, &str); 6] = [
            (idx_bytes(&[2, 3], &[1, 2, 3]), 2, "truncated"),
            (idx_bytes(&[2, 3], &[0; 7]), 2, "trailing"),
            (idx_bytes(&[6], &[0; 6]), 2, "dimensions"),
            (vec![1, 0, 8, 1], 1, "magic"),
            (vec![0, 0, 0x0d, 1, 0, 0, 0, 0], 1, "0x0d"),
            (vec![0, 0], 1, "too short"),
        ];
        for (bytes, dims, needle) in cases {
            let err = parse_idx(p, &bytes, dims).unwrap_err().to_string();
            assert!(err.contains(needle) && err.contains("x.idx"), "{err}");
        }
    }
}
