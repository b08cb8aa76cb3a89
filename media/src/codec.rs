//! Decoders and encoders: JPEG through libjpeg-turbo (scaled decode, 4:2:0 encode), PNG and
//! WebP decoding through `image`, lossy WebP encoding through libwebp.

use std::io::Cursor;

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageError};
use turbojpeg::{Colorspace, Compressor, Decompressor, PixelFormat, ScalingFactor, Subsamp};

use crate::header::check_pixels;
use crate::pixels::Pixels;
use crate::{Dimensions, Error, Format};

/// Progressive JPEGs with more scans than this are refused (libjpeg-turbo's advice against
/// scan bombs; cameras write about 10).
pub(crate) const SCAN_LIMIT: u32 = 500;

pub(crate) fn tj_corrupt(e: turbojpeg::Error) -> Error {
    Error::Corrupt(format!("JPEG: {e}"))
}

/// The libjpeg-turbo scaling factor to decode at: the smallest of 1/8, 1/4, 1/2 whose output
/// still covers twice `at_least` on both edges, else 1 (full size).
///
/// Scaling in the DCT is a block-local low-pass that aliases at block edges; with at least a
/// 2x Lanczos3 reduction left after it the result is as good as a full decode (measured with
/// dssim against an exact downscale; the finest n/8 that merely covers the target was up to
/// 23% worse). Only 1/2, 1/4 and 1/8 have SIMD IDCTs: 3/8..7/8 decode slower than 8/8.
pub(crate) fn jpeg_scale(full: Dimensions, at_least: Dimensions) -> ScalingFactor {
    [
        ScalingFactor::ONE_EIGHTH,
        ScalingFactor::ONE_QUARTER,
        ScalingFactor::ONE_HALF,
    ]
    .into_iter()
    .find(|f| {
        f.scale(full.width as usize) >= 2 * at_least.width as usize
            && f.scale(full.height as usize) >= 2 * at_least.height as usize
    })
    .unwrap_or(ScalingFactor::ONE)
}

/// libjpeg-turbo reports warnings as errors once the image is decoded. Extraneous bytes
/// between segments are harmless; anything else (premature end of data, bad Huffman codes)
/// means missing or wrong pixels.
fn harmless_warning(e: &turbojpeg::Error) -> bool {
    matches!(e, turbojpeg::Error::TurboJpegError(msg) if msg.contains("extraneous bytes"))
}

/// The outcome of a libjpeg-turbo decode: harmless warnings pass, the rest is [`Error::Corrupt`].
pub(crate) fn check_decode(result: Result<(), turbojpeg::Error>) -> Result<(), Error> {
    match result {
        Ok(()) => Ok(()),
        Err(e) if harmless_warning(&e) => Ok(()),
        Err(e) => Err(tj_corrupt(e)),
    }
}

/// Decodes a JPEG to RGB, scaled by [`jpeg_scale`] for a target of `at_least` (stored
/// orientation). Every scan is entropy-decoded, so truncated or corrupt data fails.
pub(crate) fn decode_jpeg(input: &[u8], at_least: Dimensions) -> Result<Pixels, Error> {
    let mut d = Decompressor::new().map_err(|e| Error::Corrupt(e.to_string()))?;
    let header = d.read_header(input).map_err(tj_corrupt)?;
    let full = Dimensions {
        width: u32::try_from(header.width).map_err(|_| Error::Corrupt("width".into()))?,
        height: u32::try_from(header.height).map_err(|_| Error::Corrupt("height".into()))?,
    };
    let factor = if header.is_lossless {
        ScalingFactor::ONE
    } else {
        jpeg_scale(full, at_least)
    };
    d.set_scaling_factor(factor).map_err(tj_corrupt)?;
    d.set_scan_limit(SCAN_LIMIT).map_err(tj_corrupt)?;
    let (width, height) = (factor.scale(header.width), factor.scale(header.height));
    let cmyk = matches!(header.colorspace, Colorspace::CMYK | Colorspace::YCCK);
    let (format, channels) = if cmyk {
        (PixelFormat::CMYK, 4)
    } else {
        (PixelFormat::RGB, 3)
    };
    let mut data = vec![0u8; width * height * channels];
    let image = turbojpeg::Image {
        pixels: &mut data[..],
        width,
        pitch: width * channels,
        height,
        format,
    };
    check_decode(d.decompress(input, image))?;
    if cmyk {
        data = cmyk_to_rgb(&data);
    }
    Ok(Pixels {
        data,
        width: width as u32,
        height: height as u32,
        channels: 3,
    })
}

/// Adobe-style (inverted) CMYK, which is what CMYK JPEGs almost always hold, to RGB.
fn cmyk_to_rgb(cmyk: &[u8]) -> Vec<u8> {
    let mut rgb = Vec::with_capacity(cmyk.len() / 4 * 3);
    for p in cmyk.chunks_exact(4) {
        let k = u32::from(p[3]);
        for &c in &p[..3] {
            rgb.push(((u32::from(c) * k + 127) / 255) as u8);
        }
    }
    rgb
}

/// Whether `optimize_coding` (optimal Huffman tables, a second pass) is on for JPEG output.
pub(crate) const OPTIMIZE_CODING: bool = false;

/// Encodes RGB as baseline JPEG with 4:2:0 chroma subsampling and no metadata (JFIF only).
pub(crate) fn encode_jpeg(px: &Pixels, quality: u8) -> Result<Vec<u8>, Error> {
    let enc = |e: turbojpeg::Error| Error::Encode(format!("JPEG: {e}"));
    debug_assert_eq!(px.channels, 3);
    let mut c = Compressor::new().map_err(enc)?;
    c.set_quality(i32::from(quality.clamp(1, 100)))
        .map_err(enc)?;
    c.set_subsamp(Subsamp::Sub2x2).map_err(enc)?;
    c.set_optimize(OPTIMIZE_CODING).map_err(enc)?;
    let (width, height) = (px.width as usize, px.height as usize);
    let image = turbojpeg::Image {
        pixels: &px.data[..],
        width,
        pitch: width * 3,
        height,
        format: PixelFormat::RGB,
    };
    c.compress_to_vec(image).map_err(enc)
}

/// Encodes RGB or RGBA as lossy WebP (libwebp's default method 4), no metadata.
pub(crate) fn encode_webp(px: &Pixels, quality: u8) -> Result<Vec<u8>, Error> {
    let encoder = if px.channels == 4 {
        webp::Encoder::from_rgba(&px.data, px.width, px.height)
    } else {
        webp::Encoder::from_rgb(&px.data, px.width, px.height)
    };
    let memory = encoder
        .encode_simple(false, f32::from(quality.clamp(1, 100)))
        .map_err(|e| Error::Encode(format!("WebP: {e:?}")))?;
    Ok(memory.to_vec())
}

fn image_error(e: ImageError) -> Error {
    match e {
        ImageError::Limits(l) => Error::Corrupt(format!("over the decoder's memory limit: {l}")),
        ImageError::Unsupported(u) => Error::Corrupt(format!("unsupported variant: {u}")),
        other => Error::Corrupt(other.to_string()),
    }
}

/// Decodes a PNG or WebP fully (these formats have no shrink-on-load) to RGB, or RGBA if it has
/// alpha that is not opaque everywhere, with its EXIF orientation (PNG `eXIf`, WebP `EXIF`).
/// The decoder's own dimensions are checked against `max_pixels` before any pixel buffer.
pub(crate) fn decode_other(
    input: &[u8],
    format: Format,
    max_pixels: u64,
) -> Result<(Pixels, Orientation), Error> {
    let mut decoder: Box<dyn ImageDecoder> = match format {
        Format::Png => {
            Box::new(image::codecs::png::PngDecoder::new(Cursor::new(input)).map_err(image_error)?)
        }
        Format::Webp => Box::new(
            image::codecs::webp::WebPDecoder::new(Cursor::new(input)).map_err(image_error)?,
        ),
        other => {
            return Err(Error::Unsupported {
                format: other.extension().to_owned(),
            });
        }
    };
    let (width, height) = decoder.dimensions();
    check_pixels(Dimensions { width, height }, max_pixels)?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let image = DynamicImage::from_decoder(decoder).map_err(|e| match e {
        // `image`'s own allocation limit (512 MiB): only reachable with a raised max_pixels.
        ImageError::Limits(_) => Error::TooManyPixels {
            width,
            height,
            max: max_pixels,
        },
        other => image_error(other),
    })?;
    let px = if image.color().has_alpha() {
        let data = image.into_rgba8().into_raw();
        Pixels {
            data,
            width,
            height,
            channels: 4,
        }
    } else {
        Pixels {
            data: image.into_rgb8().into_raw(),
            width,
            height,
            channels: 3,
        }
    };
    let px = if crate::pixels::is_opaque(&px) {
        crate::pixels::flatten_on_white(px)
    } else {
        px
    };
    Ok((px, orientation))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_choice() {
        let d = |width, height| Dimensions { width, height };
        // 4000x3000 -> 2048x1536 (2x would be 4096): full size, like vipsthumbnail.
        assert_eq!(jpeg_scale(d(4000, 3000), d(2048, 1536)), ScalingFactor::ONE);
        // 8000x6000 -> 2048x1536: 1/2 gives 4000x3000, less than 2x the target.
        assert_eq!(jpeg_scale(d(8000, 6000), d(2048, 1536)), ScalingFactor::ONE);
        assert_eq!(
            jpeg_scale(d(9000, 6000), d(2048, 1365)),
            ScalingFactor::ONE_HALF
        );
        // Thumbnails: 4000x3000 -> 320x240 at 1/4 (1000x750), 12000x9000 at 1/8.
        assert_eq!(
            jpeg_scale(d(4000, 3000), d(320, 240)),
            ScalingFactor::ONE_QUARTER
        );
        assert_eq!(
            jpeg_scale(d(12000, 9000), d(320, 240)),
            ScalingFactor::ONE_EIGHTH
        );
        assert_eq!(jpeg_scale(d(100, 80), d(100, 80)), ScalingFactor::ONE);
    }
}
