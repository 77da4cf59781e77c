//! Independent random streams derived from one seed, so that a copy's (or an epoch's) stream
//! depends only on `(seed, index)` and not on how many copies run beside it.

use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;

/// SplitMix64's output function (Steele, Lea & Flood 2014): a bijection of `u64` whose outputs
/// for consecutive inputs are statistically independent.
fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of stream `index` under `seed`: both hashed, so nearby seeds and nearby indices give
/// unrelated streams.
pub(crate) fn stream_seed(seed: u64, index: u64) -> u64 {
    splitmix64(splitmix64(seed) ^ splitmix64(index ^ 0xD1B5_4A32_D192_ED03))
}

/// A generator for stream `index` under `seed`.
pub(crate) fn stream_rng(seed: u64, index: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(stream_seed(seed, index))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_differ_by_seed_and_index_and_repeat() {
        assert_eq!(stream_seed(1, 2), stream_seed(1, 2));
        assert_ne!(stream_seed(1, 2), stream_seed(2, 1));
        assert_ne!(stream_seed(0, 0), stream_seed(0, 1));
        assert_ne!(stream_seed(0, 0), stream_seed(1, 0));
    }
}
