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
///
/// The file is streamed: at most the header, the data bytes the header declares and one more
/// byte (to detect trailing data) are read, so a gzip stream that expands far beyond what its
/// header declares is refused without being inflated whole.
pub fn read_idx(path: &Path, expected_dims: usize) -> Result<IdxArray, TaskError> {
    let io = |source| TaskError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::io::BufReader::new(std::fs::File::open(path).map_err(io)?);
    let magic = std::io::BufRead::fill_buf(&mut file).map_err(io)?;
    if magic.starts_with(&[0x1f, 0x8b]) {
        read_idx_from(GzDecoder::new(file), path, expected_dims).map_err(|e| match e {
            TaskError::Format { path, reason } if reason.starts_with("reading ") => {
                TaskError::Format {
                    path,
                    reason: format!("corrupt or truncated gzip stream: {reason}"),
                }
            }
            e => e,
        })
    } else {
        read_idx_from(file, path, expected_dims)
    }
}

/// Reads `n` bytes, or as many as there are; the error names what the read was for.
fn read_up_to(
    source: &mut impl Read,
    n: u64,
    path: &Path,
    what: &str,
) -> Result<Vec<u8>, TaskError> {
    let mut out = Vec::new();
    source
        .take(n)
        .read_to_end(&mut out)
        .map_err(|e| format_error(path, format!("reading {what}: {e}")))?;
    Ok(out)
}

/// Parses an IDX stream of unsigned bytes with `expected_dims` dimensions (already
/// decompressed). `path` only names the source in errors.
///
/// Reads at most `4 + 4·dims + Π dims + 1` bytes from `source`: the product of the dimensions
/// is computed with checked arithmetic, and a declared size that does not fit in memory's
/// address space is refused before any data are read.
pub fn read_idx_from(
    mut source: impl Read,
    path: &Path,
    expected_dims: usize,
) -> Result<IdxArray, TaskError> {
    let magic = read_up_to(&mut source, 4, path, "the header")?;
    if magic.len() < 4 {
        return Err(format_error(
            path,
            format!("{} bytes: too short for an IDX header", magic.len()),
        ));
    }
    if magic[0] != 0 || magic[1] != 0 {
        return Err(format_error(
            path,
            "not an IDX file: the magic number must start with two zero bytes",
        ));
    }
    if magic[2] != 0x08 {
        return Err(format_error(
            path,
            format!(
                "data type 0x{:02x} is not supported; only unsigned bytes (0x08)",
                magic[2]
            ),
        ));
    }
    let n_dims = usize::from(magic[3]);
    if n_dims != expected_dims {
        return Err(format_error(
            path,
            format!("{n_dims} dimensions, expected {expected_dims}"),
        ));
    }
    let raw_dims = read_up_to(&mut source, 4 * n_dims as u64, path, "the header")?;
    if raw_dims.len() < 4 * n_dims {
        return Err(format_error(path, "truncated header"));
    }
    let dims: Vec<usize> = raw_dims
        .chunks_exact(4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .collect();
    let expected = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .filter(|&n| u64::try_from(n).is_ok_and(|n| n < u64::MAX))
        .ok_or_else(|| {
            format_error(
                path,
                format!("dimensions {dims:?} declare more data bytes than memory can address"),
            )
        })?;
    let data = read_up_to(&mut source, expected as u64, path, "the data")?;
    if data.len() < expected {
        return Err(format_error(
            path,
            format!(
                "truncated: dimensions {dims:?} need {expected} data bytes, file has {}",
                data.len()
            ),
        ));
    }
    if !read_up_to(&mut source, 1, path, "past the data")?.is_empty() {
        return Err(format_error(path, "trailing bytes after the data"));
    }
    Ok(IdxArray { dims, data })
}

#[cfg(test)]
fn parse_idx(path: &Path, bytes: &[u8], expected_dims: usize) -> Result<IdxArray, TaskError> {
    read_idx_from(bytes, path, expected_dims)
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

    #[test]
    fn a_header_whose_dimension_product_overflows_is_refused() {
        // 65536⁴ = 2⁶⁴ wraps to 0 in usize: an unchecked product would accept an empty body
        // as a complete [65536; 4] array and hand out dims no buffer matches.
        let bytes = idx_bytes(&[65536; 4], &[]);
        let err = parse_idx(Path::new("x.idx"), &bytes, 4)
            .unwrap_err()
            .to_string();
        assert!(err.contains("more data bytes than memory"), "{err}");
        // The largest u32 dims that fit: 2³² − 1 twice is < 2⁶⁴, so it is a truncation.
        let err = parse_idx(Path::new("x.idx"), &idx_bytes(&[u32::MAX; 2], &[0]), 2)
            .unwrap_err()
            .to_string();
        assert!(err.contains("truncated"), "{err}");
    }

    /// Counts the bytes a consumer pulls out of the wrapped reader.
    struct Counting<R> {
        inner: R,
        pulled: std::rc::Rc<std::cell::Cell<u64>>,
    }

    impl<R: Read> Read for Counting<R> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.inner.read(buf)?;
            self.pulled.set(self.pulled.get() + n as u64);
            Ok(n)
        }
    }

    #[test]
    fn a_gzip_bomb_is_refused_after_reading_only_what_the_header_declares() {
        use flate2::{Compression, write::GzEncoder};
        use std::io::Write;
        // Header declares 10 bytes; the stream then inflates to 64 MiB of zeros.
        let mut enc = GzEncoder::new(Vec::new(), Compression::best());
        enc.write_all(&idx_bytes(&[10], &[0; 10])).unwrap();
        let chunk = vec![0u8; 1 << 20];
        for _ in 0..64 {
            enc.write_all(&chunk).unwrap();
        }
        let gz = enc.finish().unwrap();
        assert!(gz.len() < 1 << 20, "the bomb is small: {} bytes", gz.len());
        let pulled = std::rc::Rc::new(std::cell::Cell::new(0));
        let reader = Counting {
            inner: GzDecoder::new(&gz[..]),
            pulled: pulled.clone(),
        };
        let err = read_idx_from(reader, Path::new("bomb.gz"), 1)
            .unwrap_err()
            .to_string();
        assert!(err.contains("trailing"), "{err}");
        // Header (4 + 4) + 10 data bytes + 1 byte to see the trailing data: 19 bytes is the
        // bound the loader promises; reading the whole stream would pull 64 MiB.
        assert!(pulled.get() <= 19, "pulled {} bytes", pulled.get());
    }

    #[test]
    fn read_idx_streams_plain_and_gzipped_files() {
        use flate2::{Compression, write::GzEncoder};
        use std::io::Write;
        let dir = std::env::temp_dir().join(format!("prospect-idx-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let bytes = idx_bytes(&[2, 2], &[1, 2, 3, 4]);
        let plain = dir.join("a");
        std::fs::write(&plain, &bytes).unwrap();
        let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
        enc.write_all(&bytes).unwrap();
        let gz = dir.join("a.gz");
        std::fs::write(&gz, enc.finish().unwrap()).unwrap();
        for p in [&plain, &gz] {
            let a = read_idx(p, 2).unwrap();
            assert_eq!((a.dims, a.data), (vec![2, 2], vec![1, 2, 3, 4]));
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(
            std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2048)
        ))]

        /// Any byte string is an array or an error value, never a panic.
        #[test]
        fn any_bytes_give_an_array_or_an_error(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
            dims in 0usize..5,
        ) {
            let _ = parse_idx(Path::new("x"), &bytes, dims);
        }

        /// Any header (valid magic, any dimensions) with any body: an array whose data length
        /// is the product of its dimensions, or an error.
        #[test]
        fn any_header_gives_a_consistent_array_or_an_error(
            dims in proptest::collection::vec(proptest::prelude::any::<u32>(), 0..4),
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
        ) {
            let bytes = idx_bytes(&dims, &body);
            if let Ok(a) = parse_idx(Path::new("x"), &bytes, dims.len()) {
                let n: usize = a.dims.iter().product();
                proptest::prop_assert_eq!(n, a.data.len());
            }
        }
    }
}
