//! Moa's photo and media pipeline (issue 5).
//!
//! - [`sniff`]: the type of an upload from its bytes (JPEG, PNG, WebP, HEIC, GIF, MP4, MOV,
//!   WebM), never from its name.
//! - [`image_dimensions`]: width and height from the header alone.
//! - [`compress`] (client): decode with shrink-on-load, make upright, strip every piece of
//!   metadata, downscale, encode as JPEG or WebP, plus a thumbnail and a BlurHash.
//! - [`inspect_photo`] (server): check an uploaded photo completely (image bombs, truncation)
//!   and make its thumbnail and BlurHash without re-encoding it.
//! - [`sha256_hex`]: content hashes for storage keys.
//!
//! JPEG goes through libjpeg-turbo 3 (vendored, built with cmake and nasm), resizing through
//! fast_image_resize (SIMD Lanczos3), PNG and WebP decoding through `image`, WebP encoding
//! through libwebp. JPEG to JPEG never leaves YCbCr: the planes are decoded, resized, rotated
//! and encoded as they are. Figures against libvips: BENCHMARKS.md, "Photo compression".

mod codec;
mod format;
mod header;
mod pipeline;
mod pixels;
mod planar;

pub use format::{Format, sniff};
pub use header::{Dimensions, image_dimensions};
pub use pipeline::{
    CompressOptions, Compressed, Encoded, OutputFormat, PhotoInfo, Stage, compress, inspect_photo,
};

/// What can go wrong with a photo.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Not a type that can be decoded: `format` is the sniffed type's extension (`heic`, `gif`,
    /// `mp4`...), another recognised name (`avif`, `matroska`) or `unknown`.
    #[error("unsupported format: {format}")]
    Unsupported {
        /// The type's short name.
        format: String,
    },
    /// The header claims more than `max` pixels (checked before any pixel buffer exists).
    #[error("too many pixels: {width}x{height} is over the limit of {max}")]
    TooManyPixels {
        /// Width claimed by the header.
        width: u32,
        /// Height claimed by the header.
        height: u32,
        /// The limit.
        max: u64,
    },
    /// Truncated data, bad data, or a decoder error.
    #[error("corrupt image: {0}")]
    Corrupt(String),
    /// The encoder failed.
    #[error("encoding failed: {0}")]
    Encode(String),
    /// Reading or writing a file.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// The SHA-256 of `bytes` as 64 lowercase hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(bytes))
}

/// `bytes` as lowercase hex (e.g. a digest hashed in pieces).
pub fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn sha256_of_abc() {
        assert_eq!(
            super::sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
