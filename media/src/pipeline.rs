//! The photo pipeline: [`compress`] on the client (decode with shrink-on-load, resize, make
//! upright, strip metadata, encode, thumbnail, blurhash) and [`inspect_photo`] on the server
//! (check an upload fully and make its thumbnail and blurhash without re-encoding it).

use std::fmt;

use fast_image_resize::FilterType;
use image::metadata::Orientation;

use crate::codec::{decode_jpeg, decode_other, encode_jpeg, encode_webp};
use crate::format::describe;
use crate::header::{Scan, check_pixels, scan_jpeg, scan_png, scan_webp};
use crate::pixels::{Pixels, fit, flatten_on_white, orient, oriented, resize, resize_to};
use crate::{Dimensions, Error, Format, planar, sniff};

/// The encoding of [`Compressed::image`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum OutputFormat {
    /// Baseline JPEG, 4:2:0 (the default).
    #[default]
    Jpeg,
    /// Lossy WebP (keeps alpha).
    Webp,
}

/// Settings for [`compress`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CompressOptions {
    /// The long edge of the output, upright, at most this (default 2048). Never enlarges.
    pub max_edge: u32,
    /// Encoder quality 1..=100 (default 80), for the image and its thumbnail.
    pub quality: u8,
    /// JPEG (default) or WebP.
    pub output: OutputFormat,
    /// The long edge of the JPEG thumbnail, at most this (default 320).
    pub thumb_edge: u32,
    /// Images whose header claims more pixels are refused before decoding (default 50M).
    pub max_pixels: u64,
}

impl Default for CompressOptions {
    fn default() -> Self {
        Self {
            max_edge: 2048,
            quality: 80,
            output: OutputFormat::Jpeg,
            thumb_edge: 320,
            max_pixels: 50_000_000,
        }
    }
}

/// An encoded image.
#[derive(Clone, PartialEq, Eq)]
pub struct Encoded {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Width in pixels (upright: no orientation metadata is written).
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// [`Format::Jpeg`] or [`Format::Webp`].
    pub format: Format,
}

impl fmt::Debug for Encoded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Encoded")
            .field("bytes", &format_args!("[{} bytes]", self.bytes.len()))
            .field("width", &self.width)
            .field("height", &self.height)
            .field("format", &self.format)
            .finish()
    }
}

/// What [`compress`] makes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Compressed {
    /// The photo: upright, long edge at most `max_edge`, no metadata.
    pub image: Encoded,
    /// A JPEG thumbnail, long edge at most `thumb_edge`, never enlarged.
    pub thumbnail: Encoded,
    /// A BlurHash of the image (4 components along the long edge, 3 along the short).
    pub blurhash: String,
}

/// The stage [`compress`] is starting; [`Stage::Done`] when it has finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stage {
    /// Reading the header and decoding (scaled for JPEG).
    Decode,
    /// Resizing to `max_edge` and making the pixels upright.
    Resize,
    /// Encoding the output image.
    Encode,
    /// Making the thumbnail and the blurhash.
    Thumbnail,
    /// Finished successfully.
    Done,
}

/// What [`inspect_photo`] found in an upload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhotoInfo {
    /// JPEG, PNG or WebP.
    pub format: Format,
    /// Width as displayed (after the EXIF orientation).
    pub width: u32,
    /// Height as displayed (after the EXIF orientation).
    pub height: u32,
    /// A JPEG thumbnail, upright, long edge at most `thumb_edge`, never enlarged.
    pub thumbnail: Encoded,
    /// A BlurHash of the photo (4 components along the long edge, 3 along the short).
    pub blurhash: String,
    /// EXIF, XMP, IPTC or a comment in a JPEG; `eXIf` or text chunks in a PNG; EXIF or XMP in
    /// a WebP. Photos compressed by [`compress`] carry none.
    pub has_metadata: bool,
}

/// Quality of the thumbnails [`inspect_photo`] makes.
const INSPECT_THUMB_QUALITY: u8 = 80;
/// The long edge of the image the blurhash is computed from.
const BLURHASH_EDGE: u32 = 32;

/// Decode (JPEG, PNG, WebP), apply EXIF orientation so pixels are upright, drop ALL metadata
/// (EXIF/GPS/XMP/ICC/comments: the output carries none), downscale so the long edge <=
/// `max_edge` (never enlarge), encode, make the thumbnail and a blurhash (4x3 components,
/// computed from a tiny downscale, not the full image).
///
/// Rejects images whose header claims more than `max_pixels` before allocating (image bombs).
/// HEIC, GIF and anything unknown -> [`Error::Unsupported`]; truncated or corrupt data ->
/// [`Error::Corrupt`]. PNG/WebP with alpha is laid over white for JPEG output (kept for WebP
/// output; the thumbnail is always JPEG, over white).
///
/// JPEG input is decoded with libjpeg-turbo's shrink-on-load (1/2, 1/4 or 1/8 when at least a
/// 2x reduction is left, see `codec::jpeg_scale`), then resized with Lanczos3 and rotated
/// small; for JPEG output all of it happens on the YCbCr planes (no colour conversion). `progress` is called with each stage as it
/// starts, and with [`Stage::Done`] at the end.
pub fn compress(
    input: &[u8],
    opts: &CompressOptions,
    progress: &mut dyn FnMut(Stage),
) -> Result<Compressed, Error> {
    progress(Stage::Decode);
    let (format, scan) = scan(input)?;
    check_pixels(scan.dims, opts.max_pixels)?;
    let orientation = scan_orientation(&scan);
    // The target is for the upright image; decode and resize happen in the stored orientation.
    let target = oriented(
        fit(oriented(scan.dims, orientation), opts.max_edge),
        orientation,
    );
    if format == Format::Jpeg && opts.output == OutputFormat::Jpeg {
        let resizing = &mut || progress(Stage::Resize);
        if let Some(planes) = planar::decode_resize_orient(input, target, orientation, resizing)? {
            progress(Stage::Encode);
            let bytes = planar::encode(&planes, opts.quality)?;
            let dims = planar::dims(&planes);
            let image = Encoded {
                bytes,
                width: dims.width,
                height: dims.height,
                format: Format::Jpeg,
            };
            progress(Stage::Thumbnail);
            let (thumbnail, blurhash) =
                planar_thumbnail_and_blurhash(&planes, opts.thumb_edge, opts.quality)?;
            progress(Stage::Done);
            return Ok(Compressed {
                image,
                thumbnail,
                blurhash,
            });
        }
    }
    let (px, orientation) = match format {
        Format::Jpeg => (decode_jpeg(input, target)?, orientation),
        _ => decode_other(input, format, opts.max_pixels)?,
    };
    let target = oriented(
        fit(oriented(px.dims(), orientation), opts.max_edge),
        orientation,
    );
    let px = match opts.output {
        OutputFormat::Jpeg => flatten_on_white(px),
        OutputFormat::Webp => px,
    };

    progress(Stage::Resize);
    let px = orient(resize(px, target, FilterType::Lanczos3)?, orientation);

    progress(Stage::Encode);
    let (bytes, format) = match opts.output {
        OutputFormat::Jpeg => (encode_jpeg(&px, opts.quality)?, Format::Jpeg),
        OutputFormat::Webp => (encode_webp(&px, opts.quality)?, Format::Webp),
    };
    let image = Encoded {
        bytes,
        width: px.width,
        height: px.height,
        format,
    };

    progress(Stage::Thumbnail);
    let (thumbnail, blurhash) = thumbnail_and_blurhash(&px, opts.thumb_edge, opts.quality)?;

    progress(Stage::Done);
    Ok(Compressed {
        image,
        thumbnail,
        blurhash,
    })
}

/// Server side: check an uploaded photo fully (header dims vs `max_pixels` first, then a full
/// entropy decode so truncated/corrupt files fail) and produce its thumbnail + blurhash,
/// without re-encoding the photo itself. JPEGs decode scaled for the thumbnail (shrink-on-load
/// at 1/8 for 12+ MP photos), so this costs little more than the entropy decode.
pub fn inspect_photo(bytes: &[u8], max_pixels: u64, thumb_edge: u32) -> Result<PhotoInfo, Error> {
    let (format, scan) = scan(bytes)?;
    check_pixels(scan.dims, max_pixels)?;
    let orientation = scan_orientation(&scan);
    let target = oriented(
        fit(oriented(scan.dims, orientation), thumb_edge),
        orientation,
    );
    if format == Format::Jpeg {
        let upright = oriented(scan.dims, orientation);
        if let Some(planes) = planar::decode_resize_orient(bytes, target, orientation, &mut || {})?
        {
            let (thumbnail, blurhash) =
                planar_thumbnail_and_blurhash(&planes, thumb_edge, INSPECT_THUMB_QUALITY)?;
            return Ok(PhotoInfo {
                format,
                width: upright.width,
                height: upright.height,
                thumbnail,
                blurhash,
                has_metadata: scan.has_metadata,
            });
        }
    }
    let (px, orientation) = match format {
        Format::Jpeg => (decode_jpeg(bytes, target)?, orientation),
        _ => decode_other(bytes, format, max_pixels)?,
    };
    let upright = oriented(scan.dims, orientation);
    let target = oriented(
        fit(oriented(px.dims(), orientation), thumb_edge),
        orientation,
    );
    let px = orient(
        resize(flatten_on_white(px), target, FilterType::Lanczos3)?,
        orientation,
    );
    let (thumbnail, blurhash) = thumbnail_and_blurhash(&px, thumb_edge, INSPECT_THUMB_QUALITY)?;
    Ok(PhotoInfo {
        format,
        width: upright.width,
        height: upright.height,
        thumbnail,
        blurhash,
        has_metadata: scan.has_metadata,
    })
}

/// Sniffs and walks the header of a decodable image.
fn scan(input: &[u8]) -> Result<(Format, Scan<'_>), Error> {
    let format = sniff(input).ok_or_else(|| Error::Unsupported {
        format: describe(input),
    })?;
    let scan = match format {
        Format::Jpeg => scan_jpeg(input)?,
        Format::Png => scan_png(input)?,
        Format::Webp => scan_webp(input)?,
        other => {
            return Err(Error::Unsupported {
                format: other.extension().to_owned(),
            });
        }
    };
    Ok((format, scan))
}

/// The JPEG's EXIF orientation (PNG and WebP report theirs from the decoder).
fn scan_orientation(scan: &Scan<'_>) -> Orientation {
    scan.exif
        .and_then(Orientation::from_exif_chunk)
        .unwrap_or(Orientation::NoTransforms)
}

/// The JPEG thumbnail (long edge <= `edge`) of an upright image and its blurhash, computed
/// from a downscale of the thumbnail to 32 pixels on the long edge.
fn thumbnail_and_blurhash(
    upright: &Pixels,
    edge: u32,
    quality: u8,
) -> Result<(Encoded, String), Error> {
    let thumb = flatten_on_white(resize_ref(upright, fit(upright.dims(), edge))?);
    let bytes = encode_jpeg(&thumb, quality)?;
    let blurhash = blurhash_of(&thumb)?;
    let thumbnail = Encoded {
        bytes,
        width: thumb.width,
        height: thumb.height,
        format: Format::Jpeg,
    };
    Ok((thumbnail, blurhash))
}

/// A resized copy (a plain copy if the size is the same).
fn resize_ref(px: &Pixels, to: Dimensions) -> Result<Pixels, Error> {
    if px.dims() == to {
        return Ok(px.clone());
    }
    resize_to(px, to, FilterType::Lanczos3)
}

/// The JPEG thumbnail (long edge <= `edge`) of upright planes and its blurhash.
fn planar_thumbnail_and_blurhash(
    planes: &planar::Planes,
    edge: u32,
    quality: u8,
) -> Result<(Encoded, String), Error> {
    let dims = planar::dims(planes);
    let to = fit(dims, edge);
    let shrunk;
    let thumb = if to == dims {
        planes
    } else {
        shrunk = planar::shrink(planes, to)?;
        &shrunk
    };
    let bytes = planar::encode(thumb, quality)?;
    let tiny = planar::to_rgb(thumb, fit(to, BLURHASH_EDGE))?;
    let thumbnail = Encoded {
        bytes,
        width: to.width,
        height: to.height,
        format: Format::Jpeg,
    };
    Ok((thumbnail, blurhash_rgb(&tiny)?))
}

/// BlurHash of an RGB image, from a copy at most 32 pixels on the long edge.
fn blurhash_of(px: &Pixels) -> Result<String, Error> {
    blurhash_rgb(&resize_to(
        px,
        fit(px.dims(), BLURHASH_EDGE),
        FilterType::Bilinear,
    )?)
}

/// BlurHash of a small RGB image: 4 components along the long edge, 3 along the short.
fn blurhash_rgb(tiny: &Pixels) -> Result<String, Error> {
    let rgba: Vec<u8> = tiny
        .data
        .chunks_exact(3)
        .flat_map(|p| [p[0], p[1], p[2], 255])
        .collect();
    let (cx, cy) = if tiny.width >= tiny.height {
        (4, 3)
    } else {
        (3, 4)
    };
    blurhash::encode(cx, cy, tiny.width, tiny.height, &rgba)
        .map_err(|e| Error::Encode(format!("blurhash: {e}")))
}
