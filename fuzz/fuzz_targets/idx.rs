//! Any byte string as an IDX stream of 1 to 4 dimensions: an array or an error value, never
//! a panic, and never more read than the header declares.
#![no_main]

use libfuzzer_sys::fuzz_target;
use prospect_tasks::idx::read_idx_from;

fuzz_target!(|data: &[u8]| {
    for dims in 1..=4 {
        if let Ok(a) = read_idx_from(data, std::path::Path::new("fuzz.idx"), dims) {
            assert_eq!(a.dims.iter().product::<usize>(), a.data.len());
        }
    }
});
