//! Interleaved 8-bit RGB/RGBA buffers and what the pipeline does to them: fitting sizes,
//! resizing (fast_image_resize, Lanczos3), EXIF orientation, alpha over white.

use fast_image_resize::images::{TypedImage, TypedImageRef};
use fast_image_resize::pixels::{U8x3, U8x4};
use fast_image_resize::{FilterType, ImageView, PixelTrait, ResizeAlg, ResizeOptions, Resizer};
use image::metadata::Orientation;

use crate::{Dimensions, Error};

/// An 8-bit image, rows packed without padding.
#[derive(Debug, Clone)]
pub(crate) struct Pixels {
    pub data: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// 3 (RGB), 4 (RGBA, straight alpha), or 1 (one plane of a YCbCr image).
    pub channels: u8,
}

impl Pixels {
    pub fn dims(&self) -> Dimensions {
        Dimensions {
            width: self.width,
            height: self.height,
        }
    }
}

/// The size that fits `dims` into a `max_edge` square keeping the aspect ratio; never larger
/// than `dims`, never zero.
pub(crate) fn fit(dims: Dimensions, max_edge: u32) -> Dimensions {
    let max_edge = max_edge.max(1);
    let long = dims.width.max(dims.height);
    if long <= max_edge {
        return dims;
    }
    let scale = |v: u32| {
        let scaled = (u64::from(v) * u64::from(max_edge) + u64::from(long) / 2) / u64::from(long);
        u32::try_from(scaled).unwrap_or(max_edge).clamp(1, max_edge)
    };
    if dims.width >= dims.height {
        Dimensions {
            width: max_edge,
            height: scale(dims.height),
        }
    } else {
        Dimensions {
            width: scale(dims.width),
            height: max_edge,
        }
    }
}

/// Whether the orientation swaps width and height.
pub(crate) fn swaps_axes(o: Orientation) -> bool {
    matches!(
        o,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

/// `dims` seen through the orientation (upright <-> stored; the swap is its own inverse).
pub(crate) fn oriented(dims: Dimensions, o: Orientation) -> Dimensions {
    if swaps_axes(o) {
        Dimensions {
            width: dims.height,
            height: dims.width,
        }
    } else {
        dims
    }
}

/// Resizes with `filter` (convolution, alpha-aware for RGBA); returns `px` itself when the size
/// is unchanged.
pub(crate) fn resize(px: Pixels, to: Dimensions, filter: FilterType) -> Result<Pixels, Error> {
    if px.dims() == to {
        return Ok(px);
    }
    resize_to(&px, to, filter)
}

/// Resizes at least this many destination pixels split across threads (RGB only).
const PARALLEL_MIN_PIXELS: u64 = 1 << 19;

/// A resized copy of `px` (convolution with `filter`, alpha-aware for RGBA). Large RGB
/// outputs are computed in horizontal bands by up to 4 threads; each band reads the whole
/// source, so the result is the same as in one piece.
pub(crate) fn resize_to(px: &Pixels, to: Dimensions, filter: FilterType) -> Result<Pixels, Error> {
    let channels = usize::from(px.channels);
    let mut data = vec![0u8; to.width as usize * to.height as usize * channels];
    // Typed calls: only the two pixel types used here get compiled, not all thirteen.
    if channels == 4 {
        let src = TypedImageRef::<U8x4>::from_buffer(px.width, px.height, &px.data)
            .map_err(|e| resize_failed(&e))?;
        resize_band(&src, to, 0..to.height, &mut data, filter)?;
    } else {
        let src = TypedImageRef::<U8x3>::from_buffer(px.width, px.height, &px.data)
            .map_err(|e| resize_failed(&e))?;
        let threads = if to.pixels() >= PARALLEL_MIN_PIXELS {
            std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .min(4) as u32
        } else {
            1
        };
        if threads <= 1 || to.height < 2 * threads {
            resize_band(&src, to, 0..to.height, &mut data, filter)?;
        } else {
            let row_bytes = to.width as usize * channels;
            let per_band = to.height.div_ceil(threads);
            std::thread::scope(|scope| {
                let mut rest = &mut data[..];
                let mut bands = Vec::new();
                for start in (0..to.height).step_by(per_band as usize) {
                    let end = (start + per_band).min(to.height);
                    let (band, tail) = rest.split_at_mut((end - start) as usize * row_bytes);
                    rest = tail;
                    let src = &src;
                    bands.push(scope.spawn(move || resize_band(src, to, start..end, band, filter)));
                }
                bands.into_iter().try_for_each(|band| {
                    band.join()
                        .map_err(|_| Error::Corrupt("resize: a thread panicked".into()))?
                })
            })?;
        }
    }
    Ok(Pixels {
        data,
        width: to.width,
        height: to.height,
        channels: px.channels,
    })
}

fn resize_failed(e: &dyn std::fmt::Display) -> Error {
    Error::Corrupt(format!("resize: {e}"))
}

/// Destination rows `rows` of `src` resized to `to`, into `out` (just those rows).
fn resize_band<P: PixelTrait>(
    src: &TypedImageRef<'_, P>,
    to: Dimensions,
    rows: std::ops::Range<u32>,
    out: &mut [u8],
    filter: FilterType,
) -> Result<(), Error> {
    let (width, height) = (f64::from(src.width()), f64::from(src.height()));
    let mut options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(filter));
    if rows != (0..to.height) {
        // The band's share of the source; filter taps still reach outside it.
        let scale = height / f64::from(to.height);
        let top = f64::from(rows.start) * scale;
        let bottom = if rows.end == to.height {
            height
        } else {
            f64::from(rows.end) * scale
        };
        let mut band_height = bottom - top;
        while top + band_height > height {
            band_height = f64::from_bits(band_height.to_bits() - 1);
        }
        options = options.crop(0.0, top, width, band_height);
    }
    let mut dst = TypedImage::<P>::from_buffer(to.width, rows.end - rows.start, out)
        .map_err(|e| resize_failed(&e))?;
    Resizer::new()
        .resize_typed(src, &mut dst, &options)
        .map_err(|e| resize_failed(&e))
}

/// Lays RGBA over white and drops the alpha channel, in place; RGB is returned as it is.
pub(crate) fn flatten_on_white(mut px: Pixels) -> Pixels {
    if px.channels != 4 {
        return px;
    }
    let n = px.data.len() / 4;
    for i in 0..n {
        let s = 4 * i;
        let (r, g, b, a) = (px.data[s], px.data[s + 1], px.data[s + 2], px.data[s + 3]);
        let over = |c: u8| {
            let a = u32::from(a);
            ((u32::from(c) * a + 255 * (255 - a) + 127) / 255) as u8
        };
        // Writing 3i..3i+3 never reaches an unread pixel (3i + 2 < 4(i + 1)).
        let d = 3 * i;
        px.data[d] = over(r);
        px.data[d + 1] = over(g);
        px.data[d + 2] = over(b);
    }
    px.data.truncate(3 * n);
    px.channels = 3;
    px
}

/// Whether every pixel of an RGBA image is opaque (always true for RGB).
pub(crate) fn is_opaque(px: &Pixels) -> bool {
    px.channels != 4 || px.data.chunks_exact(4).all(|p| p[3] == 255)
}

/// Applies the EXIF orientation so the pixels are upright.
pub(crate) fn orient(px: Pixels, o: Orientation) -> Pixels {
    match px.channels {
        1 => orient_n::<1>(px, o),
        4 => orient_n::<4>(px, o),
        _ => orient_n::<3>(px, o),
    }
}

fn orient_n<const C: usize>(mut px: Pixels, o: Orientation) -> Pixels {
    let (w, h) = (px.width as usize, px.height as usize);
    let row = w * C;
    match o {
        Orientation::NoTransforms => px,
        Orientation::FlipHorizontal => {
            for line in px.data.chunks_exact_mut(row) {
                flip_row::<C>(line);
            }
            px
        }
        Orientation::FlipVertical => {
            for y in 0..h / 2 {
                let (top, bottom) = px.data.split_at_mut((h - 1 - y) * row);
                top[y * row..(y + 1) * row].swap_with_slice(&mut bottom[..row]);
            }
            px
        }
        Orientation::Rotate180 => {
            // Reverse the order of the rows, then of the pixels within each row.
            for y in 0..h / 2 {
                let (top, bottom) = px.data.split_at_mut((h - 1 - y) * row);
                top[y * row..(y + 1) * row].swap_with_slice(&mut bottom[..row]);
            }
            for line in px.data.chunks_exact_mut(row) {
                flip_row::<C>(line);
            }
            px
        }
        _ => {
            // Axis-swapping: destination (x, y) of width h and height w takes source (sx, sy).
            let src_at = |x: usize, y: usize| -> (usize, usize) {
                match o {
                    Orientation::Rotate90 => (y, h - 1 - x),
                    Orientation::Rotate270 => (w - 1 - y, x),
                    Orientation::Rotate90FlipH => (y, x),
                    _ => (w - 1 - y, h - 1 - x), // Rotate270FlipH
                }
            };
            let (dw, dh) = (h, w);
            let mut out = vec![0u8; px.data.len()];
            const TILE: usize = 32;
            for ty in (0..dh).step_by(TILE) {
                for tx in (0..dw).step_by(TILE) {
                    for y in ty..(ty + TILE).min(dh) {
                        let dst_row = &mut out[y * dw * C..(y + 1) * dw * C];
                        for x in tx..(tx + TILE).min(dw) {
                            let (sx, sy) = src_at(x, y);
                            let s = (sy * w + sx) * C;
                            dst_row[x * C..x * C + C].copy_from_slice(&px.data[s..s + C]);
                        }
                    }
                }
            }
            Pixels {
                data: out,
                width: px.height,
                height: px.width,
                channels: px.channels,
            }
        }
    }
}

fn flip_row<const C: usize>(line: &mut [u8]) {
    let n = line.len() / C;
    for x in 0..n / 2 {
        let (left, right) = line.split_at_mut((n - 1 - x) * C);
        left[x * C..x * C + C].swap_with_slice(&mut right[..C]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{DynamicImage, RgbImage};

    #[test]
    fn fit_keeps_aspect_and_never_enlarges() {
        let d = |width, height| Dimensions { width, height };
        assert_eq!(fit(d(4000, 3000), 2048), d(2048, 1536));
        assert_eq!(fit(d(3000, 4000), 2048), d(1536, 2048));
        assert_eq!(fit(d(100, 50), 2048), d(100, 50));
        assert_eq!(fit(d(100_000, 1), 320), d(320, 1));
        assert_eq!(fit(d(5, 5), 0), d(1, 1));
    }

    #[test]
    fn orientations_match_the_image_crate() {
        let (w, h) = (7u32, 5u32);
        let data: Vec<u8> = (0..w * h * 3).map(|i| (i * 7 % 251) as u8).collect();
        for exif in 1..=8 {
            let o = Orientation::from_exif(exif).unwrap();
            let mut expected =
                DynamicImage::ImageRgb8(RgbImage::from_raw(w, h, data.clone()).unwrap());
            expected.apply_orientation(o);
            let ours = orient(
                Pixels {
                    data: data.clone(),
                    width: w,
                    height: h,
                    channels: 3,
                },
                o,
            );
            assert_eq!(
                (ours.width, ours.height),
                (expected.width(), expected.height())
            );
            assert_eq!(
                ours.data,
                expected.into_rgb8().into_raw(),
                "orientation {exif}"
            );
        }
    }

    #[test]
    fn banded_resize_matches_one_piece() {
        let (w, h) = (1500u32, 1100u32);
        let data: Vec<u8> = (0..w * h * 3)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let px = Pixels {
            data,
            width: w,
            height: h,
            channels: 3,
        };
        let to = Dimensions {
            width: 1024,
            height: 751,
        };
        assert!(to.pixels() >= PARALLEL_MIN_PIXELS);
        let banded = resize_to(&px, to, FilterType::Lanczos3).unwrap();
        let src = TypedImageRef::<U8x3>::from_buffer(w, h, &px.data).unwrap();
        let mut whole = vec![0u8; banded.data.len()];
        resize_band(&src, to, 0..to.height, &mut whole, FilterType::Lanczos3).unwrap();
        let max_diff = banded
            .data
            .iter()
            .zip(&whole)
            .map(|(a, b)| a.abs_diff(*b))
            .max();
        assert!(
            max_diff <= Some(1),
            "bands differ from one piece by {max_diff:?}"
        );
    }

    #[test]
    fn white_background() {
        let px = Pixels {
            data: vec![0, 0, 0, 0, 10, 20, 30, 255, 0, 0, 0, 128],
            width: 3,
            height: 1,
            channels: 4,
        };
        let flat = flatten_on_white(px);
        assert_eq!(flat.data, vec![255, 255, 255, 10, 20, 30, 127, 127, 127]);
    }
}
